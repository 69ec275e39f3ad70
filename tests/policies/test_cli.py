"""`highland policies …` end to end on a fresh SQLite file per test."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from highland.cli import app
from highland.policies.service import DEMO_LIBRARY
from tests.cli import Cli, invoke
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc
from tests.policies.test_api import AS_OF, BROKEN, LIBRARY, RD


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    """A fresh database with five enterprises and their 2024 figures."""
    assert cli("init").code == 0
    ents = [ent_row(n) for n in (1, 2, 3)] + [ent_row(4, district_code="320106")]
    (tmp_path / "e.csv").write_bytes(to_csv(ents, ENT_HEADER))
    fins = [
        fin_row(1, 2024, revenue="12000000.00", rd_spend="960000.00"),
        fin_row(2, 2024, revenue="10000000.00", rd_spend="350000.00"),
        fin_row(4, 2024, revenue="12000000.00", rd_spend="960000.00"),
    ]
    (tmp_path / "f.csv").write_bytes(to_csv(fins, FIN_HEADER))
    assert cli("import", "enterprises", str(tmp_path / "e.csv")).code == 0
    assert cli("import", "financials", str(tmp_path / "f.csv")).code == 0
    (tmp_path / "lib.yaml").write_text(LIBRARY, encoding="utf-8")
    yield tmp_path


def cli(*args: str) -> tuple[int, str]:
    result = invoke(*args, app=app)
    return result.code, result.output


def run(*args: str) -> tuple[int, str]:
    return cli("policies", *args)


def test_check_prints_every_error_with_file_and_line(env: Path) -> None:
    bad = env / "bad.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    code, out = run("check", str(bad))
    assert code == 1
    lines = [ln for ln in out.splitlines() if ln.startswith(f"{bad}:")]
    assert len(lines) >= 7, out
    assert f"{bad}:5: effective：“2025-13-01”不是日期" in out  # in the command's language
    assert f"{bad}:9: " in out and "“revenu”" in out
    assert "错误： 1 个路径中有 7 处错误" in out
    code, out = run("check", str(env / "lib.yaml"))
    assert code == 0 and "通过：3 项政策、1 个政策包" in out


def test_load_keeps_versions(env: Path) -> None:
    code, out = run("load", str(env / "lib.yaml"))
    assert code == 0 and "已保存：新增 4 个，新版本 0 个，未变 0 个" in out, out
    code, out = run("load", str(env / "lib.yaml"))
    assert code == 0 and "新增 0 个，新版本 0 个，未变 4 个" in out
    (env / "rd.yaml").write_text(RD.replace("value: 0.04", "value: 0.03"), encoding="utf-8")
    code, out = run("load", str(env / "rd.yaml"))
    assert code == 0 and "新增 0 个，新版本 1 个，未变 0 个" in out
    bad = env / "bad.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    code, out = run("load", str(bad))
    assert code == 1 and "处错误；未保存任何内容" in out and f"{bad}:9:" in out


def test_test_command_passes_on_the_demo_and_fails_on_a_wrong_expectation(env: Path) -> None:
    code, out = run("test", str(DEMO_LIBRARY))
    assert code == 0 and "个用例全部通过" in out, out
    cases = env / "cases.yaml"
    cases.write_text(
        "kind: tests\nas_of: 2025-06-30\ncases:\n"
        "  - name: right\n    policy: t-rd\n"
        "    portrait: {district: '320115', rd_intensity: 0.05, revenue: 6000000,"
        " rd_spend: 300000}\n"
        "    expect: {status: eligible, amount: 30000}\n"
        "  - name: wrong\n    policy: t-rd\n"
        "    portrait: {district: '320115', rd_intensity: 0.03, revenue: 6000000}\n"
        "    expect: {status: eligible}\n",
        encoding="utf-8",
    )
    code, out = run("test", str(cases), "--policies", str(env / "lib.yaml"))
    assert code == 1 and "2 个用例中有 1 个未通过" in out
    assert f"{cases}:8: wrong: status: expected 'eligible', got 'ineligible'" in out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_match_writes_the_csv(env: Path) -> None:
    run("load", str(env / "lib.yaml"))
    out_csv = env / "m.csv"
    code, out = run("match", "--as-of", AS_OF, "--out", str(out_csv))
    assert code == 0 and "已将 12 行写入" in out, out
    chinese = list(csv.reader(out_csv.open(encoding="utf-8")))  # Chinese headers by default
    assert chinese[0] == ["统一社会信用代码", "政策编号", "结果代码", "结果", "金额（元）",
                          "未满足条件代码", "缺失数据代码"]  # fmt: skip
    by = {(r[0], r[1]): r for r in chinese[1:]}
    assert by[(uscc(1), "t-rd")][2:5] == ["eligible", "符合", "96000.00"]
    code, out = run("match", "--as-of", AS_OF, "--out", str(out_csv), "--headers", "codes")
    assert code == 0 and "已将 12 行写入" in out, out
    assert out_csv.read_text(encoding="utf-8").splitlines()[0] == (
        "uscc,policy_id,status,amount,failed,missing"
    )
    assert '""' not in out_csv.read_text(encoding="utf-8")  # empty fields are bare
    rows = {(r["uscc"], r["policy_id"]): r for r in _rows(out_csv)}
    assert rows[(uscc(1), "t-rd")]["amount"] == "96000.00"
    assert rows[(uscc(1), "t-award")]["amount"] == "300000.00"
    assert rows[(uscc(2), "t-rd")]["failed"] == "rd_intensity >= 0.04"
    assert rows[(uscc(3), "t-rd")] == {"uscc": uscc(3), "policy_id": "t-rd", "status": "unknown",
                                       "amount": "", "failed": "",
                                       "missing": "revenue;rd_intensity"}  # fmt: skip
    code, out = run("match", "--as-of", AS_OF, "--out", str(out_csv), "--policy", "t-rd",
                    "--enterprise", uscc(1).lower(), "--headers", "codes")  # fmt: skip
    assert code == 0, out
    assert [(r["uscc"], r["policy_id"], r["status"]) for r in _rows(out_csv)] == [
        (uscc(1), "t-rd", "eligible")
    ]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--policy", "nope"], 1, "没有编号为 nope 的政策"),
        (
            ["--enterprise", "91320115MA1XXXXX0X"],
            1,
            "找不到统一社会信用代码为 91320115MA1XXXXX0X 的企业",
        ),
        (["--as-of", "2025-02-30"], 2, "--as-of"),
        (["--headers", "english"], 1, "headers 参数“english”无效"),
        (["--as-of", "2024-06-30", "--policy", "t-rd"], 1, "政策 t-rd 在 2024-06-30 不在有效期内"),
    ],
)
def test_match_refusals_leave_no_file(env: Path, args: list[str], code: int, needle: str) -> None:
    run("load", str(env / "lib.yaml"))
    out_csv = env / "m.csv"
    full = ["match", "--out", str(out_csv), *args]
    if "--as-of" not in args:
        full += ["--as-of", AS_OF]
    got, out = run(*full)
    assert got == code and needle in out, out
    assert not out_csv.exists() and not (env / "m.csv.part").exists()


def test_run_and_replay(env: Path) -> None:
    run("load", str(env / "lib.yaml"))
    code, out = run("run", "--as-of", AS_OF)
    assert code == 0 and out.startswith("第 1 次测算：4 家企业，截至 2025-06-30"), out
    (env / "rd.yaml").write_text(RD.replace("value: 0.04", "value: 0.03"), encoding="utf-8")
    assert run("load", str(env / "rd.yaml"))[0] == 0
    results = env / "replay.csv"
    code, out = run("replay", "1", "--out", str(results))
    assert code == 0 and "第 1 次测算重放结果一致：3 项政策" in out, out
    # The replay still shows the first version's results: enterprise 2 (3.5 %) stays out.
    rows = {(r["uscc"], r["policy_id"]): r["status"] for r in _rows(results)}
    assert rows[(uscc(2), "t-rd")] == "ineligible"
    code, out = run("replay", "9")
    assert code == 1 and "没有第 9 次正式测算" in out
