"""Each command's module loads on its own, as `highland <command>` loads it (lazily, first in a
fresh process): an import cycle that another import order hides fails here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from highland.cli import BEFORE, COMMANDS

MODULES = sorted(
    {target.split(":")[0] for target in (*COMMANDS.values(), *sum(BEFORE.values(), ()))}
)


@pytest.mark.parametrize("module", MODULES)
def test_a_command_module_imports_first_in_a_fresh_process(module: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
