"""REST API of chains as data: the list, a chain's current tree and versions, loading a file.

Reading needs chains:read. Loading a chain file needs chains:write for the caller's own chain
(chain heads and teams) or chains:data for any chain (admins, analysts); otherwise 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highland.chains import scope, service
from highland.chains.loader import ChainError
from highland.chains.models import ChainVersion
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, read_body, require
from highland.platform.errors import UnsupportedMediaType
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.params import DbInt

router = APIRouter(prefix="/api/v1", tags=["chains"])
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One chain file: YAML as the raw body (or an XLSX workbook).",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class ChainOut(BaseModel):
    """A chain in the list."""

    id: int
    code: str
    name: str
    name_en: str | None
    person_in_charge: str | None
    version: int | None
    segments: int
    bottlenecks: int


class VersionOut(BaseModel):
    """A stored version."""

    version: int
    sha256: str
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, v: ChainVersion) -> VersionOut:
        """From a row."""
        return cls(
            version=v.version, sha256=v.sha256, created_at=v.created_at, created_by=v.created_by
        )


class SegmentOut(BaseModel):
    """A segment of a version (a flat list; `parent` gives the tree)."""

    code: str
    parent: str | None
    name: str
    name_en: str | None
    stream: str
    position: int
    industry: list[str]
    products: list[str]
    keywords: list[str]
    bottleneck: bool


class ChainVersionOut(BaseModel):
    """One version of a chain with its segments and its source as loaded."""

    id: int
    code: str
    name: str
    name_en: str | None
    description: str | None
    version: int
    created_at: datetime
    created_by: str
    source: str
    segments: list[SegmentOut]


class ChainDetailOut(ChainVersionOut):
    """The current version, and every version of the chain."""

    person_in_charge: str | None
    versions: list[VersionOut]


class LoadOut(BaseModel):
    """What a load did, by chain id."""

    created: list[int]
    updated: list[int]
    unchanged: list[int]


class ErrorOut(BaseModel):
    """One error of a chain file."""

    path: str
    line: int
    message: str


class ErrorsOut(BaseModel):
    """422: every error of the file; nothing was stored."""

    detail: str
    field: str
    errors: list[ErrorOut]


def _version_out(db: Session, chain_id: int, version: int | None) -> dict[str, Any]:
    chain = service.get_chain(db, chain_id)
    v = service.get_version(db, chain_id, version)
    return {
        "id": chain.id, "code": chain.code, "name": chain.name, "name_en": chain.name_en,
        "description": chain.description, "version": v.version, "created_at": v.created_at,
        "created_by": v.created_by, "source": v.source,
        "segments": [SegmentOut(**service.segment_dict(s)) for s in service.segments(db, v.id)],
    }  # fmt: skip


@router.get("/chains", response_model=list[ChainOut])
def list_chains(db: Session = DB, principal: Principal = READ) -> list[ChainOut]:
    """Every chain (not retired) with its current version's numbers."""
    return [
        ChainOut(
            id=r.id,
            code=r.code,
            name=r.name,
            name_en=r.name_en,
            person_in_charge=r.person_in_charge,
            version=r.version,
            segments=r.segments,
            bottlenecks=r.bottlenecks,
        )  # fmt: skip
        for r in service.list_chains(db)
    ]


@router.get("/chains/{chain_id}", response_model=ChainDetailOut)
def get_chain(chain_id: DbInt, db: Session = DB, principal: Principal = READ) -> ChainDetailOut:
    """A chain's current tree (segments with `parent`), its source and every version."""
    out = _version_out(db, chain_id, None)
    chain = service.get_chain(db, chain_id)
    versions = [VersionOut.of(v) for v in service.versions(db, chain_id)]
    return ChainDetailOut(**out, person_in_charge=chain.person_in_charge, versions=versions)


@router.get("/chains/{chain_id}/versions/{version}", response_model=ChainVersionOut)
def get_chain_version(
    chain_id: DbInt, version: DbInt, db: Session = DB, principal: Principal = READ
) -> ChainVersionOut:
    """One stored version of a chain, as loaded."""
    return ChainVersionOut(**_version_out(db, chain_id, version))


async def _body(request: Request) -> tuple[bytes, str]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in (*YAML_TYPES, XLSX_TYPE):
        raise UnsupportedMediaType(
            f"send the chain file as application/yaml (or text/yaml, text/plain) or as "
            f"{XLSX_TYPE}; got {ctype or 'no content type'}",
            field="content-type",
            code="upload.content_type",
            params={
                "accepted": "application/yaml, text/yaml, text/plain, XLSX",
                "got": ctype or "—",
            },
        )
    data = await read_body(request)
    return data, "upload.xlsx" if ctype == XLSX_TYPE else "upload.yaml"


def refusal(errors: list[ChainError]) -> JSONResponse:
    """422 with every error of the file and its line."""
    body = ErrorsOut(
        detail=f"{len(errors)} error(s) in the chain file; nothing was stored: {errors[0]}",
        field="file",
        errors=[ErrorOut(path=e.path, line=e.line, message=e.message) for e in errors],
    )
    return JSONResponse(body.model_dump(), status_code=422)


@router.post(
    "/chains",
    response_model=LoadOut,
    status_code=201,
    openapi_extra=BODY,
    responses={422: {"model": ErrorsOut}},
    dependencies=CSRF,
)
async def load(request: Request, db: Session = DB, principal: Principal = WRITE) -> Any:
    """Validate and store one chain file: a changed chain becomes a new version."""
    data, name = await _body(request)
    # Parsing a workbook or YAML is CPU work: in a worker thread, never on the event loop.
    parsed, errors = await run_in_threadpool(service.check_text, db, data, name)
    if parsed.chain is not None:
        scope.require_write(principal, parsed.chain.id)
    if errors:
        return refusal(errors)
    actor = Actor(principal.username, principal.role.value, "api")
    report = service.store(db, [parsed], actor)
    return LoadOut(created=report.created, updated=report.updated, unchanged=report.unchanged)
