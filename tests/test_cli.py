"""The `highland` command, end to end on a fresh SQLite file per test."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from highland.cli import app
from highland.platform import db
from tests.cli import Cli, invoke
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    """Point the CLI at a fresh database and instance folder."""
    yield tmp_path


def run(*args: str) -> tuple[int, str]:
    result = invoke(*args, app=app)
    return result.code, result.output


def test_every_command_has_help() -> None:
    for cmd in (
        ["--help"],
        ["init", "--help"],
        ["demo", "--help"],
        ["serve", "--help"],
        ["import", "enterprises", "--help"],
        ["import", "financials", "--help"],
        ["export", "enterprises", "--help"],
        ["users", "create", "--help"],
        ["tokens", "create", "--help"],
        ["audit", "verify", "--help"],
        ["portraits", "refresh", "--help"],
        ["backup", "--help"],
        ["restore", "--help"],
        ["prune", "--help"],
    ):
        code, out = run(*cmd)
        assert code == 0 and "Usage" in out, cmd


def _check_demo_governance() -> None:
    """Each demo chain has the two months before this one recorded, with tasks in several
    states, and its accepted members decided over the past year (so trends have a history)."""
    from sqlalchemy import func, select

    from highland.chains import indicators
    from highland.chains.demo_data.governance import shift
    from highland.chains.models import ChainMeeting, ChainTask, EnterpriseSegment
    from highland.platform.db import transaction

    this = indicators.current_month()
    with transaction() as s:
        months = s.execute(select(ChainMeeting.chain_id, ChainMeeting.month)).all()
        assert {m for _, m in months} == {shift(this, -1), shift(this, -2)}
        assert len({c for c, _ in months}) == 8
        states = dict(
            s.execute(select(ChainTask.state, func.count()).group_by(ChainTask.state)).all()
        )
        assert states == {"open": 24, "in_progress": 8, "confirmed": 16}
        spread = s.scalar(
            select(func.count(func.distinct(EnterpriseSegment.decided_at))).where(
                EnterpriseSegment.status == "accepted"
            )
        )
        assert 10 <= spread <= 12  # the members decided over the past year (ids modulo 12)


def _check_demo_notices() -> None:
    """The demo's accounts exist before its demands and its first official policy run, so the
    people it names have notices at their first sign-in (a handler, a leader, the enterprise)."""
    from sqlalchemy import select

    from highland.platform.db import transaction
    from highland.platform.identity.models import User
    from highland.platform.notices.models import Notification

    with transaction() as s:
        kinds = {
            (u, k)
            for u, k in s.execute(
                select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
            )
        }
    assert ("jn-zrzy", "demand.dispatched") in kinds
    assert ("jn-leader", "demand.escalation") in kinds
    assert ("enterprise", "demand.resolved") in kinds
    assert any(u == "enterprise" and k.startswith("policy.") for u, k in kinds)


def test_init_demo_export_roundtrip(env: Path) -> None:
    assert run("init")[0] == 0
    code, out = run("demo", "--enterprises", "200", "--seed", "3")
    assert code == 0, out
    assert "演示数据已加载：200 家企业" in out and "admin" in out
    assert "演示产业链调度：16 条月度记录，48 项任务" in out
    _check_demo_governance()
    logins = (env / "var" / "demo-logins.txt").read_text()
    assert "admin\t" in logins
    _check_demo_notices()
    code, out = run("demo", "--if-empty")
    assert code == 0 and "未加载演示数据" in out
    out_csv = env / "e.csv"
    code, out = run(
        "export", "enterprises", "--format", "csv", "--out", str(out_csv), "--district", "320115"
    )
    assert code == 0, out
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8-sig")))
    assert rows and all(r["行政区划代码"] == "320115" for r in rows)  # Chinese by default
    # The demo's 江北新区 firms: a zone with their real district (浦口区 or 六合区).
    zone_csv = env / "z.csv"
    code, out = run("export", "enterprises", "--out", str(zone_csv), "--zone", "320100-JBXQ")
    assert code == 0, out
    zoned = list(csv.DictReader(zone_csv.open(encoding="utf-8-sig")))
    assert zoned and {r["功能区名称"] for r in zoned} == {"江北新区"}
    assert {r["行政区划代码"] for r in zoned} <= {"320111", "320116"}
    xlsx = env / "e.xlsx"
    assert run("export", "enterprises", "--format", "xlsx", "--out", str(xlsx))[0] == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    # An exported file imports back without changing anything.
    code, out = run("import", "enterprises", str(out_csv))
    assert code == 0 and "新增 0，更新 0" in out, out
    code, out = run("audit", "verify")
    assert code == 0 and "审计日志完好" in out


def test_import_refusal_exit_status_and_report(env: Path) -> None:
    run("init")
    bad = env / "bad.csv"
    bad.write_bytes(to_csv([ent_row(1), ent_row(2, founded_on="2020-02-30")], ENT_HEADER))
    report = env / "report.csv"
    code, out = run("import", "enterprises", str(bad), "--report", str(report))
    assert code == 1 and "未写入任何内容" in out
    lines = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert lines[0] == ["row", "column", "value", "error"] and lines[1][:2] == ["3", "founded_on"]
    code, out = run("import", "enterprises", str(bad), "--dry-run", "--skip-invalid")
    assert code == 0 and "新增 1" in out and "试运行" in out
    code, out = run("import", "enterprises", str(bad), "--skip-invalid")
    assert code == 0 and "新增 1" in out and "拒绝 1" in out
    fins = env / "f.csv"
    fins.write_bytes(to_csv([fin_row(1, 2024)], FIN_HEADER))
    assert run("import", "financials", str(fins))[0] == 0


def test_import_several_files_in_turn_stops_at_the_first_refused(env: Path) -> None:
    run("init")
    parts = [env / f"part-{i}.csv" for i in range(3)]
    parts[0].write_bytes(to_csv([ent_row(1), ent_row(2)], ENT_HEADER))
    parts[1].write_bytes(to_csv([ent_row(3)], ENT_HEADER))
    parts[2].write_bytes(to_csv([ent_row(4, founded_on="2020-02-30")], ENT_HEADER))
    report = env / "report.csv"
    code, out = run("import", "enterprises", *map(str, parts), "--report", str(report))
    assert code == 1, out
    assert "[1/3] part-0.csv" in out and "[3/3] part-2.csv" in out
    assert out.count("新增 2") == 1 and out.count("新增 1") == 1 and "未写入任何内容" in out
    assert (env / "report-part-2.csv").exists() and not report.exists()
    # A refused file in the middle: the ones after it are not imported.
    fins = [env / "f-0.csv", env / "f-1.csv"]
    fins[0].write_bytes(to_csv([fin_row(9, 2024)], FIN_HEADER))  # no such enterprise
    fins[1].write_bytes(to_csv([fin_row(1, 2024)], FIN_HEADER))
    code, out = run("import", "financials", *map(str, fins))
    assert code == 1 and "[2/2]" not in out and "其后 1 个文件未导入" in out, out
    code, out = run("import", "financials", *map(str, reversed(fins)), "--skip-invalid")
    assert code == 0 and out.count("新增 1") == 1 and "拒绝 1" in out, out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["import", "enterprises", "/no/such/file.csv"], "文件不存在：/no/such/file.csv"),
        (["import", "financials", "x.csv", "--source", "rumour"], "--source"),
        (["export", "enterprises", "--format", "pdf"], "--format 必须是 csv 或 xlsx"),
        (["export", "enterprises", "--size-class", "huge"], "企业规模“huge”无效"),
        (["users", "create", "--username", "u", "--password", "pw", "--role", "admin"], "8"),
        (
            ["users", "create", "--username", "u", "--password", "password1", "--role", "king"],
            "角色“king”不存在",
        ),
        (
            [
                "users",
                "create",
                "--username",
                "u",
                "--password",
                "password1",
                "--role",
                "enterprise",
                "--enterprise",
                "91320115MA1XXXXX0X",
            ],
            "没有统一社会信用代码为 91320115MA1XXXXX0X 的企业",
        ),
        (["tokens", "create", "--user", "ghost"], "没有用户名为“ghost”的用户"),
        (["demo", "--enterprises", "0"], "--enterprises"),
    ],
)
def test_bad_flags_say_what_and_write_nothing(env: Path, args: list[str], needle: str) -> None:
    run("init")
    code, out = run(*args)
    assert code != 0
    assert needle in out


def test_users_tokens_and_audit_tamper(env: Path) -> None:
    run("init")
    data = env / "e.csv"
    data.write_bytes(to_csv([ent_row(1)], ENT_HEADER))
    run("import", "enterprises", str(data))
    code, out = run(
        "users",
        "create",
        "--username",
        "firm",
        "--password",
        "password-1",
        "--role",
        "enterprise",
        "--enterprise",
        uscc(1),
    )
    assert code == 0, out
    code, out = run("tokens", "create", "--user", "firm")
    assert code == 0 and out.strip().startswith("hl_")
    from sqlalchemy import text

    engine = db.get_engine()
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entry_no_update"))
        conn.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1"))
    code, out = run("audit", "verify")
    assert code == 1 and "审计日志在第 1 条处断裂" in out


def test_portraits_refresh(env: Path) -> None:
    run("init")
    run("demo", "--enterprises", "50")
    code, out = run("portraits", "refresh")
    assert code == 0 and "规模分类已刷新：50 家企业" in out
