"""The zone list: add, rename, set the level of and remove a functional zone or park.

Districts come from GB/T 2260 and are not edited here; a zone is any other place a city
addresses its notices to (江北新区, the national development zones, parks). Every change is
audited; bad input is refused before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.enterprises.models import Enterprise, Region
from highland.platform.audit.service import Actor, Change, record
from highland.platform.errors import Conflict, InvalidInput, NotFound

LEVELS = ("national", "provincial", "municipal")
# The codes the rule language reads (policies/rules/loader/values.py): letters, digits, - and _.
CODE_RE = re.compile(r"[0-9A-Za-z_-]{2,20}")
DISTRICT_SHAPED = re.compile(r"\d{6}")
NAME_ZH_MAX, NAME_EN_MAX = 50, 100


@dataclass(frozen=True)
class ZoneRow:
    """A zone with the number of enterprises placed in it."""

    code: str
    name_zh: str
    name_en: str
    level: str | None
    enterprises: int


def zones(session: Session) -> list[ZoneRow]:
    """Every zone of the list with how many enterprises it holds, by code."""
    used = dict(
        session.execute(
            select(Enterprise.zone_code, func.count())
            .where(Enterprise.zone_code.is_not(None))
            .group_by(Enterprise.zone_code)
        ).all()
    )
    rows = session.scalars(select(Region).where(Region.kind == "zone").order_by(Region.code))
    return [ZoneRow(r.code, r.name_zh, r.name_en, r.level, used.get(r.code, 0)) for r in rows]


def zone(session: Session, code: str) -> Region:
    """One zone (NotFound for an unknown code or a district)."""
    row = session.get(Region, code)
    if row is None or row.kind != "zone":
        raise NotFound(f"no zone {code}", field="code", code="zone.unknown",
                       params={"code": code[:40]})  # fmt: skip
    return row


def _text(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}: a zone needs a name", field=field,
                           code="zone.name_empty", params={})  # fmt: skip
    if len(text) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters", field=field,
                           code="zone.name_too_long", params={"max": limit})  # fmt: skip
    return text


def _level(value: str | None) -> str | None:
    level = (value or "").strip() or None
    if level is not None and level not in LEVELS:
        raise InvalidInput(
            f"level: {level!r} is not one of {', '.join(LEVELS)}",
            field="level",
            code="zone.bad_level",
            params={"value": level[:40]},
        )
    return level


def _code(value: str | None) -> str:
    code = (value or "").strip()
    if not code:
        raise InvalidInput("code: a zone needs a code", field="code",
                           code="zone.code_empty", params={})  # fmt: skip
    if DISTRICT_SHAPED.fullmatch(code):
        raise InvalidInput(
            f"code: {code} looks like a GB/T 2260 district code; a zone's code is e.g. 320100-JBXQ",
            field="code",
            code="zone.code_district_shaped",
            params={"code": code},
        )
    if not CODE_RE.fullmatch(code):
        raise InvalidInput(
            f"code: {code[:40]!r} must be 2-20 letters, digits, - or _",
            field="code",
            code="zone.code_bad",
            params={"code": code[:40]},
        )
    return code


def _snapshot(r: Region) -> dict[str, object]:
    return {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.level}


def add_zone(
    session: Session,
    actor: Actor,
    city_code: str,
    code: str | None,
    name_zh: str | None,
    name_en: str | None,
    level: str | None,
) -> Region:
    """Add a zone to the list (refused: a code taken or shaped like a district, an empty name)."""
    clean = _code(code)
    zh, en = _text(name_zh, "name_zh", NAME_ZH_MAX), _text(name_en, "name_en", NAME_EN_MAX)
    lvl = _level(level)
    if session.get(Region, clean) is not None:
        raise Conflict(f"code: {clean} is already in the list", field="code",
                       code="zone.duplicate", params={"code": clean})  # fmt: skip
    row = Region(code=clean, city_code=city_code, name_zh=zh, name_en=en, kind="zone", level=lvl)
    session.add(row)
    session.flush()
    record(session, actor, Change("create", "zone", clean, None, _snapshot(row)))
    return row


def edit_zone(
    session: Session,
    actor: Actor,
    code: str,
    name_zh: str | None,
    name_en: str | None,
    level: str | None,
) -> Region:
    """Rename a zone (Chinese and English) and set its level; its code stays."""
    row = zone(session, code)
    zh, en = _text(name_zh, "name_zh", NAME_ZH_MAX), _text(name_en, "name_en", NAME_EN_MAX)
    lvl = _level(level)
    before = _snapshot(row)
    row.name_zh, row.name_en, row.level = zh, en, lvl
    session.flush()
    after = _snapshot(row)
    if after != before:
        record(session, actor, Change("update", "zone", code, before, after))
    return row


def remove_zone(session: Session, actor: Actor, code: str) -> None:
    """Remove a zone no enterprise is placed in (refused while any is)."""
    row = zone(session, code)
    used = session.execute(
        select(func.count()).select_from(Enterprise).where(Enterprise.zone_code == code)
    ).scalar_one()
    if used:
        raise Conflict(
            f"zone {code} still holds {used} enterprises; move them first",
            field="code",
            code="zone.in_use",
            params={"code": code, "name": row.name_zh, "n": used},
        )
    before = _snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, Change("delete", "zone", code, before, None))


def names(session: Session) -> dict[str, tuple[str, str]]:
    """Every region's (zh, en) names by code: what pages show (app.state.region_names)."""
    return {r.code: (r.name_zh, r.name_en) for r in session.scalars(select(Region))}
