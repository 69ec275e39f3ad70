"""All SQL of the innovation domain: the registers, the projects through their scope, and the
pipeline's figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from highland.innovation.models import (
    CoopProject,
    CoopProjectEvent,
    InnovationEvent,
    InnovationPlatform,
    OverseasCentre,
)
from highland.innovation.scope import PROJECTS
from highland.platform.identity.permissions import Principal

MODELS: dict[str, Any] = {"platforms": InnovationPlatform, "centres": OverseasCentre,
                          "events": InnovationEvent, "projects": CoopProject}  # fmt: skip
ORDER: dict[str, Any] = {"platforms": InnovationPlatform.id, "centres": OverseasCentre.id,
                         "events": InnovationEvent.start_on.desc(),
                         "projects": CoopProject.id}  # fmt: skip


def event_codes(session: Session) -> dict[str, int]:
    """Event code → id."""
    return {c: i for c, i in session.execute(select(InnovationEvent.code, InnovationEvent.id))}


def platform_names(session: Session) -> dict[str, int]:
    """Platform name → id."""
    rows = session.execute(select(InnovationPlatform.name, InnovationPlatform.id))
    return {n: i for n, i in rows}


def taken_names(session: Session) -> dict[str, set[str]]:
    """The unique names (codes of events) of each register."""
    return {
        "platforms": set(session.scalars(select(InnovationPlatform.name))),
        "centres": set(session.scalars(select(OverseasCentre.name))),
        "events": set(session.scalars(select(InnovationEvent.code))),
        "projects": set(),
    }


def listed(session: Session, principal: Principal, kind: str) -> list[Any]:
    """Every row of a register the principal may see, in the register's order."""
    model = MODELS[kind]
    stmt = select(model).order_by(ORDER[kind])
    if kind == "projects":
        stmt = PROJECTS.apply(stmt, principal)
    return list(session.scalars(stmt))


def events(session: Session) -> list[InnovationEvent]:
    """Every event, newest first."""
    return list(session.scalars(select(InnovationEvent).order_by(InnovationEvent.start_on.desc())))


def platforms_by_id(session: Session, ids: Sequence[int]) -> dict[int, InnovationPlatform]:
    """Platforms by id."""
    if not ids:
        return {}
    rows = session.scalars(select(InnovationPlatform).where(InnovationPlatform.id.in_(set(ids))))
    return {p.id: p for p in rows}


def project(session: Session, principal: Principal, project_id: int) -> CoopProject | None:
    """One project the principal may see, or None."""
    row: CoopProject | None = PROJECTS.get(session, principal, project_id)
    return row


def project_events(session: Session, project_id: int) -> list[CoopProjectEvent]:
    """A project's log, oldest first."""
    stmt = select(CoopProjectEvent).where(CoopProjectEvent.project_id == project_id)
    return list(session.scalars(stmt.order_by(CoopProjectEvent.seq)))


def last_state_before(session: Session, project_id: int, action: str) -> str | None:
    """The state the project was in when `action` was last taken."""
    return session.scalar(
        select(CoopProjectEvent.from_state)
        .where(CoopProjectEvent.project_id == project_id, CoopProjectEvent.action == action)
        .order_by(CoopProjectEvent.seq.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Filter:
    """The pipeline's filters (None: any)."""

    event_id: int | None = None
    country: str | None = None
    chain: str | None = None
    stage: str | None = None


def _filtered(stmt: Any, f: Filter) -> Any:
    if f.event_id is not None:
        stmt = stmt.where(CoopProject.event_id == f.event_id)
    if f.country is not None:
        stmt = stmt.where(CoopProject.partner_country == f.country)
    if f.chain is not None:
        stmt = stmt.where(CoopProject.chain_code == f.chain)
    if f.stage is not None:
        stmt = stmt.where(CoopProject.state == f.stage)
    return stmt


def pipeline(
    session: Session, principal: Principal, f: Filter, now: datetime, limit: int = 500
) -> list[CoopProject]:
    """The projects, the stuck ones first: stalled, then those past their review date, then
    by next review."""
    stuck = case(
        (CoopProject.state == "stalled", 0),
        ((CoopProject.open.is_(True)) & (CoopProject.next_review < now), 1),
        (CoopProject.open.is_(True), 2),
        else_=3,
    )
    stmt = PROJECTS.apply(select(CoopProject), principal)
    stmt = _filtered(stmt, f).order_by(stuck, CoopProject.next_review, CoopProject.id)
    return list(session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class Funnel:
    """How many projects were signed, reached each stage (whatever they are now), and are now
    stalled or cancelled."""

    signed: int = 0
    registered: int = 0
    started: int = 0
    operating: int = 0
    stalled: int = 0
    cancelled: int = 0


def _reached(col: Any) -> Any:
    return func.sum(case((col.is_not(None), 1), else_=0))


def _now_in(state: str) -> Any:
    return func.sum(case((CoopProject.state == state, 1), else_=0))


def funnels(
    session: Session, principal: Principal, f: Filter, by_event: bool = False
) -> dict[int | None, Funnel]:
    """The funnel of the filtered projects (key None), or one per event signed at (by_event)."""
    key = CoopProject.event_id if by_event else literal(None)
    stmt = PROJECTS.apply(
        select(key.label("k"), func.count(), _reached(CoopProject.registered_on),
               _reached(CoopProject.started_on), _reached(CoopProject.operating_on),
               _now_in("stalled"), _now_in("cancelled")),
        principal,
    )  # fmt: skip
    if by_event:
        stmt = stmt.where(CoopProject.event_id.is_not(None)).group_by(CoopProject.event_id)
    out: dict[int | None, Funnel] = {}
    for k, *n in session.execute(_filtered(stmt, f)):
        if n[0]:
            out[k] = Funnel(*(int(x or 0) for x in n))
    return out


def by_country(session: Session, principal: Principal) -> dict[str, tuple[int, int]]:
    """Country → (overseas centres, cooperation projects)."""
    out: dict[str, list[int]] = {}
    for c, n in session.execute(
        select(OverseasCentre.country, func.count()).group_by(OverseasCentre.country)
    ):
        out.setdefault(c, [0, 0])[0] = int(n)
    base: Any = select(CoopProject.partner_country, func.count())
    stmt = PROJECTS.apply(base, principal)
    for c, n in session.execute(stmt.group_by(CoopProject.partner_country)):
        out.setdefault(c, [0, 0])[1] = int(n)
    return {c: (v[0], v[1]) for c, v in out.items()}


def platform_chains(session: Session) -> list[list[str]]:
    """The chains each platform serves."""
    return [list(c or []) for c in session.scalars(select(InnovationPlatform.chains))]


def counts(session: Session) -> dict[str, int]:
    """Rows in each register (projects: all of them)."""
    return {k: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for k, m in MODELS.items()}  # fmt: skip
