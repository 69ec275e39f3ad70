"""The checks of a register row (from an import, the API or a form): every value read from text,
every code looked up, every refusal an `InvalidInput` naming the field and its catalogue entry.

`Lookups` holds what rows are checked against (chains and segments through the chains' public
module, enterprises through theirs, events, platforms, institutions), loaded once per import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.enterprises import public as enterprises
from highland.innovation import iso, repository
from highland.innovation.vocab import EVENT_KINDS, LEVELS, PLATFORM_KINDS
from highland.platform import institutions
from highland.platform.errors import InvalidInput
from highland.platform.kit import inert
from highland.platform.kit.uscc import USCCError, validate

Row = Mapping[str, Any]
SPLIT = re.compile(r"[;；,，、\s]+")
TRUE = {"1", "true", "yes", "是", "y", "示例"}
MAX_COUNT = 10_000_000


@dataclass
class Lookups:
    """What rows are checked against, read once (names and codes added as rows are accepted,
    so that a file cannot hold the same name twice)."""

    session: Session
    chains: dict[str, chains.ChainRef]
    events: dict[str, int]
    platforms: dict[str, int]
    names: dict[str, set[str]]
    enterprises: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Lookups:
        """The chains, events, platforms and names now in the database."""
        return cls(session, chains.chain_refs(session), repository.event_codes(session),
                   repository.platform_names(session), repository.taken_names(session))  # fmt: skip

    def enterprise(self, uscc: str) -> int | None:
        """The id of the enterprise with this USCC, or None."""
        if uscc not in self.enterprises:
            ref = enterprises.ref_by_uscc(self.session, uscc)
            self.enterprises[uscc] = ref.id if ref else None
        return self.enterprises[uscc]


def bad(field_name: str, code: str, **params: Any) -> InvalidInput:
    """A refusal of one field (English for logs and the API; the catalogue for pages)."""
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if not str(v).startswith("@"))
    return InvalidInput(f"{field_name}: {code.rsplit('.', 1)[-1].replace('_', ' ')} ({shown})",
                        field=field_name, code=f"innovation.{code}",
                        params={"field": f"@innovation.col.{field_name}", **params})  # fmt: skip


def text(row: Row, name: str, limit: int = 200, required: bool = False) -> str | None:
    """A text cell, stripped; None when empty."""
    value = row.get(name)
    t = "" if value is None else str(value).strip()
    inert.check_text(t, name, "text.this_field", multiline=limit > 300)
    if not t:
        if required:
            raise bad(name, "required")
        return None
    if len(t) > limit:
        raise bad(name, "too_long", limit=limit, got=len(t))
    return t


def choice(row: Row, name: str, allowed: tuple[str, ...], required: bool = True) -> str | None:
    """One of the allowed codes."""
    t = text(row, name, 32, required)
    if t is not None and t not in allowed:
        raise bad(name, "bad_choice", value=t, allowed=", ".join(allowed))
    return t


def day(
    row: Row, name: str, today: date, required: bool = False, future: bool = False
) -> date | None:
    """A date YYYY-MM-DD (not after today unless `future`)."""
    t = text(row, name, 32, required)
    if t is None:
        return None
    try:
        d = date.fromisoformat(t[:10])
    except ValueError:
        raise bad(name, "bad_date", value=t) from None
    if not future and d > today:
        raise bad(name, "future_date", value=d.isoformat())
    return d


def count(row: Row, name: str) -> int | None:
    """A whole number from 0, or None."""
    t = text(row, name, 32)
    if t is None:
        return None
    if not t.isdigit() or int(t) > MAX_COUNT:
        raise bad(name, "bad_count", value=t)
    return int(t)


def flag(row: Row, name: str = "illustrative") -> bool:
    """A yes/no cell (empty: no)."""
    value = row.get(name)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE


def words(row: Row, name: str) -> list[str]:
    """A list cell ("a;b、c") or a JSON list."""
    value = row.get(name)
    items = value if isinstance(value, list) else SPLIT.split(str(value or ""))
    out = [str(v).strip() for v in items if str(v).strip()]
    for v in out:
        if len(v) > 100:
            raise bad(name, "too_long", limit=100, got=len(v))
    return out


def country(row: Row, name: str, required: bool = True) -> str | None:
    """An ISO 3166-1 alpha-2 code."""
    t = text(row, name, 8, required)
    if t is None:
        return None
    code = iso.country(t)
    if code is None:
        raise bad(name, "bad_country", value=t)
    return code


def countries(row: Row, name: str) -> list[str]:
    """A list of ISO 3166-1 alpha-2 codes."""
    out = []
    for t in words(row, name):
        code = iso.country(t)
        if code is None:
            raise bad(name, "bad_country", value=t)
        out.append(code)
    return sorted(set(out))


def chain_links(row: Row, name: str, look: Lookups) -> list[str]:
    """Chain codes, each alone or with a segment ("ic" or "ic/design"), known to the chains."""
    out = []
    for item in words(row, name):
        code, _, seg = item.partition("/")
        chain_segment(name, code, seg or None, look)
        out.append(item)
    return out


def chain_segment(
    name: str, chain: str | None, segment: str | None, look: Lookups, seg_name: str | None = None
) -> None:
    """Refuse a chain code not of a chain, or a segment not of that chain's current version
    (named by `seg_name` when the segment has a column of its own)."""
    if chain is None:
        if segment is not None:
            raise bad(name, "segment_without_chain", segment=segment)
        return
    ref = look.chains.get(chain)
    if ref is None:
        raise bad(name, "unknown_chain", value=chain)
    if segment is not None and segment not in ref.segments:
        raise bad(seg_name or name, "unknown_segment", value=segment, chain=chain)


def uscc(row: Row, name: str, look: Lookups) -> tuple[str | None, int | None]:
    """A USCC of an enterprise in the registry: (the code, the enterprise's id)."""
    t = text(row, name, 32)
    if t is None:
        return None, None
    try:
        code = validate(t)
    except USCCError:
        raise bad(name, "bad_uscc", value=t) from None
    found = look.enterprise(code)
    if found is None:
        raise bad(name, "unknown_uscc", value=code)
    return code, found


def money(row: Row, cur: str | None) -> int | None:
    """An amount in the currency's major units ("1200000.50"), exactly, as minor units; an
    API caller may give `amount_minor` (an integer) instead."""
    minor = row.get("amount_minor")
    if minor is not None and row.get("amount") in (None, ""):
        if isinstance(minor, bool) or not isinstance(minor, int) or minor < 0:
            raise bad("amount", "bad_amount", value=str(minor))
        value = int(minor)
    else:
        t = text(row, "amount", 32)
        if t is None:
            return None
        try:
            major = Decimal(t.replace(",", ""))
        except InvalidOperation:
            raise bad("amount", "bad_amount", value=t) from None
        if not major.is_finite() or major < 0:
            raise bad("amount", "bad_amount", value=t)
        scaled = major.scaleb(iso.minor_digits(cur or "CNY"))
        if scaled != scaled.to_integral_value():
            raise bad("amount", "amount_digits", value=t,
                      digits=iso.minor_digits(cur or "CNY"))  # fmt: skip
        value = int(scaled)
    if cur is None:
        raise bad("currency", "currency_missing")
    if value > 10**17:
        raise bad("amount", "bad_amount", value=str(value))
    return value


def institution(row: Row, name: str, session: Session) -> str | None:
    """A responsible institution's code."""
    t = text(row, name, 32)
    if t is not None and not institutions.exists(session, t):
        raise bad(name, "unknown_institution", value=t)
    return t


def unique(kind: str, name: str, value: str, look: Lookups) -> None:
    """Refuse a name (or event code) already taken in this register."""
    if value in look.names[kind]:
        raise bad(name, "duplicate", value=value)


# --------------------------------------------------------------------------- one row per kind


def platform_row(row: Row, look: Lookups, today: date) -> dict[str, Any]:
    """An innovation platform's columns."""
    name = text(row, "name", 200, True)
    assert name is not None
    unique("platforms", "name", name, look)
    _, ent = uscc(row, "host_uscc", look)
    return {"name": name, "name_en": text(row, "name_en", 300),
            "kind": choice(row, "kind", PLATFORM_KINDS), "level": choice(row, "level", LEVELS),
            "host_name": text(row, "host_name", 200), "enterprise_id": ent,
            "fields": words(row, "fields"), "chains": chain_links(row, "chains", look),
            "founded_on": day(row, "founded_on", today), "staff": count(row, "staff"),
            "illustrative": flag(row)}  # fmt: skip


def centre_row(row: Row, look: Lookups, today: date) -> dict[str, Any]:
    """An overseas centre's columns."""
    name = text(row, "name", 200, True)
    assert name is not None
    unique("centres", "name", name, look)
    return {"name": name, "name_en": text(row, "name_en", 300), "country": country(row, "country"),
            "city": text(row, "city", 100, True), "partner": text(row, "partner", 200),
            "since": day(row, "since", today), "contact": text(row, "contact", 200),
            "chains": chain_links(row, "chains", look), "illustrative": flag(row)}  # fmt: skip


def event_row(row: Row, look: Lookups, today: date) -> dict[str, Any]:
    """An event's columns (its end not before its start)."""
    code = text(row, "code", 64, True)
    assert code is not None
    unique("events", "code", code, look)
    start = day(row, "start_on", today, True, future=True)
    end = day(row, "end_on", today, True, future=True)
    assert start is not None and end is not None
    if end < start:
        raise bad("end_on", "end_before_start", start=start.isoformat(), end=end.isoformat())
    return {"code": code, "name": text(row, "name", 200, True),
            "name_en": text(row, "name_en", 300), "kind": choice(row, "kind", EVENT_KINDS),
            "start_on": start, "end_on": end, "place": text(row, "place", 200),
            "country": country(row, "country"), "forums": count(row, "forums"),
            "exhibits": count(row, "exhibits"), "attendance": count(row, "attendance"),
            "countries": countries(row, "countries"), "illustrative": flag(row)}  # fmt: skip


def project_row(row: Row, look: Lookups, today: date) -> dict[str, Any]:
    """A cooperation project's columns as signed (its pipeline starts at `signed`)."""
    code, ent = uscc(row, "uscc", look)
    platform = text(row, "platform", 200)
    platform_id = None
    if platform is not None:
        platform_id = look.platforms.get(platform)
        if platform_id is None:
            raise bad("platform", "unknown_platform", value=platform)
    if ent is None and platform_id is None:
        raise bad("uscc", "no_party")
    chain, segment = text(row, "chain", 32), text(row, "segment", 64)
    chain_segment("chain", chain, segment, look, "segment")
    event = text(row, "event", 64)
    event_id = None
    if event is not None:
        event_id = look.events.get(event)
        if event_id is None:
            raise bad("event", "unknown_event", value=event)
    cur_text = text(row, "currency", 8)
    cur = iso.currency(cur_text) if cur_text else None
    if cur_text and cur is None:
        raise bad("currency", "bad_currency", value=cur_text)
    return {"title": text(row, "title", 300, True), "title_en": text(row, "title_en", 300),
            "partner": text(row, "partner", 200, True), "partner_en": text(row, "partner_en", 200),
            "partner_country": country(row, "partner_country"), "enterprise_id": ent,
            "platform_id": platform_id, "chain_code": chain, "segment_code": segment,
            "amount_minor": money(row, cur), "currency": cur, "event_id": event_id,
            "signed_on": day(row, "signed_on", today, True),
            "owner_institution": institution(row, "owner_institution", look.session),
            "illustrative": flag(row)}  # fmt: skip


ROWS = {"platforms": platform_row, "centres": centre_row, "events": event_row,
        "projects": project_row}  # fmt: skip
