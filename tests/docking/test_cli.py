"""`highland docking …`: import achievements (all rows or none), a need's matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from highland.docking.cli import app
from tests.cli import Cli, invoke

HEADER = "成果编号,成果名称,技术领域,完成单位,技术成熟度\n"


def test_import_then_refuse_a_bad_file(tmp_path: Path, cli: Cli,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "C-1,分布式数据库事务引擎,software,南京大学,6\n", encoding="utf-8")
    ran = invoke("import", str(good), app=app)
    assert ran.code == 0 and "新增 1 项" in ran.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "C-2,标题,software,南京大学,11\n", encoding="utf-8")
    ran = invoke("import", str(bad), app=app)
    assert ran.code == 1 and "bad.csv:2: 技术成熟度“11”不在 1–9 之间" in ran.stderr
    assert "未写入任何数据" in ran.stderr
    monkeypatch.setenv("HIGHLAND_LANG", "en")
    ran = invoke("import", str(bad), app=app)
    assert "is not a level from 1 to 9" in ran.stderr
    ran = invoke("match", "99", app=app)
    assert ran.code == 1 and "No need 99" in ran.stderr
