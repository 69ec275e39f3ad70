"""Load the demo's innovation data (once: nothing when a platform exists already), through the
registers' checks and the pipeline's actions like any user's rows: links to chains the demo has
not loaded are left out, the follow-up institution is the demo's science bureau (or the first
institution)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.innovation import repository
from highland.innovation.demo import data
from highland.innovation.pipeline import service as pipeline
from highland.innovation.registry import service as registry
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.db import utcnow
from highland.platform.identity.permissions import Principal, Role

ACTOR = Actor("demo", None, "system")
ADMIN = Principal(user_id=0, username="demo", role=Role.admin)
SCIENCE = "320115-KJJ"


def _links(known: set[str], codes: str | None) -> str:
    return ";".join(c for c in (codes or "").split(";") if c in known)


def load_demo_innovation(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Platforms, centres, events and projects (zeros when the demo has run already)."""
    now = now or utcnow()
    if repository.counts(session)["platforms"]:
        return {"platforms": 0, "centres": 0, "events": 0, "projects": 0}
    known = set(chains.chain_refs(session))
    owner = SCIENCE if institutions.exists(session, SCIENCE) else institutions.first_code(session)
    for name, name_en, kind, level, links, founded, staff in data.PLATFORMS:
        registry.add(session, ACTOR, "platforms", {
            "name": name, "name_en": name_en, "kind": kind, "level": level,
            "chains": _links(known, links), "founded_on": founded, "staff": str(staff),
            "fields": links.replace("-", " "), "illustrative": True,
        }, now=now)  # fmt: skip
    for country, city_en, city, partner, since, link in data.CENTRES:
        registry.add(session, ACTOR, "centres", {
            "name": f"南京-{city}协同创新中心（示例）",
            "name_en": f"Nanjing-{city_en} Collaborative Innovation Centre (illustrative)",
            "country": country, "city": city, "partner": partner, "since": since,
            "chains": _links(known, link), "contact": "025-0000-0000（示例）",
            "illustrative": True,
        }, now=now)  # fmt: skip
    events = {e["code"]: registry.add(session, ACTOR, "events", {**e, "illustrative": True},
                                      now=now).id for e in data.EVENTS}  # fmt: skip
    plats = [name for name, *_ in data.PLATFORMS]
    projects = 0
    for title, title_en, partner, partner_en, plat, chain, amount, steps in data.MUNICH:
        _project(session, now, {
            "title": f"{title}（示例）", "title_en": f"{title_en} (illustrative)",
            "partner": partner, "partner_en": partner_en, "partner_country": "DE",
            "platform": plats[plat if plat is not None else 1], "amount": amount,
            "currency": "EUR", "event": "munich-2024", "signed_on": "2024-06-12",
            "chain": chain if chain in known else None, "owner_institution": owner,
        }, steps, data.STALL_REASONS.get(partner))  # fmt: skip
        projects += 1
    for title, title_en, partner, partner_en, country, plat, chain, cur, amount, steps in data.WEEK:
        _project(session, now, {
            "title": f"{title}（示例）", "title_en": f"{title_en} (illustrative)",
            "partner": partner, "partner_en": partner_en, "partner_country": country,
            "platform": plats[plat], "amount": amount, "currency": cur,
            "event": "innovation-week-2021", "signed_on": "2021-06-11",
            "chain": chain if chain in known else None, "owner_institution": owner,
        }, steps, None)  # fmt: skip
        projects += 1
    return {"platforms": len(data.PLATFORMS), "centres": len(data.CENTRES),
            "events": len(events), "projects": projects}  # fmt: skip


def _project(session: Session, now: datetime, values: dict[str, Any],
             steps: list[tuple[str, str]], reason: str | None) -> None:  # fmt: skip
    row = registry.add(session, ACTOR, "projects", {**values, "illustrative": True}, now=now)
    for action, on in steps:
        extra = {"reason": reason or "示例"} if action in ("stall", "cancel") else {}
        pipeline.act(session, ADMIN, ACTOR, row.id, action, version=row.version,
                     data={"on": on, **extra} if on else extra, now=now)  # fmt: skip
