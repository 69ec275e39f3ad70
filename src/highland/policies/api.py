"""REST API of the policy library and matching (JSON), over the same services as the pages."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

import polars as pl
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highland.enterprises import public as registry
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, read_body, require
from highland.platform.errors import InvalidInput, NotFound, UnsupportedMediaType
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import parse_date, today_local
from highland.platform.web.api_errors import api_language
from highland.platform.web.params import XLSX_TYPE, DbInt
from highland.policies import service
from highland.policies.models import MatchRun, PolicyVersion
from highland.policies.rules.loader import RuleError
from highland.policies.rules.model import Compiled, Policy, compile_policy
from highland.policies.schemas import (
    CheckOut,
    CountsOut,
    EnterprisePoliciesOut,
    EnterprisePolicyOut,
    LoadOut,
    MatchItemOut,
    MatchPage,
    PackageDetailOut,
    PackageOut,
    PackagePolicyOut,
    PackageTotalOut,
    PolicyDetailOut,
    PolicyOut,
    PolicyVersionOut,
    ReachOut,
    ReplayItemOut,
    ReplayOut,
    RuleErrorOut,
    RuleErrorsOut,
    RunCountOut,
    RunDetailOut,
    RunIn,
    RunOut,
    SnapshotOut,
    SummaryOut,
    VersionOut,
    WhatIfIn,
    WhatIfOut,
    split,
    yuan,
)

router = APIRouter(prefix="/api/v1", tags=["policies"])
READ = Depends(require(Permission.policies_read))
WRITE = Depends(require(Permission.policies_write))
MATCH = Depends(require(Permission.policies_match))
CSRF = [Depends(csrf_protect)]

Level = Literal["national", "provincial", "municipal", "district"]
Status = Literal["eligible", "unknown", "near", "ineligible", "all"]
RunStatus = Literal["eligible", "unknown", "ineligible", "all"]
AS_OF = Query(None, description="YYYY-MM-DD in the city's time zone; default today")
PAGE = Query(1, ge=1, le=1_000_000)
PER_PAGE = Query(50, ge=1, le=500)


YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": 'Policy YAML as the raw body, or JSON {"yaml": "..."}',
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"yaml": {"type": "string"}},
                    "required": ["yaml"],
                }
            },
        },
    }
}


def _when(as_of: str | None) -> date:
    return parse_date(as_of, "as_of") if as_of else today_local()


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


def _refusal(request: Request, errors: list[RuleError], field: str = "yaml") -> JSONResponse:
    """422 with every rule error and its line."""
    body = RuleErrorsOut(
        detail=f"{len(errors)} error(s) in the rules; nothing was stored: {errors[0]}",
        field=field,
        errors=[RuleErrorOut.of(e, api_language(request)) for e in errors],
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=422)


async def _yaml_text(request: Request) -> str:
    """The YAML of a raw text body or of JSON {"yaml": ...}, size-limited and non-empty."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in (*YAML_TYPES, "application/json"):
        raise UnsupportedMediaType(
            f"send the YAML as application/yaml, text/yaml or text/plain, or as JSON "
            f'{{"yaml": "..."}}; got {ctype or "no content type"}',
            field="content-type",
            code="upload.content_type",
            params={
                "accepted": "application/yaml, text/yaml, text/plain, application/json",
                "got": ctype or "—",
            },
        )
    data = await read_body(request)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the body is not UTF-8 text", field="body", code="policies.body_not_utf8", params={}
        ) from None
    if ctype == "application/json":
        text = _json_yaml(text)
    if not text.strip():
        raise InvalidInput(
            "the YAML is empty: send at least one policy or package",
            field="yaml",
            code="policies.empty_yaml",
            params={},
        )
    return text


def _json_yaml(text: str) -> str:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"malformed JSON: {exc}",
            field="body",
            code="policies.bad_json",
            params={"problem": str(exc)[:200]},
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("yaml"), str):
        raise InvalidInput(
            'send a JSON object {"yaml": "<the YAML text>"}',
            field="yaml",
            code="policies.json_shape",
            params={},
        )
    return str(data["yaml"])


def _compiled(v: PolicyVersion, as_of: date) -> Compiled:
    """A version compiled for a date, or for its effective date when the date is before it."""
    policy = service.parse_version(v)
    assert isinstance(policy, Policy)
    return compile_policy(policy, max(as_of, policy.effective))


# --------------------------------------------------------------------------- the library


@router.get("/policies", response_model=list[PolicyOut])
def list_policies(
    as_of: str | None = AS_OF,
    level: Level | None = None,
    package: str | None = Query(None, max_length=64),
    db: Session = DB,
    principal: Principal = READ,
) -> list[PolicyOut]:
    """The current version of every policy, with whether it is in force at the date."""
    when = _when(as_of)
    if package is not None and package not in service.current_packages(db):
        raise InvalidInput(
            f"no policy package {package!r}",
            field="package",
            code="policies.no_package",
            params={"id": package[:64]},
        )
    return [
        PolicyOut.of(v, p, when)
        for v, p in service.current_policies(db)
        if (level is None or v.level == level) and (package is None or v.package_id == package)
    ]


@router.post("/policies/check", response_model=CheckOut, openapi_extra=YAML_BODY, dependencies=CSRF)
async def check(request: Request, db: Session = DB, principal: Principal = WRITE) -> CheckOut:
    """Validate policy YAML without storing it: every error with its line."""
    text = await _yaml_text(request)
    lib = await run_in_threadpool(service.check_text, db, text)  # off the loop
    return CheckOut.of(lib, api_language(request))


@router.post(
    "/policies",
    response_model=LoadOut,
    status_code=201,
    openapi_extra=YAML_BODY,
    responses={422: {"model": RuleErrorsOut}},
    dependencies=CSRF,
)
async def load(request: Request, db: Session = DB, principal: Principal = WRITE) -> Any:
    """Validate and store policy YAML: a changed policy becomes a new version (history kept)."""
    text = await _yaml_text(request)
    lib = await run_in_threadpool(service.check_text, db, text)  # parsing off the event loop
    if lib.errors:
        return _refusal(request, lib.errors)  # checking wrote nothing, so nothing needs undoing
    report = service.store(db, lib, _actor(principal))
    return LoadOut(created=report.created, updated=report.updated, unchanged=report.unchanged)


@router.get("/policies/{policy_id}", response_model=PolicyDetailOut)
def get_policy(
    policy_id: str, as_of: str | None = AS_OF, db: Session = DB, principal: Principal = READ
) -> PolicyDetailOut:
    """A policy's current version with its source, criteria and every version."""
    when = _when(as_of)
    v = service.get_version(db, policy_id)
    versions = [
        VersionOut(
            version=h.version, created_at=h.created_at, created_by=h.created_by, sha256=h.sha256
        )
        for h in service.history(db, policy_id)
    ]
    out = PolicyVersionOut.build(v, _compiled(v, when), when)
    return PolicyDetailOut(**out.model_dump(), versions=versions)


@router.get("/policies/{policy_id}/versions/{version}", response_model=PolicyVersionOut)
def get_policy_version(
    policy_id: str,
    version: DbInt,
    as_of: str | None = AS_OF,
    db: Session = DB,
    principal: Principal = READ,
) -> PolicyVersionOut:
    """One stored version of a policy, with its source as loaded."""
    when = _when(as_of)
    v = service.get_version(db, policy_id, version)
    return PolicyVersionOut.build(v, _compiled(v, when), when)


# --------------------------------------------------------------------------- who qualifies


@router.get("/policies/{policy_id}/matches", response_model=MatchPage)
def matches(
    policy_id: str,
    as_of: str | None = AS_OF,
    status: Status = "eligible",
    page: DbInt = PAGE,
    per_page: DbInt = PER_PAGE,
    refresh: bool = Query(False, description="Freeze a new portrait snapshot first"),
    db: Session = DB,
    principal: Principal = MATCH,
) -> MatchPage:
    """Who qualifies for a policy (from the date's portrait snapshot), one page of a status."""
    when = _when(as_of)
    version, compiled, snap, frame = service.policy_details(db, policy_id, when, refresh)
    chosen = service.filter_details(frame, status)
    part = chosen.slice((page - 1) * per_page, per_page)
    names = registry.names_by_uscc(db, principal, part["uscc"].to_list())
    labels = [c.label for c in compiled.criteria]
    items = [
        MatchItemOut(
            uscc=r["uscc"],
            name=names.get(r["uscc"], (None, None))[0],
            status=r["status"],
            amount_fen=r["amount_fen"],
            amount=yuan(r["amount_fen"]),
            failed=split(r["failed"]),
            missing=split(r["missing"]),
            near=[labels[int(i)] for i in split(r["near"])],
        )
        for r in part.iter_rows(named=True)
    ]
    return MatchPage(
        policy=PolicyOut.of(version, compiled.policy, when),
        as_of=when,
        snapshot=SnapshotOut.of(snap),
        counts=CountsOut.of(service.counts(frame)),
        status=status,
        items=items,
        total=chosen.height,
        page=page,
        per_page=per_page,
    )


@router.get(
    "/policies/{policy_id}/matches/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
def export_matches(
    policy_id: str,
    fmt: Literal["csv", "xlsx"] = Query("csv", alias="format"),
    status: Status = "all",
    as_of: str | None = AS_OF,
    headers: str | None = Query(None, max_length=40, description="zh (default) or codes"),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Response:
    """Who qualifies as a file (amount exact yuan): Chinese headers and values by default;
    `headers=codes` gives uscc,name,status,amount,failed,missing,near."""
    file = service.export_who(db, principal, policy_id, _when(as_of), status, fmt, headers or "")
    disposition = {"content-disposition": f'attachment; filename="{file.filename}"'}
    return Response(file.content, media_type=file.media_type, headers=disposition)


@router.post(
    "/policies/{policy_id}/what-if",
    response_model=WhatIfOut,
    responses={422: {"model": RuleErrorsOut}},
    dependencies=CSRF,
)
def what_if(
    request: Request,
    policy_id: str,
    body: WhatIfIn = Body(...),
    db: Session = DB,
    principal: Principal = MATCH,
) -> Any:
    """Counts and cost of an edited, unsaved copy of a policy against the current version."""
    when = _when(body.as_of)
    if (body.yaml is None) == (body.thresholds is None and body.amount is None):
        raise InvalidInput(
            "give either yaml, or thresholds and/or amount",
            field="yaml",
            code="policies.whatif_either",
            params={},
        )
    try:
        if body.yaml is None:
            result = service.what_if_thresholds(
                db, policy_id, when, body.thresholds or {}, body.amount
            )
        else:
            result = service.what_if(db, policy_id, when, body.yaml)
    except service.RuleErrors as exc:
        return _refusal(request, exc.errors)
    except InvalidInput as exc:
        if exc.field == "rule":  # the service's name for the edited text
            raise InvalidInput(
                exc.message, field="yaml", code=exc.code, params=exc.params
            ) from None
        raise
    return WhatIfOut.build(policy_id, when, result.before, result.after)


# --------------------------------------------------------------------------- one enterprise


@router.get("/enterprises/{uscc}/policies", response_model=EnterprisePoliciesOut)
def enterprise_policies(
    uscc: str, as_of: str | None = AS_OF, db: Session = DB, principal: Principal = READ
) -> EnterprisePoliciesOut:
    """Every policy in force for an enterprise, explained, with stacking and package caps."""
    m = service.enterprise_match(db, principal, uscc, _when(as_of))
    return EnterprisePoliciesOut(
        uscc=m.uscc,
        as_of=m.as_of,
        policies=[EnterprisePolicyOut.of(v, r, m.kept.get(v.policy_id)) for v, r in m.results],
        packages=[PackageTotalOut.of(p) for p in m.packages],
        total_fen=m.total_fen,
        total=yuan(m.total_fen),
        amount_unknown=m.amount_unknown,
    )


# --------------------------------------------------------------------------- packages


@router.get("/policy-packages", response_model=list[PackageOut])
def list_packages(db: Session = DB, principal: Principal = READ) -> list[PackageOut]:
    """The current policy packages with their cap per enterprise and their policies."""
    members: dict[str, list[str]] = {}
    for v in service.current_versions(db):
        if v.package_id:
            members.setdefault(v.package_id, []).append(v.policy_id)
    return [
        PackageOut.of(v.version, p, members.get(pid, []))
        for pid, (v, p) in service.current_packages(db).items()
    ]


@router.get("/policy-packages/{package_id}", response_model=PackageDetailOut)
def get_package(
    package_id: str, as_of: str | None = AS_OF, db: Session = DB, principal: Principal = MATCH
) -> PackageDetailOut:
    """A package's policies with their counts, and its reach after stacking and its cap."""
    when = _when(as_of)
    reach = service.package_reach(db, package_id, when)
    version, package = service.current_packages(db)[package_id]
    counts = {v.policy_id: s for v, s in reach.summaries}
    members = [
        PackagePolicyOut(
            policy_id=v.policy_id,
            version=v.version,
            title=v.title,
            title_en=v.title_en,
            in_force=p.in_force(when),
            counts=SummaryOut.of(counts[v.policy_id]) if v.policy_id in counts else None,
        )
        for v, p in service.current_policies(db)
        if v.package_id == package_id
    ]
    base = PackageOut.of(version.version, package, [m.policy_id for m in members])
    return PackageDetailOut(
        **base.model_dump(),
        as_of=when,
        snapshot=SnapshotOut.of(reach.snapshot),
        members=members,
        reach=ReachOut(
            enterprises=reach.enterprises,
            total_fen=reach.total_fen,
            total=yuan(reach.total_fen),
            amount_unknown=reach.amount_unknown,
        ),
    )


# --------------------------------------------------------------------------- runs


def _run_out(db: Session, run: MatchRun) -> RunOut:
    snap = service.get_snapshot(db, run.snapshot_id)
    return RunOut.of(run, snap.sha256, len(json.loads(run.policy_versions)))


@router.post("/policy-runs", response_model=RunOut, status_code=201, dependencies=CSRF)
def start_run(
    body: RunIn | None = Body(None), db: Session = DB, principal: Principal = WRITE
) -> RunOut:
    """An official run: freeze the portraits, match every policy in force, keep the counts."""
    run = service.run_match(db, _when(body.as_of if body else None), _actor(principal))
    return _run_out(db, run)


@router.get("/policy-runs", response_model=list[RunOut])
def list_runs(
    limit: DbInt = Query(50, ge=1, le=500), db: Session = DB, principal: Principal = MATCH
) -> list[RunOut]:
    """Official match runs, newest first."""
    return [_run_out(db, r) for r in service.runs(db, limit)]


@router.get("/policy-runs/{run_id}", response_model=RunDetailOut)
def get_run(run_id: DbInt, db: Session = DB, principal: Principal = MATCH) -> RunDetailOut:
    """A run with the counts it stored for each policy version."""
    run = service.get_run(db, run_id)
    counts = [
        RunCountOut(policy_id=v.policy_id, version=v.version, **SummaryOut.of(c).model_dump())
        for v, c in service.run_counts(db, run)
    ]
    return RunDetailOut(**_run_out(db, run).model_dump(), counts=counts)


@router.get("/policy-runs/{run_id}/replay", response_model=ReplayOut)
def replay(
    run_id: DbInt,
    policy: str | None = Query(None, max_length=64),
    status: RunStatus = "all",
    page: DbInt = PAGE,
    per_page: DbInt = PER_PAGE,
    db: Session = DB,
    principal: Principal = MATCH,
) -> ReplayOut:
    """Recompute a run from its rule versions and snapshot; `verified` when identical."""
    rep = service.replay(db, run_id, policy)
    if not rep.frames:
        raise NotFound(
            f"run {run_id} matched no policy",
            code="policies.run_empty",
            params={"run": run_id},
        )
    frame = pl.concat(list(rep.frames.values()))
    chosen = frame if status == "all" else frame.filter(pl.col("status") == status)
    part = chosen.slice((page - 1) * per_page, per_page)
    items = [
        ReplayItemOut(
            uscc=r["uscc"],
            policy_id=r["policy_id"],
            status=r["status"],
            amount_fen=r["amount_fen"],
            amount=yuan(r["amount_fen"]),
            failed=split(r["failed"]),
            missing=split(r["missing"]),
        )
        for r in part.iter_rows(named=True)
    ]
    return ReplayOut(
        run=_run_out(db, rep.run),
        verified=rep.verified,
        digest=rep.digest,
        policy=policy,
        status=status,
        items=items,
        total=chosen.height,
        page=page,
        per_page=per_page,
    )
