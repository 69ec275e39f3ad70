"""Errors a user can act on: each says what is wrong and where."""

from __future__ import annotations

from typing import Any


class HighlandError(Exception):
    """Base class of errors shown to users.

    `message` is the English text for logs, the CLI and API clients. `code` (with `params`)
    names the catalogue entry `error.<code>` that pages show in the reader's language; an
    error without a code falls back to its message.
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.params: dict[str, Any] = dict(params or {})


class NotFound(HighlandError):
    """The object does not exist or is outside the caller's scope (never say which)."""

    status_code = 404


class Forbidden(HighlandError):
    """The caller's role may not do this."""

    status_code = 403


class Unauthenticated(HighlandError):
    """No valid session or token."""

    status_code = 401


class Conflict(HighlandError):
    """The request clashes with the current state (duplicate, stale edit)."""

    status_code = 409


class InvalidInput(HighlandError):
    """A value or a file is wrong; `field` names where."""

    status_code = 422


class UnsupportedMediaType(HighlandError):
    """The body is in a format the endpoint does not read."""

    status_code = 415


class TooManyRequests(HighlandError):
    """Rate limit reached."""

    status_code = 429
