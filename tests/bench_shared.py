"""What the benches' smoke tests share: loading a bench script as a module, and one `highland
demo` database of 200 enterprises with the chains' reference data, built once per test session
by the benches' own builder (`bench_chains.chains_db`) and copied into each test's folder,
where the benches find it already built."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
DEMO_N = 200
_built: dict[str, Path] = {}


def load(name: str) -> Any:
    """The bench script bench/<name>.py as a module (registered under its name)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def demo_copy(factory: pytest.TempPathFactory, target: Path) -> Path:
    """The session's 200-firm demo database (built on first use), copied to `target`."""
    if "demo" not in _built:
        chains = sys.modules.get("bench_chains") or load("bench_chains")
        _built["demo"] = chains.chains_db(DEMO_N, chains.SEED, factory.mktemp("bench-demo"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_built["demo"], target)
    return target
