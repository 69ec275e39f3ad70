"""The demo's chain members: reference figures and prospects, suggestions for every chain and
the strong ones accepted (industry class matches, confidence ≥ 80) — once, on an empty
mapping."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains.analytics import reference_data
from highland.chains.demo_data import REFERENCE
from highland.chains.mapping import service as mapping
from highland.chains.models import EnterpriseSegment, ReferenceFigure
from highland.platform.audit.service import Actor


def load_demo_members(session: Session, actor: Actor) -> int | None:
    """Load the demo reference data when there is none, then suggest and accept members;
    the number accepted, or None when the mapping had members already."""
    if session.scalar(select(ReferenceFigure.id).limit(1)) is None:
        for name, load in (
            ("reference_figures.csv", reference_data.load_reference),
            ("prospects.csv", reference_data.load_prospects),
        ):
            load(session, actor, (REFERENCE / name).read_bytes(), name)
    if session.scalar(select(EnterpriseSegment.id).limit(1)) is not None:
        return None
    mapping.suggest(session, actor)
    accepted = 0
    for chain_id, segment in session.execute(
        select(EnterpriseSegment.chain_id, EnterpriseSegment.segment_code).distinct()
    ).all():
        accepted += mapping.decide(
            session, actor, chain_id, "accept", segment=segment, min_confidence=80
        )
    return accepted
