"""The `highland` command: set-up, demo data, imports, exports, users, tokens, audit, backups.

The commands live in modules by feature (demo, data, accounts, serve, maintenance, backup);
the domains' own command groups (policies, demands, chains, …) are registered here.
"""

from __future__ import annotations

import typer

from highland.chains.analytics import cli as analytics_cli
from highland.chains.cli import app as chains
from highland.chains.mapping import cli as mapping_cli
from highland.chains.report.cli import app as report
from highland.cli import accounts, backup, data, demo, maintenance, serve  # noqa: F401
from highland.cli.common import actor as _actor
from highland.cli.common import app, tokens_app, users_app
from highland.cli.common import fail as _fail
from highland.cli.common import init_db as _init
from highland.demands.apikeys.cli import app as apikeys
from highland.demands.cli import app as demands
from highland.platform.calendar.cli import app as calendar
from highland.platform.identity.cli import register as register_credentials
from highland.policies.cli import app as policies
from highland.wiring import wire

__all__ = ["_actor", "_fail", "_init", "app", "main"]

wire()  # the domains' jobs, calendar listeners and providers (highland.wiring)


def _chains_app() -> typer.Typer:
    """`highland chains`: the core's commands and those of the mapping and analytics features."""
    chains.add_typer(analytics_cli.reference_app, name="reference")
    chains.add_typer(analytics_cli.prospects_app, name="prospects")
    chains.command("analytics")(analytics_cli.analytics_command)
    chains.command("figures")(analytics_cli.figures_command)
    for name, command in (
        ("suggest", mapping_cli.suggest),
        ("accept", mapping_cli.accept),
        ("reject", mapping_cli.reject),
        ("leading", mapping_cli.leading),
    ):
        chains.command(name)(command)
    return chains


app.add_typer(policies, name="policies")
app.add_typer(demands, name="demands")
app.add_typer(_chains_app(), name="chains")
app.add_typer(report, name="report")
app.add_typer(calendar, name="calendar")
app.add_typer(apikeys, name="apikeys")
register_credentials(users_app, tokens_app)


def main() -> None:
    """Entry point."""
    app()
