"""Secrets never reach the access log: a logging filter that masks the values of query
parameters that carry credentials (an Open311 `api_key` sent in the URL, a `token`, a
`password`) in uvicorn's access lines, whatever the client sent."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("api_key", "apikey", "token", "access_token", "password", "secret")
_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&#\s]*")


def redact(text: str) -> str:
    """The text with every credential parameter's value replaced by ***."""
    return _SECRET.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    """Mask credential parameters in a record's message arguments (uvicorn's access line
    carries the path with its query as one argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
