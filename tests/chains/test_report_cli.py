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
    from highland.cli import _init

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
    assert f"chain {env['cid']} 2026-09: html report written to {out / 'r.html'}" in stdout
    html = (out / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "集成电路月度报告" in html
    assert 'data-basis="recorded"' in html and "<script" not in html
    code, _, err = run(env["code"], "--month", "2026-09", "--format", "xlsx", "--lang", "en",
                       "--out", str(out / "r.xlsx"))  # fmt: skip
    assert code == 0, err
    wb = load_workbook(io.BytesIO((out / "r.xlsx").read_bytes()))
    assert wb.sheetnames == ["Indicators", "Segments", "Gaps", "Decisions", "About"]
    assert wb["Indicators"]["A1"].value == "Key"
    # Overwriting an existing report is fine; no temporary file is left behind.
    code, _, _ = run(str(env["cid"]), "--month", "2026-07", "--out", str(out / "r.html"))
    assert code == 0 and 'data-basis="computed"' in (out / "r.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["r.html", "r.xlsx"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--month", "2026-13"], 2,
         "error: --month: '2026-13' is not a month; write it as YYYY-MM, e.g. 2026-09"),
        (["--month", "2099-01"], 2, "error: --month: 2099-01 has not begun yet"),
        (["--month", "2026-09", "--format", "pdf"], 2,
         "error: --format: 'pdf' is not a report format; use html or xlsx"),
        (["--month", "2026-09", "--lang", "fr"], 2,
         "error: --lang: 'fr' is not a language; use zh-CN or en"),
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
    assert code == 2 and err.strip() == "error: CHAIN: no chain 99999"
    code, _, err = run("nope", "--month", "2026-09", "--out", target)
    assert code == 2 and err.strip() == "error: CHAIN: no chain with id or code 'nope'"
    missing = tmp_path / "no-such-folder" / "r.html"
    code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(missing))
    assert code == 2
    assert err.strip() == f"error: --out: the folder {missing.parent} does not exist"
    code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(out))
    assert code == 2
    assert err.strip() == (
        f"error: --out: {out} is a folder; give a file name, e.g. {out / 'report.html'}"
    )
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, _, err = run(str(env["cid"]), "--month", "2026-09", "--out", str(locked / "r"))
        assert code == 2 and err.strip() == f"error: --out: cannot write in the folder {locked}"
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
        err.strip()
        == f"error: --out: cannot write {target} (No space left on device); nothing written"
    )
    assert list(env["out"].iterdir()) == []
