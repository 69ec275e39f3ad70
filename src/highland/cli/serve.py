"""`highland serve`: the web UI and the API under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from highland.cli import serving
from highland.cli.common import init_db
from highland.cli.demo import print_logins
from highland.platform.cli import say


def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(envvar="WEB_CONCURRENCY", min=1, help="Worker processes.")
    ] = 1,
) -> None:
    """Serve the web UI and the API."""
    init_db()
    say("cli.serving", url=f"http://{host}:{port}/")
    print_logins()
    serving.run(host, port, workers)
