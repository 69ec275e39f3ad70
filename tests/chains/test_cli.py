"""`highland chains …` end to end on a fresh SQLite file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from highland.chains.cli import app
from highland.chains.demo_data import CHAIN_FILES as DEMO_DIR
from tests.chains.chain_files import BROKEN, FLAT, SMALL
from tests.cli import Cli, invoke


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    """A fresh database, and two good chain files and a broken one."""
    (tmp_path / "small.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "flat.yaml").write_text(FLAT, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BROKEN, encoding="utf-8")
    yield tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = invoke(*args, app=app)
    return result.code, result.stdout, result.stderr


def test_check_prints_every_error_and_exits_1(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run("check", str(env / "bad.yaml"), str(env / "small.yaml"))
    assert code == 1
    assert f"{env / 'bad.yaml'}:1: id 应为正整数（收到“0”）。" in err  # the command's language
    assert "2 个路径中有" in err and "处错误" in err
    assert f"{env / 'bad.yaml'}:10: " in err and "“a”" in err
    code, out, _ = run("check", str(env / "small.yaml"), str(env / "flat.yaml"))
    assert code == 0 and "通过：2 个产业链文件" in out
    code, _, err = run("check", str(env / "missing.yaml"))
    assert code == 1 and "missing.yaml:0: " in err
    monkeypatch.setenv("HIGHLAND_LANG", "en")
    code, out, err = run("check", str(env / "bad.yaml"), str(env / "small.yaml"))
    assert f"{env / 'bad.yaml'}:1: " in err and "positive integer" in err


def test_load_all_or_nothing_then_list_and_show(env: Path) -> None:
    code, _, err = run("load", str(env / "small.yaml"), str(env / "bad.yaml"))
    assert code == 1 and "处错误；未保存任何内容" in err
    code, out, _ = run("list")
    assert code == 0 and out == ""
    code, out, _ = run("load", str(env / "small.yaml"), str(env / "flat.yaml"))
    assert code == 0 and "已保存：新增 2 个，新版本 0 个，未变 0 个" in out
    code, out, _ = run("load", str(env / "small.yaml"))
    assert code == 0 and "已保存：新增 0 个，新版本 0 个，未变 1 个" in out
    (env / "small.yaml").write_text(SMALL.replace("基础软件", "基础软件（新）"), encoding="utf-8")
    code, out, _ = run("load", str(env / "small.yaml"))
    assert code == 0 and "已保存：新增 0 个，新版本 1 个，未变 0 个" in out
    code, out, _ = run("list")
    assert out == "1\t软件和信息服务\n2\t扁平写法\n"
    code, out, _ = run("show", "1")
    lines = out.splitlines()
    assert lines[0] == "1\t软件和信息服务 (software) v2"
    assert lines[1] == "  basic 基础软件（新） (upstream) ★ [6511]"
    assert lines[2] == "    os 操作系统 (upstream) [6511]"
    code, out, _ = run("show", "1", "--version", "1")
    assert code == 0 and "  basic 基础软件 (upstream) ★ [6511]" in out
    code, _, err = run("show", "9")
    assert code == 1 and "找不到产业链 9" in err
    assert run("retire", "2")[0] == 0
    assert run("list")[1] == "1\t软件和信息服务\n"
    assert run("list", "--all")[1].count("\n") == 2


def test_demo_and_list(env: Path) -> None:
    code, out, _ = run("demo")
    assert code == 0 and "演示产业链：新增 8 条" in out
    code, out, _ = run("list")
    assert [ln.split("\t")[0] for ln in out.splitlines()] == [str(i) for i in range(1, 9)]
    code, out, _ = run("load", *[str(p) for p in sorted(DEMO_DIR.glob("*.yaml"))])
    assert code == 0 and "未变 8 个" in out


def test_figures_state_and_refresh(env: Path) -> None:
    from highland.cli import app as highland

    def top(*args: str) -> tuple[int, str]:
        result = invoke("chains", *args, app=highland)
        return result.code, result.stdout

    assert run("load", str(env / "small.yaml"))[0] == 0
    code, out = top("figures")
    assert code == 0 and "统计数据：尚未生成" in out
    code, out = top("figures", "--refresh")
    assert code == 0
    lines = out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["links", "registry"]
    assert all(line.endswith("\t最新") for line in lines)
    assert run("load", str(env / "flat.yaml"))[0] == 0  # a new chain: the links are stale
    code, out = top("figures")
    assert "links\t" in out and "已过时（数据现为第" in out
    code, out = top("figures", "--bogus")
    assert code == 2
