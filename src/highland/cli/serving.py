"""`highland serve`: one process, or several worker processes on one port.

With `--workers N` (N > 1) uvicorn's own supervisor starts N processes that each build the
app (`highland.main:create_app`), share the listening socket and are restarted when one dies;
with one, uvicorn builds it in this process. Either way the app is imported only then.
What each process keeps to itself, and why that is safe, is in docs/PERFORMANCE.md
("Several workers"). The server's own log (the background jobs, a busy database) goes to
stderr beside uvicorn's, each line with the worker's process id.
"""

from __future__ import annotations

import copy
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

# The app is named, not imported: uvicorn imports it when it serves (in each worker).
APP = "highland.main:create_app"


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration plus Highland's own logger at INFO."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["highland"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s [%(process)d] %(name)s: %(message)s",
    }
    config["handlers"]["highland"] = {
        "formatter": "highland",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["highland"] = {"handlers": ["highland"], "level": "INFO", "propagate": False}
    # An api_key or token a client put in the URL is masked before the access line is written.
    config.setdefault("filters", {})["redact_secrets"] = {
        "()": "highland.platform.logsafe.RedactSecrets"
    }
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    return config


def run(host: str, port: int, workers: int = 1) -> None:
    """Serve the app on host:port with `workers` processes (1: in this process)."""
    # Proxy headers are read by the app itself, only from HIGHLAND_TRUSTED_PROXIES (uvicorn's
    # own default would believe X-Forwarded-For from any local process).
    uvicorn.run(
        APP,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_config=log_config(),
        proxy_headers=False,
    )
