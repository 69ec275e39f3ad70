"""The check of a request filed over Open311 (POST requests): every problem of the form is
listed at once, in the spec's error format, before anything is written."""

from __future__ import annotations

import math
import re

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from highland.demands import repository
from highland.demands.open311.formats import Open311Error
from highland.demands.service import DemandInput
from highland.demands.workflow import PRIORITIES, REQUEST_TYPES

MAX_DESCRIPTION = 4000  # the spec's limit
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()\-\s]{3,40}$")
ATTRIBUTES = ("uscc", "title", "priority", "request_type")


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
    if code and ((cat := repository.category(db, code)) is None or not cat.active):
        problems.append(f"service_code: no service '{code}' (see services.json)")
    uscc = _required(
        form, "attribute[uscc]", 18, problems, "attribute[uscc]: the enterprise's USCC is required"
    )
    if uscc and repository.enterprise_by_uscc(db, uscc.upper()) is None:
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
