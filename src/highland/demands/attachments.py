"""Attachments of demands: checked for size, name and type (by content, not only by name)."""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.responses import Response

from highland.demands.models import Attachment
from highland.platform.audit.service import Actor, Change, record
from highland.platform.config import get_settings
from highland.platform.errors import InvalidInput

MAX_FILES = 10
# extension → (content type, check of the first bytes)
TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "txt": "text/plain",
    "csv": "text/csv",
}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
BAD_NAME = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")


@dataclass(frozen=True)
class Upload:
    """A file as received."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def _looks_like(ext: str, data: bytes) -> bool:
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext in ("doc", "xls"):
        return data.startswith(OLE)
    if ext in OOXML_PART:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                return any(n.startswith(OOXML_PART[ext]) for n in z.namelist())
        except zipfile.BadZipFile:
            return False
    if ext in ("txt", "csv"):
        for enc in ("utf-8", "gb18030"):
            try:
                data.decode(enc)
                return b"\x00" not in data
            except UnicodeDecodeError:
                continue
        return False
    return False


def check(upload: Upload, where: str = "attachment") -> Checked:
    """Check one file; the error names the file and what is wrong with it."""
    name = (upload.filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    label = f"{where} '{name or upload.filename}'"
    if not name or BAD_NAME.search(name) or len(name) > 200:
        raise InvalidInput(
            f"{label}: not a usable file name",
            field=where,
            code="attachment.bad_name",
            params={"name": name or upload.filename or ""},
        )
    limit_mb = get_settings().demand_attachment_max_mb
    if len(upload.data) > limit_mb * 1024 * 1024:
        size_mb = len(upload.data) / 1024 / 1024
        raise InvalidInput(
            f"{label}: {size_mb:.1f} MB is over the {limit_mb} MB limit",
            field=where,
            code="attachment.too_big",
            params={"name": name, "size": f"{size_mb:.1f}", "limit": limit_mb},
        )
    if not upload.data:
        raise InvalidInput(
            f"{label}: the file is empty",
            field=where,
            code="attachment.empty",
            params={"name": name},
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in TYPES:
        allowed = ", ".join(sorted(TYPES))
        raise InvalidInput(
            f"{label}: type '.{ext}' is not accepted; accepted: {allowed}",
            field=where,
            code="attachment.bad_type",
            params={"name": name, "ext": ext, "allowed": allowed},
        )
    if not _looks_like(ext, upload.data):
        raise InvalidInput(
            f"{label}: the content is not a .{ext} file",
            field=where,
            code="attachment.wrong_content",
            params={"name": name, "ext": ext},
        )
    return Checked(name, TYPES[ext], upload.data, hashlib.sha256(upload.data).hexdigest())


def check_all(uploads: list[Upload]) -> list[Checked]:
    """Check every file before anything is written."""
    uploads = [u for u in uploads if u.filename or u.data]
    if len(uploads) > MAX_FILES:
        raise InvalidInput(
            f"attachments: at most {MAX_FILES} files",
            field="attachments",
            code="attachment.too_many",
            params={"limit": MAX_FILES},
        )
    return [check(u) for u in uploads]


def store(session: Session, demand_id: int, checked: list[Checked], actor: Actor) -> None:
    """Write checked files to the database (inside the caller's transaction)."""
    for c in checked:
        session.add(
            Attachment(
                demand_id=demand_id,
                filename=c.filename,
                content_type=c.content_type,
                size=len(c.data),
                sha256=c.sha256,
                data=c.data,
                created_by=actor.name,
            )
        )
    if checked:
        # The files' names, sizes and digests (never their content) enter the audit log.
        files = [{"name": c.filename, "size": len(c.data), "sha256": c.sha256} for c in checked]
        record(session, actor, Change("attach", "demand", str(demand_id), None, {"files": files}))


def download(a: Attachment) -> Response:
    """The HTTP response of a stored attachment (always a download, never rendered inline)."""
    return Response(
        a.data,
        media_type=a.content_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(a.filename)}",
            "x-content-type-options": "nosniff",
        },
    )
