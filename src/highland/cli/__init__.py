"""The `highland` command: set-up, demo data, imports, exports, users, tokens, audit, backups,
and the domains' own command groups (policies, demands, chains, …).

Every command is loaded lazily (`COMMANDS`: name → "module.path:attribute"): `highland --help`
lists them with their help from the catalogue without importing them, and running one imports
only that one. Before any command runs, the database preparer is set; before those that read or
change the domains' data, the domains are wired (`highland.wiring`: the jobs, the calendar
listeners, the chain memberships policy matching reads). See docs/PERFORMANCE.md ("One house").
"""

from __future__ import annotations

import typer

from highland.platform.cli import SpokenGroup

__all__ = ["BEFORE", "COMMANDS", "app", "main"]

# In the order `highland --help` lists them.
COMMANDS: dict[str, str] = {
    "init": "highland.cli.common:init",
    "backup": "highland.cli.backup:backup",
    "restore": "highland.cli.backup:restore",
    "demo": "highland.cli.demo:demo",
    "prune": "highland.cli.maintenance:prune",
    "serve": "highland.cli.serve:serve",
    "import": "highland.cli.data:import_app",
    "export": "highland.cli.data:export_app",
    "users": "highland.cli.accounts:users_app",
    "tokens": "highland.cli.accounts:tokens_app",
    "audit": "highland.cli.maintenance:audit_app",
    "portraits": "highland.cli.maintenance:portraits_app",
    "policies": "highland.policies.cli:app",
    "recognitions": "highland.policies.recognitions.cli:app",
    "demands": "highland.demands.cli:app",
    "chains": "highland.cli.chains:app",
    "report": "highland.cli.report:app",
    "growth": "highland.growth.cli:app",
    "calendar": "highland.platform.calendar.cli:app",
    "apikeys": "highland.demands.apikeys.cli:app",
    "innovation": "highland.innovation.cli:app",
    "docking": "highland.docking.cli:app",
}
READY = "highland.cli.common:ready"  # the database preparer (the schema of every domain)
WIRE = "highland.wiring:wire"  # the domains' jobs, calendar listeners and providers
# Commands that touch no domain's data need no wiring (it imports every domain: ~1 s).
# `serve` builds the web app, which wires itself.
UNWIRED = {"init", "backup", "restore", "prune", "serve", "users", "tokens", "audit"}
BEFORE: dict[str, tuple[str, ...]] = {
    name: (READY,) if name in UNWIRED else (READY, WIRE) for name in COMMANDS
}


class HighlandGroup(SpokenGroup):
    """The `highland` group: its commands loaded when one is run (see SpokenGroup)."""

    lazy = COMMANDS
    before = BEFORE


app = typer.Typer(
    cls=HighlandGroup,  # its help and its commands' help in the command's language
    help="Highland: a city's industrial-innovation platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def highland() -> None:
    """The group itself does nothing: its commands, all lazy, do the work."""


def main() -> None:
    """Entry point."""
    app()
