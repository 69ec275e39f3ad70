"""`highland report`: the chains' monthly report and the growth domain's white paper, put
together once when the command is loaded."""

from __future__ import annotations

from highland.chains.report.cli import app
from highland.growth.whitepaper import cli as whitepaper_cli

__all__ = ["app"]

app.command("whitepaper")(whitepaper_cli.whitepaper)
