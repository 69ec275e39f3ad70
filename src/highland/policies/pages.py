"""Policy pages: the library, a policy and who qualifies, an enterprise's policies, packages,
official runs and replay. Thin adapters over policies.service."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import parse_date, today_local
from highland.platform.web.i18n import error_text
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render
from highland.platform.web.uploads import read_upload_in_thread
from highland.policies import service
from highland.policies.models import PolicyVersion
from highland.policies.present import Formatter, rule_error_line
from highland.policies.rules.model import LEVELS, Compiled, Policy, compile_policy

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.policies_read))
WRITE = Depends(require(Permission.policies_write))
MATCH = Depends(require(Permission.policies_match))
PER_PAGE = 50
TABS = ("eligible", "unknown", "near", "ineligible")


def _fmt(request: Request) -> Formatter:
    return Formatter(language(request), request.app.state.region_names)


def _when(as_of: str | None) -> date:
    return parse_date(as_of, "as_of") if as_of else today_local()


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


# --------------------------------------------------------------------------- library


def _library(
    request: Request,
    db: Session,
    level: str | None,
    package: str | None,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The library page, with an upload's text, errors or report when there is one."""
    today = today_local()
    packages = service.current_packages(db)
    fmt = _fmt(request)
    rows = [
        {
            "v": v,
            "p": p,
            "title": fmt.title(v),
            "in_force": p.in_force(today),
            "package": fmt.title(packages[p.package][1]) if p.package in packages else p.package,
        }
        for v, p in service.current_policies(db)
        if (not level or p.level == level) and (not package or p.package == package)
    ]
    ctx = {
        "nav": "policies",
        "rows": rows,
        "levels": LEVELS,
        "level": level or "",
        "package": package or "",
        "packages": packages,
        "fmt": fmt,
        "today": today,
    }
    ctx.update(extra or {})
    return render(request, "policies/library.html", ctx, status_code=status_code)


@router.get("/policies")
def library_page(
    request: Request,
    level: str | None = Query(None, pattern="^(|national|provincial|municipal|district)$"),
    package: str | None = Query(None, max_length=64),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """Every current policy, filtered by level and package."""
    return _library(request, db, level, package)


def _upload_text(request: Request, file: UploadFile | None, text: str) -> tuple[str, str]:
    """The YAML to check: the uploaded file when one was chosen, else the pasted text."""
    if file is None or not file.filename:
        return text, "pasted.yaml"
    data, name = read_upload_in_thread(request, file)
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{file.filename} is not UTF-8 text",
            field="file",
            code="policies.not_utf8",
            params={"file": file.filename[:200]},
        ) from None


@router.post("/policies", dependencies=[Depends(csrf_protect)])
def library_upload(
    request: Request,
    yaml_text: str = Form("", alias="yaml"),
    file: UploadFile | None = File(None),
    db: Session = DB,
    principal: Principal = WRITE,
) -> Response:
    """Check uploaded or pasted rules; store them only when there is no error."""
    try:
        text, name = _upload_text(request, file, yaml_text)
    except InvalidInput as exc:
        extra = {"yaml": yaml_text, "errors": [error_text(language(request), exc)]}
        return _library(request, db, None, None, extra, exc.status_code)
    lib = service.check_text(db, text, name)
    if lib.errors:
        lang = language(request)
        extra = {"yaml": text, "errors": [rule_error_line(lang, e) for e in lib.errors]}
        return _library(request, db, None, None, extra, 422)
    report = service.store(db, lib, _actor(principal))
    return _library(request, db, None, None, {"report": report})


# --------------------------------------------------------------------------- one policy


def _who(
    request: Request,
    db: Session,
    principal: Principal,
    policy_id: str,
    when: date,
    status: str,
    page: int,
) -> dict[str, Any]:
    """Who qualifies as of a date: counts, one page of a status, the snapshot used."""
    try:
        _, compiled, snap, frame = service.policy_details(db, policy_id, when)
    except InvalidInput as exc:
        if exc.field != "as_of":
            raise
        return {"not_in_force": error_text(language(request), exc)}
    part = service.filter_details(frame, status)
    rows = _rows(request, db, principal, part.slice((page - 1) * PER_PAGE, PER_PAGE), compiled)
    return {
        "counts": service.counts(frame),
        "rows": rows,
        "total": part.height,
        "page": page,
        "pages": max(1, -(-part.height // PER_PAGE)),
        "snapshot": snap,
    }


def _rows(
    request: Request, db: Session, principal: Principal, part: pl.DataFrame, compiled: Compiled
) -> list[dict[str, Any]]:
    """Rows of a details frame with names and human criteria."""
    fmt = _fmt(request)
    names = registry.names_by_uscc(db, principal, part["uscc"].to_list())
    by_label = {c.label: c for c in compiled.criteria}
    out = []
    for r in part.iter_rows(named=True):
        name = names.get(r["uscc"], ("—", None))
        failed = [
            fmt.criterion(by_label[x]) if x in by_label else x for x in r["failed"].split(";") if x
        ]
        out.append(
            {
                **r,
                "name": name[0],
                "name_en": name[1],
                "amount": fmt.money(r["amount_fen"]),
                "failed": failed,
                "missing": fmt.fields(r["missing"]),
                "near": fmt.labels(r.get("near", ""), compiled.criteria),
            }
        )
    return out


@router.get("/policies/{policy_id}")
def policy_page(
    request: Request,
    policy_id: str,
    as_of: str | None = None,
    status: str = Query("eligible", pattern="^(eligible|unknown|near|ineligible)$"),
    page: DbInt = Query(1, ge=1, le=100_000),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A policy: its rule, versions and source; who qualifies for officials."""
    version = service.get_version(db, policy_id)
    policy = service.parse_version(version)
    assert isinstance(policy, Policy)
    fmt = _fmt(request)
    when = _when(as_of)
    ctx: dict[str, Any] = {
        "nav": "policies",
        "v": version,
        "p": policy,
        "fmt": fmt,
        "title": fmt.title(version),
        "tree": fmt.tree(policy.eligibility),
        "history": service.history(db, policy_id),
        "packages": service.current_packages(db),
        "as_of": when,
        "status": status,
        "tabs": TABS,
        "rule_text": version.source,
        "excluded_titles": {
            v.policy_id: fmt.title(v)
            for v in service.current_versions(db)
            if v.policy_id in policy.excludes
        },
    }
    if principal.can(Permission.policies_write):  # the rule as written, for analysts
        written = compile_policy(policy, when if policy.in_force(when) else policy.effective)
        ctx["rule_labels"] = [c.label for c in written.criteria]
    if principal.can(Permission.policies_match):
        ctx["who"] = _who(request, db, principal, policy_id, when, status, page)
    return render(request, "policies/detail.html", ctx)


def _export(
    db: Session,
    principal: Principal,
    policy_id: str,
    as_of: str | None,
    status: str,
    fmt: str,
    headers: str | None,
) -> Response:
    file = service.export_who(db, principal, policy_id, _when(as_of), status, fmt, headers or "")
    disposition = {"content-disposition": f'attachment; filename="{file.filename}"'}
    return Response(file.content, media_type=file.media_type, headers=disposition)


@router.get("/policies/{policy_id}/export.csv")
def export_csv(
    request: Request,
    policy_id: str,
    as_of: str | None = None,
    status: str = Query("all", pattern="^(all|eligible|unknown|near|ineligible)$"),
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """Who qualifies, as CSV (UTF-8 with BOM so that Excel reads Chinese; amount in yuan)."""
    return _export(db, principal, policy_id, as_of, status, "csv", headers)


@router.get("/policies/{policy_id}/export.xlsx")
def export_xlsx(
    request: Request,
    policy_id: str,
    as_of: str | None = None,
    status: str = Query("all", pattern="^(all|eligible|unknown|near|ineligible)$"),
    headers: str | None = Query(None, max_length=40),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """Who qualifies, as XLSX (amount in yuan, an exact decimal)."""
    return _export(db, principal, policy_id, as_of, status, "xlsx", headers)


@router.post("/policies/{policy_id}/refresh", dependencies=[Depends(csrf_protect)])
def refresh(
    policy_id: str,
    as_of: str | None = Form(None),
    status: str = Form("eligible", pattern="^(eligible|unknown|near|ineligible)$"),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """Rebuild the portrait snapshot of the date, then show the policy again."""
    service.get_version(db, policy_id)
    when = _when(as_of)
    service.snapshot_for(db, when, refresh=True)
    target = f"/policies/{policy_id}?as_of={when}&status={status}#who"
    return RedirectResponse(target, status_code=303)


@router.post("/policies/{policy_id}/what-if", dependencies=[Depends(csrf_protect)])
def what_if(
    request: Request,
    policy_id: str,
    rule: str = Form(""),
    as_of: str | None = Form(None),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """Evaluate an edited, unsaved version of the policy: before, after and the change."""
    version = service.get_version(db, policy_id)
    when = _when(as_of)
    fmt = _fmt(request)
    ctx: dict[str, Any] = {
        "nav": "policies",
        "v": version,
        "fmt": fmt,
        "as_of": when,
        "title": fmt.title(version),
        "rule_text": rule,
    }
    try:
        ctx["result"] = service.what_if(db, policy_id, when, rule)
    except InvalidInput as exc:
        lang = language(request)
        if isinstance(exc, service.RuleErrors):
            ctx["errors"] = [rule_error_line(lang, e) for e in exc.errors]
        else:
            ctx["errors"] = [error_text(lang, exc)]
        return render(request, "policies/what_if.html", ctx, status_code=422)
    return render(request, "policies/what_if.html", ctx)


# --------------------------------------------------------------------------- one enterprise


@router.get("/enterprises/{uscc}/policies")
def enterprise_policies(
    request: Request,
    uscc: str,
    as_of: str | None = None,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """An enterprise's policies: what it can receive, what data is missing, what it nearly meets."""
    when = _when(as_of)
    match = service.enterprise_match(db, principal, uscc, when)
    enterprise = registry.scoped_ref(db, principal, uscc)
    fmt = _fmt(request)
    titles = {k: fmt.title(p) for k, (_, p) in service.current_packages(db).items()}
    ctx = {
        "nav": "enterprises",
        "e": enterprise,
        "m": match,
        "as_of": when,
        "fmt": fmt,
        "package_titles": titles,
        **fmt.sections(match),
    }
    return render(request, "policies/enterprise.html", ctx)


# --------------------------------------------------------------------------- packages


@router.get("/policy-packages")
def packages_page(request: Request, db: Session = DB, principal: Principal = READ) -> Response:
    """Every policy package with its number of policies."""
    fmt = _fmt(request)
    members: dict[str, int] = {}
    for v in service.current_versions(db):
        if v.package_id:
            members[v.package_id] = members.get(v.package_id, 0) + 1
    rows = [
        {"id": k, "v": v, "p": p, "title": fmt.title(p), "n": members.get(k, 0)}
        for k, (v, p) in service.current_packages(db).items()
    ]
    return render(request, "policies/packages.html", {"nav": "policies", "rows": rows, "fmt": fmt})


@router.get("/policy-packages/{package_id}")
def package_page(
    request: Request,
    package_id: str,
    as_of: str | None = None,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """A package: its document, cap and policies; its reach over the registry for officials."""
    packages = service.current_packages(db)
    if package_id not in packages:
        raise NotFound(
            f"no policy package {package_id!r}",
            code="policies.no_package",
            params={"id": package_id[:64]},
        )
    version, package = packages[package_id]
    fmt = _fmt(request)
    when = _when(as_of)
    policies = [(v, p) for v, p in service.current_policies(db) if p.package == package_id]
    ctx: dict[str, Any] = {
        "nav": "policies",
        "v": version,
        "pkg": package,
        "fmt": fmt,
        "title": fmt.title(package),
        "policies": policies,
        "as_of": when,
    }
    if principal.can(Permission.policies_match):
        reach = service.package_reach(db, package_id, when)
        ctx["reach"] = reach
        ctx["summaries"] = {v.policy_id: s for v, s in reach.summaries}
    return render(request, "policies/package.html", ctx)


# --------------------------------------------------------------------------- runs


@router.get("/policy-runs")
def runs_page(request: Request, db: Session = DB, principal: Principal = MATCH) -> Response:
    """Official match runs, newest first."""
    ctx = {"nav": "policies", "runs": service.runs(db), "today": today_local()}
    return render(request, "policies/runs.html", ctx)


@router.post("/policy-runs", dependencies=[Depends(csrf_protect)])
def run_now(
    as_of: str | None = Form(None), db: Session = DB, principal: Principal = WRITE
) -> Response:
    """Start an official run now and show it."""
    run = service.run_match(db, _when(as_of), _actor(principal))
    return RedirectResponse(f"/policy-runs/{run.id}", status_code=303)


@router.get("/policy-runs/{run_id}")
def run_page(
    request: Request, run_id: DbInt, db: Session = DB, principal: Principal = MATCH
) -> Response:
    """A run: its date, snapshot, rule versions, counts and result digest."""
    run = service.get_run(db, run_id)
    fmt = _fmt(request)
    ctx = {
        "nav": "policies",
        "run": run,
        "fmt": fmt,
        "counts": service.run_counts(db, run),
        "snapshot": service.get_snapshot(db, run.snapshot_id),
    }
    return render(request, "policies/run.html", ctx)


def _replayed(
    request: Request,
    db: Session,
    principal: Principal,
    rep: service.Replay,
    version: PolicyVersion,
    page: int,
) -> dict[str, Any]:
    """One page of a policy's replayed rows."""
    parsed = service.parse_version(version)
    assert isinstance(parsed, Policy)
    compiled = compile_policy(parsed, rep.run.as_of)
    frame = rep.frames[version.policy_id]
    part = frame.sort("uscc").slice((page - 1) * PER_PAGE, PER_PAGE)
    return {
        "rows": _rows(request, db, principal, part, compiled),
        "total": frame.height,
        "pages": max(1, -(-frame.height // PER_PAGE)),
        "title": _fmt(request).title(version),
    }


@router.get("/policy-runs/{run_id}/replay")
def replay_page(
    request: Request,
    run_id: DbInt,
    policy: str | None = Query(None, max_length=64),
    page: DbInt = Query(1, ge=1, le=100_000),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """Recompute a run from its rule versions and snapshot; say whether it matches."""
    rep = service.replay(db, run_id, policy)
    fmt = _fmt(request)
    counts = service.run_counts(db, rep.run)
    ctx: dict[str, Any] = {
        "nav": "policies",
        "rep": rep,
        "run": rep.run,
        "fmt": fmt,
        "counts": counts,
        "policy": policy,
        "page": page,
    }
    if policy is not None:
        version = next(v for v, _ in counts if v.policy_id == policy)
        ctx.update(_replayed(request, db, principal, rep, version, page))
    return render(request, "policies/replay.html", ctx)
