"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2).

Public reads (discovery, services, service definitions, requests, tokens) need no sign-in and
show only demands that are public; filing a demand (POST requests) needs an API key
(`highland apikeys create`). Every endpoint answers in JSON (`.json`) or XML (`.xml`); errors
are the spec's array of {code, description} in the same format, for unknown paths too.
Confidential fields (the requester's contact, the enterprise's USCC, attachments, the
enterprise's rating and comment, the event log) never appear in any answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from highland.demands.apikeys import service as apikeys
from highland.demands.models import DemandCategory
from highland.demands.open311 import formats, repository
from highland.demands.open311.filing import PARAMS, check_post
from highland.demands.open311.formats import BASE, Open311Error, error, render, w3c
from highland.demands.open311.repository import CLOSED
from highland.demands.service import file_demand
from highland.demands.workflow import PRIORITIES, REQUEST_TYPES
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.deps import DB
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.web.i18n import has, local_name, translate

__all__ = ["BASE", "error", "router"]

router = APIRouter()
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # the date this interface last changed
# Spec parameters that we accept and ignore (one jurisdiction; no accounts or devices).
IGNORED = {"jurisdiction_id", "device_id", "account_id", "address_id", "media_url", "locale"}
FIELDS = {"api_key", "service_code", "description", "lat", "long", "address_string", "email",
          "first_name", "last_name", "phone"} | IGNORED  # fmt: skip


# ---------------------------------------------------------------- discovery and services


@router.get(BASE + "/discovery.json")
@router.get(BASE + "/discovery.xml")
def discovery(request: Request) -> Response:
    """Where the endpoint is and what it speaks."""
    settings = request.app.state.settings
    return render(
        request,
        {
            "changeset": CHANGESET,
            "contact": f"{settings.smtp_from} ({settings.base_url})",
            "key_service": "API keys for filing demands are issued by the platform's "
            "administrators (highland apikeys create --name NAME).",
            "endpoints": [
                {
                    "specification": SPEC,
                    "url": settings.base_url.rstrip("/") + BASE,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        "discovery",
    )


def _service(c: DemandCategory, english: bool) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": local_name(_lang(english), c.name, c.name_en),
        "description": c.description or "",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(x for x in (c.code, c.name, c.name_en) if x),
        "group": translate(_lang(english), "open311.group"),
    }


def _definition(code: str) -> dict[str, Any]:
    def attr(code: str, datatype: str, required: bool, order: int, text: str,
             values: list[dict[str, str]] | None = None) -> dict[str, Any]:  # fmt: skip
        out: dict[str, Any] = {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": required,
            "datatype_description": text,
            "order": order,
            "description": text,
        }
        if values is not None:
            out["values"] = values
        return out

    return {
        "service_code": code,
        "attributes": [
            attr("uscc", "string", True, 1,
                 "The unified social credit code (18 characters) of the enterprise the demand "
                 "is for; it must be in the registry. Never shown in public answers."),
            attr("title", "string", False, 2,
                 "A short title (at most 200 characters); default: the description's start."),
            attr("priority", "singlevaluelist", False, 3, "low, normal (default), high, urgent",
                 [{"key": p, "name": p} for p in PRIORITIES]),
            attr("request_type", "singlevaluelist", False, 4,
                 "The request type of the 12345 practice: consult (咨询), help (求助), "
                 "complaint (投诉), suggest (建议); none given: shown as not given.",
                 [{"key": t, "name": t} for t in REQUEST_TYPES]),
        ],
    }  # fmt: skip


@router.get(BASE + "/services.json")
@router.get(BASE + "/services.xml")
def services(request: Request, db: Session = DB) -> Response:
    """The active demand categories, one service each."""
    cats = repository.services(db)
    english = formats.english(request)
    return render(request, [_service(c, english) for c in cats], "services", "service")


@router.get(BASE + "/services/{service_code}.json")
@router.get(BASE + "/services/{service_code}.xml")
def service_definition(request: Request, service_code: str, db: Session = DB) -> Response:
    """A service's definition: our extension attributes (uscc, title, priority)."""
    cat = repository.service(db, service_code)
    if cat is None:
        return error(request, 404, [f"service_code: no service '{service_code}'"])
    return render(request, _definition(cat.code), "service_definition")


# ---------------------------------------------------------------- reading requests


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _lang(english: bool) -> str:
    return "en" if english else "zh-CN"


def _notice(response_days: int, resolution_days: int, english: bool) -> str:
    return translate(
        _lang(english), "open311.notice", response=response_days, resolution=resolution_days
    )


def _request_item(r: Any, english: bool, cal: WorkCalendar) -> dict[str, Any]:
    agency = local_name(_lang(english), r.inst_name, r.inst_name_en) if r.inst_name else None
    key = f"open311.state.{r.state}"
    note = translate(_lang(english), key) if has(key) else r.state
    notes = f"{note} · {agency}" if agency else note
    # A deadline counted through a year without a holiday notice says so (docs/calendar.md).
    year = cal.provisional_year(r.clock_start, r.resolution_due)
    if year is not None:
        notes += " · " + translate(_lang(english), "calendar.provisional.open311", year=year)
    return {
        "service_request_id": r.id,
        "status": "closed" if r.state in CLOSED else "open",
        "status_notes": notes,
        "service_name": local_name(_lang(english), r.cat_name, r.cat_name_en),
        "service_code": r.category_code,
        "description": r.description,
        "agency_responsible": agency,
        "service_notice": _notice(r.response_days, r.resolution_days, english),
        "requested_datetime": w3c(r.created_at),
        "updated_datetime": w3c(r.updated_at),
        "expected_datetime": w3c(r.resolution_due),
        "address": r.address,
        "address_id": None,
        "zipcode": None,
        "lat": _number(r.lat),
        "long": _number(r.lon),
        "media_url": None,
    }


@router.get(BASE + "/requests.json")
@router.get(BASE + "/requests.xml")
def requests_list(request: Request, db: Session = DB) -> Response:
    """Public demands, newest first, at most 1,000; by default those of the last 90 days."""
    try:
        rows = repository.requests(db, request.query_params)
    except Open311Error as exc:
        return error(request, exc.status, exc.descriptions)
    english = formats.english(request)
    cal = load_calendar(db)
    items = [_request_item(r, english, cal) for r in rows]
    return render(request, items, "service_requests", "request")


@router.get(BASE + "/requests/{service_request_id}.json")
@router.get(BASE + "/requests/{service_request_id}.xml")
def request_one(request: Request, service_request_id: str, db: Session = DB) -> Response:
    """One public demand, as an array of one."""
    missing = [f"service_request_id: no request '{service_request_id}'"]
    if not service_request_id.isdigit() or len(service_request_id) >= 10:
        return error(request, 404, missing)
    row = repository.request(db, int(service_request_id))
    if row is None:
        return error(request, 404, missing)
    item = _request_item(row, formats.english(request), load_calendar(db))
    return render(request, [item], "service_requests",
                  "request")  # fmt: skip


@router.get(BASE + "/tokens/{token}.json")
@router.get(BASE + "/tokens/{token}.xml")
def token_lookup(request: Request, token: str, db: Session = DB) -> Response:
    """The request id of a token handed out by POST requests."""
    found = repository.token(db, token) if len(token) <= 64 else None
    if found is None:
        return error(request, 404, [f"token: no request with token '{token[:64]}'"])
    return render(request, [{"service_request_id": found, "token": token}], "service_requests",
                  "request")  # fmt: skip


# ---------------------------------------------------------------- filing a request


def _file(request: Request, db: Session, form: FormData) -> Response:
    key = apikeys.verify_key(db, _plain(form.get("api_key")))
    if key is None:
        db.rollback()
        missing = not form.get("api_key")
        return error(request, 403, ["api_key: is required" if missing
                                    else "api_key: unknown or revoked key"])  # fmt: skip
    principal = Principal(user_id=0, username=f"open311:{key.name}", role=Role.analyst,
                          channel="api")  # fmt: skip
    actor = Actor(principal.username, principal.role.value, "open311")
    try:
        data = check_post(db, form)
        d = file_demand(db, principal, actor, data, source="open311")
        cat = repository.category(db, d.category_code)
        assert cat is not None
    except Open311Error as exc:
        db.rollback()
        return error(request, exc.status, exc.descriptions)
    except HighlandError as exc:
        db.rollback()
        message = exc.message
        if exc.field in PARAMS and message.startswith(f"{exc.field}:"):
            message = PARAMS[exc.field] + message[len(exc.field) :]
        status = 400 if exc.status_code in (400, 409, 422) else exc.status_code
        return error(request, status, [message])
    english = formats.english(request)
    item = {
        "service_request_id": d.id,
        "token": d.token,
        "service_notice": _notice(cat.response_days, cat.resolution_days, english),
        "account_id": None,
    }
    return render(request, [item], "service_requests", "request", 201)


def _plain(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


@router.post(BASE + "/requests.json")
@router.post(BASE + "/requests.xml")
async def requests_post(request: Request, db: Session = DB) -> Response:
    """File a demand for an enterprise (form-encoded; api_key required). It stays submitted
    until a router dispatches it."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
        return error(request, 400, [f"body: send application/x-www-form-urlencoded or "
                                    f"multipart/form-data, not '{kind}'"])  # fmt: skip
    try:
        form = await request.form()
    except Exception as exc:  # noqa: BLE001  (multipart parser errors of every kind)
        return error(request, 400, [f"body: not a readable form ({exc})"])
    return await run_in_threadpool(_file, request, db, form)


# ---------------------------------------------------------------- anything else


@router.api_route(BASE + "/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown(request: Request, rest: str) -> Response:
    """Unknown paths and formats: 404 (405 for a known path with the other method)."""
    path = request.url.path
    for route in router.routes:
        if isinstance(route, APIRoute) and route.endpoint is not unknown and \
                route.path_regex.match(path):  # fmt: skip
            allow = ", ".join(sorted(route.methods or ()))
            return error(request, 405, [f"{request.method} is not allowed here; use {allow}"],
                         {"allow": allow})  # fmt: skip
    suffix = rest.rsplit(".", 1)[1] if "." in rest.rsplit("/", 1)[-1] else ""
    if suffix and suffix not in ("json", "xml"):
        return error(request, 404, [f"format: '.{suffix}' is not served; use .json or .xml"])
    return error(request, 404, [f"no Open311 endpoint at {path}"])
