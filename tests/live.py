"""Live Highland servers for tests that speak HTTP from outside: one shared way to start them.

- `serving(app)`: the application in a thread of this process (uvicorn on a free port), so
  the test and the server share the process clock (`clock_at`); the browser tests and the
  concurrent sign-ins use it.
- `live_server(work, database_url)`: the installed `highland serve` in a subprocess over a
  database loaded with the demo, with an admin's API token (the API fuzzer).

Every server listens on a port the system hands out (port 0), so parallel workers never meet.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.cli import BIN as BIN  # the fuzzer runs `st` from the same folder
from tests.cli import Cli


@dataclass(frozen=True)
class Live:
    """A running server: its base URL, an admin's API token and its log."""

    base: str
    token: str
    log: Path


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any, start_within: float = 15) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a port of the system's choice, bound before the server
    starts) in a daemon thread; yield its base URL; stop it."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_within
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Highland test server did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def live_server(work: Path, database_url: str, enterprises: int = 150) -> Iterator[Live]:
    """Load the demo into the database, start `highland serve`, yield it, stop it."""
    cli = Cli(database_url, work / "var")
    env = cli.env()
    for args in (("demo", "--enterprises", str(enterprises)),
                 ("tokens", "create", "--user", "admin", "--name", "fuzz")):  # fmt: skip
        ran = cli.process(*args)
        assert ran.code == 0, f"highland {' '.join(args)}:\n{ran.output}"
    token = ran.stdout.split()[-1]
    port = free_port()
    log = work / "server.log"
    server = subprocess.Popen(
        [str(BIN / "highland"), "serve", "--port", str(port)],
        env=env,
        cwd=work,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, f"the server exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "the server did not start in 120 s"
            time.sleep(0.3)
        yield Live(base, token, log)
    finally:
        server.terminate()
        server.wait(timeout=30)
