"""`highland serve`: the web UI and the API under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from highland.cli import serving
from highland.cli.common import app, init_db, out
from highland.cli.demo import print_logins


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(envvar="WEB_CONCURRENCY", min=1, help="Worker processes.")
    ] = 1,
) -> None:
    """Serve the web UI and the API."""
    init_db()
    out.print(f"Highland is running: [bold]http://{host}:{port}/[/]  (API docs: /docs)")
    print_logins()
    serving.run(host, port, workers)
