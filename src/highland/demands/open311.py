"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2).

Public reads (discovery, services, service definitions, requests, tokens) need no sign-in and
show only demands that are public; filing a demand (POST requests) needs an API key
(`highland apikeys create`). Every endpoint answers in JSON (`.json`) or XML (`.xml`); errors
are the spec's array of {code, description} in the same format, for unknown paths too.
Confidential fields (the requester's contact, the enterprise's USCC, attachments, the
enterprise's rating and comment, the event log) never appear in any answer.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from highland.demands import apikeys
from highland.demands.models import Demand, DemandCategory
from highland.demands.service import DemandInput, file_demand
from highland.demands.workflow import FINAL, PRIORITIES, REQUEST_TYPES
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor
from highland.platform.calendar import WorkCalendar, load_calendar
from highland.platform.db import utcnow
from highland.platform.deps import DB
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.institutions.models import Institution
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import translate

router = APIRouter()
BASE = "/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # the date this interface last changed
MAX_RESULTS = 1000
WINDOW_DAYS = 90
MAX_DESCRIPTION = 4000  # the spec's limit
MAX_IDS = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()\-\s]{3,40}$")
CLOSED = sorted(s.value for s in FINAL)
# Spec parameters that we accept and ignore (one jurisdiction; no accounts or devices).
IGNORED = {"jurisdiction_id", "device_id", "account_id", "address_id", "media_url", "locale"}
FIELDS = {"api_key", "service_code", "description", "lat", "long", "address_string", "email",
          "first_name", "last_name", "phone"} | IGNORED  # fmt: skip
ATTRIBUTES = ("uscc", "title", "priority", "request_type")
# Plural XML elements and the name of their items.
ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
         "values": "value"}  # fmt: skip
STATE_NOTES = {
    "submitted": ("已提交，待分派", "submitted, awaiting dispatch"),
    "dispatched": ("已分派", "dispatched"),
    "accepted": ("已受理", "accepted"),
    "in_progress": ("办理中", "in progress"),
    "waiting": ("等待企业补充材料", "waiting for the enterprise"),
    "resolved": ("已办结，待企业确认", "resolved, awaiting the enterprise's confirmation"),
    "confirmed": ("已办结，企业已确认", "closed, confirmed by the enterprise"),
    "reopened": ("企业反馈未解决，重新办理", "reopened by the enterprise"),
    "returned": ("已退回，待重新分派", "returned, awaiting a new dispatch"),
    "transferred": ("已转办", "transferred"),
    "withdrawn": ("已撤回", "withdrawn"),
}


class Open311Error(Exception):
    """An error answered in the spec's format: HTTP status and descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)


# ---------------------------------------------------------------- formats


def _format(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def _english(request: Request) -> bool:
    return request.query_params.get("locale", "").lower().startswith("en")


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_add(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_add(el, k, v)
    elif isinstance(value, list):
        for v in value:
            _xml_add(el, ITEMS.get(tag, "item"), v)
    else:
        el.text = _xml_text(value)


def render(request: Request, content: Any, root: str, item: str | None = None,
           status: int = 200) -> Response:  # fmt: skip
    """Answer `content` in the request's format. A list becomes <root><item>…</item></root>;
    a mapping becomes <root>…</root>."""
    if _format(request) == "json":
        return JSONResponse(content, status_code=status)
    top = ET.Element(root)
    if isinstance(content, list):
        for entry in content:
            _xml_add(top, item or "item", entry)
    else:
        for k, v in content.items():
            _xml_add(top, k, v)
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def error(request: Request, status: int, descriptions: Sequence[str],
          headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    """The spec's error answer: [{code, description}, …] or <errors><error>…</error></errors>."""
    resp = render(request, [{"code": status, "description": d} for d in descriptions],
                  "errors", "error", status)  # fmt: skip
    resp.headers.update(headers or {})
    return resp


def _w3c(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(CITY_TZ).isoformat(timespec="seconds")


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
        "service_name": c.name_en if english else c.name,
        "description": c.description or "",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(x for x in (c.code, c.name, c.name_en) if x),
        "group": "enterprise demands" if english else "企业诉求",
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
    cats = db.scalars(
        select(DemandCategory).where(DemandCategory.active.is_(True)).order_by(DemandCategory.code)
    )
    english = _english(request)
    return render(request, [_service(c, english) for c in cats], "services", "service")


@router.get(BASE + "/services/{service_code}.json")
@router.get(BASE + "/services/{service_code}.xml")
def service_definition(request: Request, service_code: str, db: Session = DB) -> Response:
    """A service's definition: our extension attributes (uscc, title, priority)."""
    cat = db.get(DemandCategory, service_code)
    if cat is None or not cat.active:
        return error(request, 404, [f"service_code: no service '{service_code}'"])
    return render(request, _definition(cat.code), "service_definition")


# ---------------------------------------------------------------- reading requests


def _columns() -> Any:
    """Only the public columns (confidential ones are never even read)."""
    return (
        select(
            Demand.id, Demand.state, Demand.description, Demand.category_code,
            Demand.created_at, Demand.updated_at, Demand.resolution_due, Demand.clock_start,
            Demand.address,
            Demand.lat, Demand.lon, DemandCategory.name.label("cat_name"),
            DemandCategory.name_en.label("cat_name_en"), DemandCategory.response_days,
            DemandCategory.resolution_days, Institution.name.label("inst_name"),
            Institution.name_en.label("inst_name_en"),
        )
        .join(DemandCategory, DemandCategory.code == Demand.category_code)
        .outerjoin(Institution, Institution.code == Demand.institution_code)
        .where(Demand.public.is_(True))
    )  # fmt: skip


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _notice(response_days: int, resolution_days: int, english: bool) -> str:
    if english:
        return (f"Response within {response_days} and resolution within {resolution_days} "
                "working days of dispatch.")  # fmt: skip
    return f"分派后 {response_days} 个工作日内响应，{resolution_days} 个工作日内办结。"


def _request_item(r: Any, english: bool, cal: WorkCalendar) -> dict[str, Any]:
    agency = (r.inst_name_en or r.inst_name) if english else r.inst_name
    note = STATE_NOTES.get(r.state, (r.state, r.state))[1 if english else 0]
    notes = f"{note} · {agency}" if agency else note
    # A deadline counted through a year without a holiday notice says so (docs/calendar.md).
    year = cal.provisional_year(r.clock_start, r.resolution_due)
    if year is not None:
        lang = "en" if english else "zh-CN"
        notes += " · " + translate(lang, "calendar.provisional.open311", year=year)
    return {
        "service_request_id": r.id,
        "status": "closed" if r.state in CLOSED else "open",
        "status_notes": notes,
        "service_name": r.cat_name_en if english else r.cat_name,
        "service_code": r.category_code,
        "description": r.description,
        "agency_responsible": agency,
        "service_notice": _notice(r.response_days, r.resolution_days, english),
        "requested_datetime": _w3c(r.created_at),
        "updated_datetime": _w3c(r.updated_at),
        "expected_datetime": _w3c(r.resolution_due),
        "address": r.address,
        "address_id": None,
        "zipcode": None,
        "lat": _number(r.lat),
        "long": _number(r.lon),
        "media_url": None,
    }


def _when(value: str, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(
            400,
            f"{name}: '{value}' is not a W3C date-time; write e.g. 2026-01-31T00:00:00+08:00 "
            "or 2026-01-30T16:00:00Z",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=CITY_TZ)


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _query(request: Request, db: Session) -> Any:
    q = request.query_params
    stmt = _columns()
    ids = q.get("service_request_id")
    if ids is not None and ids.strip():
        wanted = _list(ids)
        if not all(i.isdigit() and len(i) < 10 for i in wanted):
            raise Open311Error(400, f"service_request_id: '{ids}' is not a comma-separated list "
                                    "of request ids")  # fmt: skip
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS} ids at once")
        return stmt.where(Demand.id.in_({int(i) for i in wanted}))
    codes = _list(q.get("service_code") or "")
    if codes:
        known = set(db.scalars(select(DemandCategory.code).where(DemandCategory.code.in_(codes))))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(400, f"service_code: no service '{unknown[0]}'")
        stmt = stmt.where(Demand.category_code.in_(codes))
    statuses = {s.lower() for s in _list(q.get("status") or "")}
    bad = statuses - {"open", "closed"}
    if bad:
        raise Open311Error(400, f"status: '{sorted(bad)[0]}' is not open or closed")
    if statuses == {"open"}:
        stmt = stmt.where(Demand.state.not_in(CLOSED))
    elif statuses == {"closed"}:
        stmt = stmt.where(Demand.state.in_(CLOSED))
    start = _when(q["start_date"], "start_date") if q.get("start_date") else None
    end = _when(q["end_date"], "end_date") if q.get("end_date") else None
    window = timedelta(days=WINDOW_DAYS)
    if start is not None and end is not None:
        if start > end:
            raise Open311Error(400, "start_date: is after end_date")
        if end - start > window:
            raise Open311Error(400, f"start_date, end_date: may not span more than {WINDOW_DAYS} "
                                    "days")  # fmt: skip
    elif start is not None:
        end = start + window
    elif end is not None:
        start = end - window
    else:
        start = utcnow() - window
    stmt = stmt.where(Demand.created_at >= start)
    if end is not None:
        stmt = stmt.where(Demand.created_at <= end)
    return stmt


@router.get(BASE + "/requests.json")
@router.get(BASE + "/requests.xml")
def requests_list(request: Request, db: Session = DB) -> Response:
    """Public demands, newest first, at most 1,000; by default those of the last 90 days."""
    try:
        stmt = _query(request, db)
    except Open311Error as exc:
        return error(request, exc.status, exc.descriptions)
    rows = db.execute(stmt.order_by(Demand.created_at.desc(), Demand.id.desc()).limit(MAX_RESULTS))
    english = _english(request)
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
    row = db.execute(_columns().where(Demand.id == int(service_request_id))).first()
    if row is None:
        return error(request, 404, missing)
    item = _request_item(row, _english(request), load_calendar(db))
    return render(request, [item], "service_requests",
                  "request")  # fmt: skip


@router.get(BASE + "/tokens/{token}.json")
@router.get(BASE + "/tokens/{token}.xml")
def token_lookup(request: Request, token: str, db: Session = DB) -> Response:
    """The request id of a token handed out by POST requests."""
    found = db.scalar(select(Demand.id).where(Demand.token == token)) if len(token) <= 64 else None
    if found is None:
        return error(request, 404, [f"token: no request with token '{token[:64]}'"])
    return render(request, [{"service_request_id": found, "token": token}], "service_requests",
                  "request")  # fmt: skip


# ---------------------------------------------------------------- filing a request


def _text(form: FormData, name: str, limit: int, problems: list[str]) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{name}: must be text, not a file")
        return None
    text = value.strip()
    if len(text) > limit:
        problems.append(f"{name}: at most {limit} characters (got {len(text)})")
        return None
    return text or None


def _required(form: FormData, name: str, limit: int, problems: list[str],
              message: str) -> str | None:  # fmt: skip
    before = len(problems)
    text = _text(form, name, limit, problems)
    if text is None and len(problems) == before:
        problems.append(message)
    return text


def _coordinate(text: str | None, name: str, bound: float, problems: list[str]) -> str | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -bound <= value <= bound:
        problems.append(f"{name}: '{text}' is not a number between -{bound:g} and {bound:g}")
        return None
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _contact_name(first: str | None, last: str | None) -> str | None:
    parts = [p for p in (first, last) if p]
    if not parts:
        return None
    if first and last and all("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return last + first  # 张 + 三 → 张三
    return " ".join(parts)


def check_post(db: Session, form: FormData) -> DemandInput:
    """Validate a POST requests body; raise Open311Error (400) listing every problem."""
    problems: list[str] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            problems.append(f"{name}: files are not accepted over Open311 (send media_url)")
        elif name.startswith("attribute[") and name[10:-1] not in ATTRIBUTES:
            problems.append(
                f"{name}: unknown attribute; attributes are "
                + ", ".join(f"attribute[{a}]" for a in ATTRIBUTES)
            )
    code = _required(form, "service_code", 32, problems, "service_code: is required")
    if code and ((cat := db.get(DemandCategory, code)) is None or not cat.active):
        problems.append(f"service_code: no service '{code}' (see services.json)")
    uscc = _required(
        form, "attribute[uscc]", 18, problems, "attribute[uscc]: the enterprise's USCC is required"
    )
    if uscc and db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc.upper())) is None:
        problems.append(f"attribute[uscc]: no enterprise with USCC '{uscc}' in the registry")
    description = _required(
        form, "description", MAX_DESCRIPTION, problems, "description: is required"
    )
    title = _text(form, "attribute[title]", 200, problems)
    priority = _text(form, "attribute[priority]", 16, problems) or "normal"
    if priority not in PRIORITIES:
        problems.append(f"attribute[priority]: '{priority}' is not one of " + ", ".join(PRIORITIES))
    request_type = _text(form, "attribute[request_type]", 16, problems) or None
    if request_type is not None and request_type not in REQUEST_TYPES:
        problems.append(
            f"attribute[request_type]: '{request_type}' is not one of " + ", ".join(REQUEST_TYPES)
        )
    lat = _coordinate(_text(form, "lat", 40, problems), "lat", 90, problems)
    lon = _coordinate(_text(form, "long", 40, problems), "long", 180, problems)
    if (form.get("lat") is None) != (form.get("long") is None):
        problems.append("lat, long: give both or neither")
    email = _text(form, "email", 200, problems)
    if email and not EMAIL.match(email):
        problems.append(f"email: '{email}' is not an e-mail address")
    phone = _text(form, "phone", 40, problems)
    if phone and not PHONE.match(phone):
        problems.append(f"phone: '{phone}' is not a phone number")
    first = _text(form, "first_name", 50, problems)
    last = _text(form, "last_name", 50, problems)
    address = _text(form, "address_string", 300, problems)
    if problems:
        raise Open311Error(400, *problems)
    assert code and uscc and description
    return DemandInput(
        enterprise=uscc.upper(),
        category=code,
        title=title or description.splitlines()[0][:60],
        description=description,
        priority=priority,
        request_type=request_type,
        address=address,
        lat=lat,
        lon=lon,
        contact_name=_contact_name(first, last),
        contact_phone=phone,
        contact_email=email,
        public=True,
    )


# HighlandError fields of file_demand → the Open311 parameter names.
PARAMS = {"enterprise": "attribute[uscc]", "category": "service_code", "title": "attribute[title]",
          "priority": "attribute[priority]", "request_type": "attribute[request_type]",
          "address": "address_string", "contact_email": "email",
          "contact_phone": "phone", "contact_name": "first_name"}  # fmt: skip


def _file(request: Request, db: Session, form: FormData) -> Response:
    key = apikeys.verify_key(db, _plain(form.get("api_key")))
    if key is None:
        db.rollback()
        missing = not form.get("api_key")
        return error(request, 403, ["api_key: is required" if missing
                                    else "api_key: unknown or revoked key"])  # fmt: skip
    principal = Principal(user_id=0, username=f"open311:{key.name}", role=Role.analyst,
                          channel="api")  # fmt: skip
    actor = Actor(principal.username, principal.role.value, "api")
    try:
        data = check_post(db, form)
        d = file_demand(db, principal, actor, data, source="open311")
        cat = db.get(DemandCategory, d.category_code)
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
    english = _english(request)
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
