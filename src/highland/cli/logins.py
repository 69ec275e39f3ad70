"""The demo accounts kept in the instance folder: printed by `highland demo` and by `highland
serve` (which must not load the demo's generators only to print them)."""

from __future__ import annotations

from highland.platform.cli import out, say
from highland.platform.config import get_settings

DEMO_LOGINS = "demo-logins.txt"


def print_logins() -> None:
    """Print the demo accounts kept in the instance folder, if any."""
    path = get_settings().instance_dir / DEMO_LOGINS
    if not path.exists():
        return
    say("cli.demo.logins", file=str(path))
    for line in path.read_text(encoding="utf-8").splitlines():
        user, password, role = line.split("\t")
        out.print(f"  {user:<11} {password:<14} {role}", highlight=False)
