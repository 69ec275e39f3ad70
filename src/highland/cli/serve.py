"""`highland serve`: the web UI and the API under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from highland.cli.common import app, init_db, out
from highland.cli.demo import print_logins


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web UI and the API."""
    import uvicorn

    from highland.main import create_app

    init_db()
    out.print(f"Highland is running: [bold]http://{host}:{port}/[/]  (API docs: /docs)")
    print_logins()
    # Proxy headers are read by the app itself, only from HIGHLAND_TRUSTED_PROXIES (uvicorn's
    # own default would believe X-Forwarded-For from any local process).
    uvicorn.run(create_app(), host=host, port=port, log_level="info", proxy_headers=False)
