"""`highland serve`: the web UI and the API under uvicorn.

`make run` is `highland serve --demo-if-empty`: one process that loads the demo only into an
empty registry, then serves. With data already there it goes straight to serving: the demo's
generators are not even imported (they are loaded by name, as every command is), nor is Alembic
when the schema is already the newest (`highland.schema_state`), so the platform answers in
about the time it takes to import the web app (docs/PERFORMANCE.md, "Start-up").
"""

from __future__ import annotations

from typing import Annotated

import typer

from highland.cli import COMMANDS, WIRE, serving
from highland.cli.common import init_db
from highland.cli.logins import print_logins
from highland.enterprises.repository import any_enterprise
from highland.platform.cli import load, say
from highland.platform.db import session_factory


def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(envvar="WEB_CONCURRENCY", min=1, help="Worker processes.")
    ] = 1,
    demo_if_empty: Annotated[
        bool, typer.Option(help="Load the demo data first when the registry is empty.")
    ] = False,
) -> None:
    """Serve the web UI and the API."""
    init_db()
    loaded = demo_if_empty and _load_demo_if_empty()
    say("cli.serving", url=f"http://{host}:{port}/")
    if not loaded:  # the demo has just printed them
        print_logins()
    serving.run(host, port, workers)


def _load_demo_if_empty() -> bool:
    """Load the demo (what `highland demo` does, in this process) when the registry is empty;
    whether it did."""
    with session_factory()() as s:
        if any_enterprise(s):
            return False
    load(WIRE)()
    load(COMMANDS["demo"])(if_empty=True)
    return True
