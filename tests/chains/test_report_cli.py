"""`highland report chain CHAIN --month --format --out` end to end on a fresh SQLite file:
the HTML and the XLSX written, and every bad flag refused with its message, exit code and
nothing written."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from highland.cli import app
from highland.platform import db
from tests.chains.test_report import world
from tests.cli import Cli, invoke


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[dict[str, Any]]:
    """A fresh database with the report tests' world; an empty output folder."""
    from highland.cli.common import init_db as _init

    _init()
    with Session(db.get_engine()) as s:
        w = world(s)
        code = w["chain"].code
    out = tmp_path / "out"
    out.mkdir()
    yield {"cid": w["cid"], "code": code, "out": out}


def run(*args: str) -> tuple[int, str, str]:
    result = invoke("report", "chain", *args, app=app)
    return result.code, result.stdout, result.stderr


def test_html_and_xlsx(env: dict[str, Any]) -> None:
    out = env["out"]
    code, stdout, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(out / "r.html"))
    assert code == 0, err
    assert f"产业链 {env['cid']} 2026-09：html 报告已写出到 {out / 'r.html'}（" in stdout
    html = (out / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "集成电路月度报告" in html
    assert 'data-basis="recorded"' in html and "<script" not in html
    code, _, err = run(env["code"], "--month", "2026-09", "--format", "xlsx", "--lang", "en",
                       "--out", str(out / "r.xlsx"))  # fmt: skip
    assert code == 0, err
    wb = load_workbook(io.BytesIO((out / "r.xlsx").read_bytes()))
    assert wb.sheetnames == ["Indicators", "Segments", "Gaps", "Decisions", "About"]
    assert wb["Indicators"]["A1"].value == "Key"
    code, _, err = run(env["code"], "--month", "2026-09", "--format", "xlsx", "--headers", "codes",
                       "--out", str(out / "r.xlsx"))  # fmt: skip
    assert code == 0, err
    wb = load_workbook(io.BytesIO((out / "r.xlsx").read_bytes()))
    assert wb.sheetnames[0] == "Indicators" and wb["Indicators"]["A1"].value == "代码"
    code, _, err = run(env["code"], "--month", "2026-09", "--format", "xlsx", "--headers", "x",
                       "--out", str(out / "r.xlsx"))  # fmt: skip
    assert code == 2 and "--headers" in err
    # Overwriting an existing report is fine; no temporary file is left behind.
    code, _, _ = run(str(env["cid"]), "--month", "2026-07", "--out", str(out / "r.html"))
    assert code == 0 and 'data-basis="computed"' in (out / "r.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["r.html", "r.xlsx"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--month", "2026-13"], 2, "错误： --month：月份“2026-13”无效，请按 YYYY-MM 填写。"),
        (["--month", "2099-01"], 2, "错误： --month：2099-01 尚未开始。"),
        (["--month", "2026-09", "--format", "pdf"], 2,
         "错误： --format：“pdf”不是报告格式，请使用 html 或 xlsx。"),
        (["--month", "2026-09", "--lang", "fr"], 2,
         "错误： --lang：“fr”不是可选语言，请使用 zh-CN 或 en。"),
    ],
)  # fmt: skip
def test_bad_flags(env: dict[str, Any], args: list[str], code: int, message: str) -> None:
    got, _, err = run(str(env["cid"]), *args, "--out", str(env["out"] / "r.html"))
    assert got == code and err.strip() == message
    assert list(env["out"].iterdir()) == []


def test_bad_chain_and_out(env: dict[str, Any], tmp_path: Path) -> None:
    out = env["out"]
    target = str(out / "r.html")
    code, _, err = run("99999", "--month", "2026-09", "--out", target)
    assert code == 2 and err.strip() == "错误： CHAIN：找不到产业链 #99999。"
    code, _, err = run("nope", "--month", "2026-09", "--out", target)
    assert code == 2 and err.strip() == "错误： CHAIN：没有 id 或代码为“nope”的产业链"
    missing = tmp_path / "no-such-folder" / "r.html"
    code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(missing))
    assert code == 2
    assert err.strip() == f"错误： --out：文件夹 {missing.parent} 不存在"
    code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(out))
    assert code == 2
    assert err.strip() == (
        f"错误： --out：{out} 是文件夹；请给出文件名，例如 {out / 'report.html'}"
    )
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(locked / "r"))
        assert code == 2 and err.strip() == f"错误： --out：无法在文件夹 {locked} 中写入"
    assert list(out.iterdir()) == []


def test_required_flags(env: dict[str, Any]) -> None:
    code, _, err = run(str(env["cid"]), "--out", str(env["out"] / "r.html"))
    assert code == 2 and "Missing option '--month'" in err
    code, _, err = run(str(env["cid"]), "--month", "2026-09")
    assert code == 2 and "Missing option '--out'" in err
    assert list(env["out"].iterdir()) == []


def test_a_failed_write_leaves_nothing(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    target = env["out"] / "r.html"
    code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(target))
    assert code == 1
    assert (
        err.strip() == f"错误： --out：无法写入 {target}（No space left on device）；未写入任何内容"
    )
    assert list(env["out"].iterdir()) == []
