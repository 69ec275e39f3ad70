"""Reference data of demands: institutions, categories and the routing table.

Admins edit them one by one in the UI (upsert_*, set_route, delete_route) or load a whole
YAML file with `highland demands load-reference FILE` (loader.load_reference: all or
nothing). Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from highland.demands.models import DemandCategory, RoutingRule
from highland.enterprises.public import region_exists
from highland.platform.audit.service import Actor, Change, record
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.institutions.models import Institution

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ANY_DISTRICT = "*"
MAX_DAYS = 365


@dataclass(frozen=True)
class Route:
    """Where a demand of a category in a district goes."""

    lead: str
    co: tuple[str, ...] = ()


def _text(value: Any, where: str, *, required: bool = True, limit: int = 200) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(
                f"{where}: is required", field=where, code="reference.required",
                params={"where": where},
            )  # fmt: skip
        return None
    if not isinstance(value, str | int):
        raise InvalidInput(
            f"{where}: must be text", field=where, code="reference.text", params={"where": where}
        )
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(
            f"{where}: at most {limit} characters", field=where, code="reference.too_long",
            params={"where": where, "limit": limit},
        )  # fmt: skip
    return text


def _code(value: Any, where: str) -> str:
    text = _text(value, where, limit=32)
    assert text is not None
    if not CODE.match(text):
        raise InvalidInput(
            f"{where}: '{text}' is not a code (letters, digits, '-', '_', '.'; ≤ 32)",
            field=where,
            code="reference.code",
            params={"where": where, "value": text},
        )
    return text


def _days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise InvalidInput(
                f"{where}: '{value}' is not a whole number", field=where,
                code="reference.whole_number", params={"where": where, "value": value},
            ) from None  # fmt: skip
    if not 1 <= value <= MAX_DAYS:
        raise InvalidInput(
            f"{where}: must be between 1 and {MAX_DAYS} working days", field=where,
            code="reference.days_range", params={"where": where, "high": MAX_DAYS},
        )  # fmt: skip
    return int(value)


def _district(session: Session, value: Any, where: str) -> str:
    text = _text(value, where, limit=6)
    assert text is not None
    if text == ANY_DISTRICT:
        return text
    if not region_exists(session, text):
        raise InvalidInput(
            f"{where}: '{text}' is not a known district code",
            field=where,
            code="reference.unknown_district",
            params={"where": where, "value": text},
        )
    return text


def check_category(data: dict[str, Any], where: str = "category") -> dict[str, Any]:
    """Validate one category's fields; return them cleaned."""
    unknown = set(data) - {
        "code",
        "name",
        "name_en",
        "description",
        "response_days",
        "resolution_days",
        "active",
        *URGENT_FIELDS,
    }
    if unknown:
        raise InvalidInput(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}", field=where,
            code="reference.unknown_fields",
            params={"where": where, "fields": ", ".join(sorted(unknown))},
        )  # fmt: skip
    response = _days(data.get("response_days"), f"{where}.response_days")
    resolution = _days(data.get("resolution_days"), f"{where}.resolution_days")
    if response > resolution:
        raise InvalidInput(
            f"{where}: the response limit ({response}) cannot be longer than the "
            f"resolution limit ({resolution})",
            field=f"{where}.response_days",
            code="reference.response_longer",
            params={"where": where, "response": response, "resolution": resolution},
        )
    urgent = check_urgent(data, where, response, resolution)
    return {
        "code": _code(data.get("code"), f"{where}.code"),
        "name": _text(data.get("name"), f"{where}.name", limit=100),
        "name_en": _text(data.get("name_en"), f"{where}.name_en", limit=100),
        "description": _text(
            data.get("description"), f"{where}.description", required=False, limit=2000
        ),
        "response_days": response,
        "resolution_days": resolution,
        "urgent_response_days": urgent[0],
        "urgent_resolution_days": urgent[1],
        "active": bool(data.get("active", True)),
    }


URGENT_FIELDS = ("urgent", "urgent_response_days", "urgent_resolution_days")


def _tier_days(value: Any, where: str, low: int) -> int:
    bad = isinstance(value, bool) or value is None or isinstance(value, float)
    if not bad and not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            bad = True
    if bad or not low <= value <= MAX_DAYS:
        raise InvalidInput(
            f"{where}: '{value}' is not a whole number of working days from {low} to {MAX_DAYS}",
            field=where,
            code="practice.tier_days",
            params={"where": where, "value": value, "low": low, "high": MAX_DAYS},
        )
    return int(value)


def check_urgent(
    data: dict[str, Any], where: str, response: int, resolution: int
) -> tuple[int | None, int | None]:
    """The urgent tier (紧急) of a category: `urgent: {response_days, resolution_days}` in the
    reference file, or `urgent_response_days` / `urgent_resolution_days` (form, API); both or
    neither. Response 0 = the same working day; the tier may not be slower than normal."""
    nested = data.get("urgent")
    if nested is not None:
        if not isinstance(nested, dict):
            raise InvalidInput(
                f"{where}.urgent: must be a mapping of response_days and resolution_days",
                field=f"{where}.urgent",
                code="practice.tier_mapping",
                params={"where": f"{where}.urgent"},
            )
        unknown = set(nested) - {"response_days", "resolution_days"}
        if unknown:
            raise InvalidInput(
                f"{where}.urgent: unknown field(s) {', '.join(sorted(map(str, unknown)))}",
                field=f"{where}.urgent",
                code="practice.tier_unknown_field",
                params={"where": f"{where}.urgent", "fields": ", ".join(sorted(map(str, unknown)))},
            )
        raw = (nested.get("response_days"), nested.get("resolution_days"))
        names = (f"{where}.urgent.response_days", f"{where}.urgent.resolution_days")
    else:
        raw = (data.get("urgent_response_days"), data.get("urgent_resolution_days"))
        names = (f"{where}.urgent_response_days", f"{where}.urgent_resolution_days")
    given = [v is not None and str(v).strip() != "" for v in raw]
    if not any(given):
        return None, None
    if not all(given):
        missing = names[given.index(False)]
        raise InvalidInput(
            f"{missing}: the urgent tier needs both a response and a resolution limit",
            field=missing,
            code="practice.tier_incomplete",
            params={"where": missing},
        )
    u_resp = _tier_days(raw[0], names[0], 0)
    u_reso = _tier_days(raw[1], names[1], 1)
    if u_resp > u_reso:
        raise InvalidInput(
            f"{names[0]}: the urgent response limit ({u_resp}) cannot be longer than the "
            f"urgent resolution limit ({u_reso})",
            field=names[0],
            code="practice.tier_order",
            params={"where": names[0], "response": u_resp, "resolution": u_reso},
        )
    for name, value, normal in ((names[0], u_resp, response), (names[1], u_reso, resolution)):
        if value > normal:
            raise InvalidInput(
                f"{name}: the urgent limit ({value}) cannot be longer than the normal one "
                f"({normal})",
                field=name,
                code="practice.tier_slower",
                params={"where": name, "value": value, "normal": normal},
            )
    return u_resp, u_reso


def check_institution(
    session: Session, data: dict[str, Any], where: str = "institution"
) -> dict[str, Any]:
    """Validate one institution's fields (the parent is checked by the caller)."""
    unknown = set(data) - {
        "code", "name", "name_en", "parent", "district", "contact", "active",
        "contact_name", "contact_phone", "contact_email",
    }  # fmt: skip
    if unknown:
        raise InvalidInput(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
            field=where,
            code="reference.unknown_fields",
            params={"where": where, "fields": ", ".join(sorted(unknown))},
        )
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        raise InvalidInput(
            f"{where}.contact: must be a mapping of name, phone, email",
            code="reference.contact_mapping",
            params={"where": where},
        )
    email = _text(
        contact.get("email", data.get("contact_email")), f"{where}.contact.email",
        required=False,
    )  # fmt: skip
    if email and not EMAIL.match(email):
        raise InvalidInput(
            f"{where}.contact.email: '{email}' is not an e-mail address",
            code="reference.bad_email",
            params={"value": email},
        )
    district = data.get("district")
    return {
        "code": _code(data.get("code"), f"{where}.code"),
        "name": _text(data.get("name"), f"{where}.name"),
        "name_en": _text(data.get("name_en"), f"{where}.name_en", required=False),
        "parent_code": _code(data["parent"], f"{where}.parent") if data.get("parent") else None,
        "district_code": _district(session, district, f"{where}.district") if district else None,
        "contact_name": _text(
            contact.get("name", data.get("contact_name")),
            f"{where}.contact.name",
            required=False,
            limit=100,
        ),  # fmt: skip
        "contact_phone": _text(
            contact.get("phone", data.get("contact_phone")),
            f"{where}.contact.phone",
            required=False,
            limit=40,
        ),  # fmt: skip
        "contact_email": email,
        "active": bool(data.get("active", True)),
    }


def _cycle(parents: dict[str, str | None], start: str) -> list[str] | None:
    seen = [start]
    node = parents.get(start)
    while node is not None:
        if node in seen:
            return [*seen[seen.index(node) :], node]
        seen.append(node)
        node = parents.get(node)
    return None


def _save(session: Session, actor: Actor, model: Any, entity: str, data: dict[str, Any]) -> None:
    """Create or change one row by its code; audited when anything changed."""
    row = session.get(model, data["code"])
    before = None
    if row is None:
        row = model(code=data["code"])
        session.add(row)
    else:
        before = {k: getattr(row, k) for k in data}
    for k, v in data.items():
        setattr(row, k, v)
    if before != data:
        record(session, actor, Change("upsert", entity, data["code"], before, data))


def _save_institution(session: Session, actor: Actor, data: dict[str, Any]) -> None:
    _save(session, actor, Institution, "institution", data)


def _save_category(session: Session, actor: Actor, data: dict[str, Any]) -> None:
    _save(session, actor, DemandCategory, "demand_category", data)


def upsert_category(session: Session, actor: Actor, data: dict[str, Any]) -> DemandCategory:
    """Create or change a category (UI and API)."""
    clean = check_category(data)
    _save_category(session, actor, clean)
    session.flush()
    row = session.get(DemandCategory, clean["code"])
    assert row is not None
    return row


def upsert_institution(session: Session, actor: Actor, data: dict[str, Any]) -> Institution:
    """Create or change an institution; its parent must exist and not make a cycle."""
    clean = check_institution(session, data)
    parent = clean["parent_code"]
    if parent is not None:
        if session.get(Institution, parent) is None:
            raise InvalidInput(
                f"institution.parent: '{parent}' is not an institution",
                field="parent",
                code="reference.unknown_parent",
                params={"value": parent},
            )
        parents = dict(session.execute(select(Institution.code, Institution.parent_code)).all())
        parents[clean["code"]] = parent
        loop = _cycle(parents, clean["code"])
        if loop:
            raise InvalidInput(
                f"institution.parent: '{parent}' would make a cycle: {' → '.join(loop)}",
                field="parent",
                code="reference.parent_cycle",
                params={"value": parent, "loop": " → ".join(loop)},
            )
    _save_institution(session, actor, clean)
    session.flush()
    row = session.get(Institution, clean["code"])
    assert row is not None
    return row


def check_route(session: Session, data: dict[str, Any], where: str = "route") -> dict[str, Any]:
    """Validate a routing row against the stored categories and institutions."""
    unknown = set(data) - {"category", "district", "lead", "co"}
    if unknown:
        raise InvalidInput(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
            field=where,
            code="reference.unknown_fields",
            params={"where": where, "fields": ", ".join(sorted(unknown))},
        )
    co_raw = data.get("co") or []
    if isinstance(co_raw, str):
        co_raw = [c for c in re.split(r"[\s,，;；]+", co_raw) if c]
    if not isinstance(co_raw, list):
        raise InvalidInput(
            f"{where}.co: must be a list of institution codes",
            field=f"{where}.co",
            code="reference.co_list",
        )
    return {
        "category": _code(data.get("category"), f"{where}.category"),
        "district": _district(session, data.get("district") or ANY_DISTRICT, f"{where}.district"),
        "lead": _code(data.get("lead"), f"{where}.lead"),
        "co": [_code(c, f"{where}.co") for c in co_raw],
    }


def _known(session: Session, model: Any, code: str, where: str, what: str) -> None:
    if session.get(model, code) is None:
        raise InvalidInput(
            f"{where}: '{code}' is not a known {what}",
            field=where,
            code=f"reference.unknown_{what}",
            params={"value": code},
        )


def _save_route(session: Session, actor: Actor, r: dict[str, Any]) -> RoutingRule:
    if r["lead"] in r["co"]:
        raise InvalidInput(
            f"route {r['category']}×{r['district']}: the lead '{r['lead']}' is also a co-handler",
            field="co",
            code="reference.lead_is_co",
            params={"value": r["lead"]},
        )
    row = session.scalar(
        select(RoutingRule).where(
            RoutingRule.category_code == r["category"], RoutingRule.district_key == r["district"]
        )
    )
    after = {"lead": r["lead"], "co": r["co"]}
    before = None
    if row is None:
        row = RoutingRule(category_code=r["category"], district_key=r["district"])
        session.add(row)
    else:
        before = {"lead": row.lead_code, "co": list(row.co_handlers)}
    row.lead_code = r["lead"]
    row.co_handlers = list(r["co"])
    if before != after:
        key = f"{r['category']}:{r['district']}"
        record(session, actor, Change("upsert", "demand_routing", key, before, after))
    return row


def set_route(session: Session, actor: Actor, data: dict[str, Any]) -> RoutingRule:
    """Create or change one cell of the routing table."""
    r = check_route(session, data)
    _known(session, DemandCategory, r["category"], "route.category", "category")
    for code in [r["lead"], *r["co"]]:
        _known(
            session,
            Institution,
            code,
            "route.lead" if code == r["lead"] else "route.co",
            "institution",
        )
    row = _save_route(session, actor, r)
    session.flush()
    return row


def delete_route(session: Session, actor: Actor, category: str, district: str) -> None:
    """Remove one cell of the routing table."""
    row = session.scalar(
        select(RoutingRule).where(
            RoutingRule.category_code == category, RoutingRule.district_key == district
        )
    )
    if row is None:
        raise NotFound(
            f"no routing row for {category} in {district}",
            code="reference.no_route_row",
            params={"category": category, "district": district},
        )
    before = {"lead": row.lead_code, "co": list(row.co_handlers)}
    session.delete(row)
    record(session, actor, Change("delete", "demand_routing", f"{category}:{district}", before))
    session.flush()


def route_for(session: Session, category: str, district: str | None) -> Route:
    """The lead institution and co-handlers for a category in a district (the district's own
    row, else the category's fallback row '*'); a missing row is an error that says so."""
    rows = {
        r.district_key: r
        for r in session.scalars(
            select(RoutingRule).where(
                RoutingRule.category_code == category,
                RoutingRule.district_key.in_([district or ANY_DISTRICT, ANY_DISTRICT]),
            )
        )
    }
    row = rows.get(district or ANY_DISTRICT) or rows.get(ANY_DISTRICT)
    if row is None:
        raise InvalidInput(
            f"no routing for category '{category}' in district '{district or '-'}': an admin "
            "must add a row to the routing table (or choose the institution by hand)",
            field="category",
            code="reference.no_route",
            params={"category": category, "district": district or "-"},
        )
    return Route(row.lead_code, tuple(row.co_handlers))


def clear_routing(session: Session) -> None:
    """Remove every routing row (tests and demo reloads)."""
    session.execute(delete(RoutingRule))
