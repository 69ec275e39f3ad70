"""A real Highland server in a subprocess, on a database of its own, for tests that speak HTTP
to it from outside (the API fuzzer)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


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


def highland(env: dict[str, str], *args: str) -> str:
    """Run the `highland` command; its output, or an AssertionError with it."""
    done = subprocess.run(
        [str(BIN / "highland"), *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"highland {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextmanager
def live_server(work: Path, database_url: str, enterprises: int = 150) -> Iterator[Live]:
    """Load the demo into the database, start `highland serve`, yield it, stop it."""
    env = {
        **os.environ,
        "HIGHLAND_DATABASE_URL": database_url,
        "HIGHLAND_INSTANCE_DIR": str(work / "var"),
        "COLUMNS": "200",
    }
    highland(env, "demo", "--enterprises", str(enterprises))
    token = highland(env, "tokens", "create", "--user", "admin", "--name", "fuzz").split()[-1]
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
