"""`highland chains`: the chains core's commands and those of its mapping and analytics
features, put together once when the command is loaded."""

from __future__ import annotations

from highland.chains.analytics import cli as analytics_cli
from highland.chains.cli import app
from highland.chains.mapping import cli as mapping_cli

__all__ = ["app"]

app.add_typer(analytics_cli.reference_app, name="reference")
app.add_typer(analytics_cli.prospects_app, name="prospects")
app.command("analytics")(analytics_cli.analytics_command)
app.command("figures")(analytics_cli.figures_command)
for _name, _command in (
    ("suggest", mapping_cli.suggest),
    ("accept", mapping_cli.accept),
    ("reject", mapping_cli.reject),
    ("leading", mapping_cli.leading),
):
    app.command(_name)(_command)
