"""Reading an uploaded file of a form or an API call, refused once it passes the configured
size (`HIGHLAND_MAX_UPLOAD_MB`): the one upload reader of every domain's pages and API."""

from __future__ import annotations

from fastapi import Request, UploadFile

from highland.platform.errors import InvalidInput


async def read_upload(request: Request, upload: UploadFile) -> tuple[bytes, str]:
    """Read an uploaded file and its name, refusing one over the configured size."""
    limit = upload_limit(request)
    return _within(await upload.read(limit + 1), limit), upload.filename or "upload"


def read_upload_in_thread(request: Request, upload: UploadFile) -> tuple[bytes, str]:
    """`read_upload` for a sync route (run in a worker thread): the spooled file, read off the
    event loop."""
    limit = upload_limit(request)
    return _within(upload.file.read(limit + 1), limit), upload.filename or "upload"


def upload_limit(request: Request) -> int:
    """The most bytes an upload or a request body may have (`HIGHLAND_MAX_UPLOAD_MB`)."""
    return int(request.app.state.settings.max_upload_mb) * 1024 * 1024


def too_big(limit: int, field: str = "file", code: str = "upload.too_big") -> InvalidInput:
    """The refusal of a file (or, with field="body", a request body) past `limit` bytes."""
    mb = limit // (1024 * 1024)
    return InvalidInput(
        f"the {field} is larger than {mb} MB", field=field, code=code, params={"mb": mb}
    )


def _within(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise too_big(limit)
    return data
