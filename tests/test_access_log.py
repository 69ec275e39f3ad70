"""A credential a client puts in a URL (an Open311 api_key, a token) never reaches the log:
the server's own logging configuration masks it in uvicorn's access lines."""

from __future__ import annotations

import io
import logging
import logging.config

from highland.cli.serving import log_config
from highland.platform.logsafe import redact


def test_redact_masks_credential_parameters_only() -> None:
    path = "/open311/v2/requests.json?api_key=k-123&service_code=x&TOKEN=hl_abc#frag"
    assert redact(path) == "/open311/v2/requests.json?api_key=***&service_code=x&TOKEN=***#frag"
    assert redact("/api/v1/demands?q=token") == "/api/v1/demands?q=token"


def test_the_access_log_never_shows_an_api_key() -> None:
    config = log_config()
    stream = io.StringIO()
    config["handlers"]["access"]["stream"] = stream
    config["disable_existing_loggers"] = False
    logging.config.dictConfig(config)
    try:
        # The very call uvicorn's HTTP protocol makes for each request.
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "POST",
            "/open311/v2/requests.json?api_key=the-real-key-123&jurisdiction_id=nj",
            "1.1",
            403,
        )
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    line = stream.getvalue()
    assert "the-real-key-123" not in line
    assert "api_key=***&jurisdiction_id=nj" in line and "403" in line
