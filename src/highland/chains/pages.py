"""Chain pages: the list with an upload form, a chain's tree (any version), and the edit form.

Thin adapters over chains.service. A chain head or team may load or edit only its own chain;
chains:data (admins, analysts) may load or edit any. A file with errors stores nothing and the
page shows every error with its line.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.chains import scope, service
from highland.chains.loader import ChainError, ChainFile
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.i18n import error_text
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render
from highland.platform.web.uploads import read_upload_in_thread

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
WRITE = Depends(require(Permission.chains_write))
CSRF = [Depends(csrf_protect)]


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _list(
    request: Request,
    db: Session,
    principal: Principal,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx: dict[str, Any] = {
        "nav": "chains",
        "rows": service.list_chains(db),
        "may_write": principal.can(Permission.chains_write),
    }
    ctx.update(extra or {})
    return render(request, "chains/list.html", ctx, status_code=status_code)


@router.get("/chains")
def chains_page(request: Request, db: Session = DB, principal: Principal = READ) -> Response:
    """Every chain: id, name, segments, bottlenecks, current version."""
    return _list(request, db, principal)


def _upload(request: Request, file: UploadFile | None, text: str) -> tuple[bytes, str]:
    """The uploaded file when one was chosen, else the pasted YAML."""
    if file is None or not file.filename:
        return text.encode(), "pasted.yaml"
    return read_upload_in_thread(request, file)


def _shown(request: Request, errors: list[ChainError]) -> list[str]:
    """Each error with its file and line, in the reader's language (the catalogue's)."""
    lang = language(request)
    return [f"{e.path}:{e.line}: {error_text(lang, e)}" for e in errors]


def _check_upload(
    db: Session, principal: Principal, data: bytes, name: str, chain_id: int | None = None
) -> tuple[ChainFile, list[ChainError]]:
    """Read and check an upload; for an edit, the file must be of that chain; scope checked."""
    parsed, errors = service.check_text(db, data, name)
    if parsed.chain is not None:
        if chain_id is not None and parsed.chain.id != chain_id:
            errors = [
                *errors,
                ChainError(name, parsed.chain.lines.get("id", 1), f"this form edits chain "
                           f"{chain_id}; the text says id {parsed.chain.id}",
                           code="chains.file.other_chain",
                           params={"id": chain_id, "given": parsed.chain.id}),
            ]  # fmt: skip
        scope.require_write(principal, parsed.chain.id)
    return parsed, errors


@router.post("/chains", dependencies=CSRF)
def chains_upload(
    request: Request,
    yaml_text: str = Form("", alias="yaml"),
    file: UploadFile | None = File(None),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Load an uploaded (YAML or XLSX) or pasted chain file; store only when it has no error."""
    try:
        data, name = _upload(request, file, yaml_text)
    except InvalidInput as exc:
        shown = [error_text(language(request), exc)]
        return _list(request, db, principal, {"yaml": yaml_text, "errors": shown}, 422)
    parsed, errors = _check_upload(db, principal, data, name)
    if errors:
        text = yaml_text if name.lower().endswith(".xlsx") else data.decode("utf-8", "replace")
        extra = {"yaml": text, "errors": _shown(request, errors)}
        return _list(request, db, principal, extra, 422)
    report = service.store(db, [parsed], _actor(principal))
    return _list(request, db, principal, {"report": report})


@router.get("/chains/{chain_id}")
def chain_page(
    request: Request,
    chain_id: DbInt,
    version: DbInt | None = Query(None, ge=1, le=1_000_000),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A chain's tree, upstream → midstream → downstream, for the current or a past version."""
    chain = service.get_chain(db, chain_id)
    v = service.get_version(db, chain_id, version)
    rows = service.segments(db, v.id)
    ctx = {
        "nav": "chains",
        "chain": chain,
        "v": v,
        "current": v.id == chain.version_id,
        "streams": service.by_stream(rows),
        "n_segments": len(rows),
        "n_bottlenecks": sum(1 for s in rows if s.bottleneck),
        "versions": service.versions(db, chain_id),
        "may_edit": scope.may_write(principal, chain_id),
        "saved": request.query_params.get("saved"),
    }
    return render(request, "chains/detail.html", ctx)


def _edit(
    request: Request, chain_id: int, text: str, errors: list[str], status_code: int = 200
) -> Response:
    ctx = {"nav": "chains", "chain_id": chain_id, "yaml": text, "errors": errors}
    return render(request, "chains/edit.html", ctx, status_code=status_code)


@router.get("/chains/{chain_id}/edit")
def edit_page(
    request: Request, chain_id: DbInt, db: Session = DB, principal: Principal = WRITE
) -> Response:
    """The current version's YAML in a form (own chain, or chains:data)."""
    service.get_chain(db, chain_id)
    scope.require_write(principal, chain_id)
    v = service.get_version(db, chain_id)
    return _edit(request, chain_id, v.source, [])


@router.post("/chains/{chain_id}/edit", dependencies=CSRF)
def edit_submit(
    request: Request,
    chain_id: DbInt,
    yaml_text: str = Form("", alias="yaml"),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Store the edited YAML as a new version; on any error show them all and store nothing."""
    service.get_chain(db, chain_id)
    scope.require_write(principal, chain_id)
    parsed, errors = _check_upload(
        db, principal, yaml_text.encode(), f"chain-{chain_id}.yaml", chain_id
    )
    if errors:
        return _edit(request, chain_id, yaml_text, _shown(request, errors), 422)
    report = service.store(db, [parsed], _actor(principal))
    saved = "unchanged" if report.unchanged else "new"
    return RedirectResponse(f"/chains/{chain_id}?saved={saved}", status_code=303)
