"""Reading an uploaded file of a form or an API call, refused once it passes the configured
size (`HIGHLAND_MAX_UPLOAD_MB`): the one upload reader of every domain's pages and API."""

from __future__ import annotations

from fastapi import Request, UploadFile

from highland.platform.errors import InvalidInput


async def read_upload(request: Request, upload: UploadFile) -> tuple[bytes, str]:
    """Read an uploaded file and its name, refusing one over the configured size."""
    limit = _limit(request)
    return _within(await upload.read(limit + 1), limit), upload.filename or "upload"


def read_upload_in_thread(request: Request, upload: UploadFile) -> tuple[bytes, str]:
    """`read_upload` for a sync route (run in a worker thread): the spooled file, read off the
    event loop."""
    limit = _limit(request)
    return _within(upload.file.read(limit + 1), limit), upload.filename or "upload"


def _limit(request: Request) -> int:
    return int(request.app.state.settings.max_upload_mb) * 1024 * 1024


def _within(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise InvalidInput(
            f"the file is larger than {limit // (1024 * 1024)} MB",
            field="file",
            code="upload.too_big",
            params={"mb": limit // (1024 * 1024)},
        )
    return data
