"""Demand data for page, access and browser tests: the demo reference data (Jiangning's
institutions, categories and routing), calendar years after the packaged ones, and demands
filed from meetings through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from highland.demands import attachments as files
from highland.demands.meetings.service import MeetingInput, create_meeting
from highland.demands.reference import load_reference
from highland.demands.service import DemandInput
from highland.platform.audit.service import Actor
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit import clock

ACTOR = Actor("tester", "admin", "cli")
STAFF = Principal(user_id=0, username="tester", role=Role.admin)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def reference_text() -> str:
    """The demo reference YAML of the demands module."""
    return resources.files("highland.demands.demo").joinpath("reference.yaml").read_text("utf-8")


def seed_reference(session: Session) -> None:
    """Categories, institutions and routing. (Years after the packaged schedule need no
    fixture: they are provisional, counted with the statutory holidays.)"""
    load_reference(session, ACTOR, reference_text(), "demo_reference.yaml")
    session.flush()


def meeting_with(
    session: Session,
    rows: list[tuple[str, str, str]],
    *,
    title: str = "区领导早餐会",
    dispatch: bool = True,
    attach: bool = True,
) -> tuple[int, list[int], list[int]]:
    """A meeting with demands (uscc, category, title), dispatched; each with a PDF attached.

    Returns the meeting id, the demand ids and the attachment ids.
    """
    m = MeetingInput(
        title=title,
        held_at=clock.now_local() - timedelta(days=1),
        place="江宁区行政中心",
        leader="区长",
        attendees=[r[0] for r in rows],
    )
    inputs = [
        DemandInput(enterprise=u, category=c, title=t, description=f"{t}：详细情况说明。")
        for u, c, t in rows
    ]
    meeting, demands = create_meeting(session, STAFF, ACTOR, m, inputs, dispatch=dispatch)
    att_ids: list[int] = []
    if attach:
        from sqlalchemy import select

        from highland.demands.models import Attachment

        for d in demands:
            files.store(session, d.id, [files.check(files.Upload("材料.pdf", PDF))], ACTOR)
        session.flush()
        att_ids = [
            a
            for d in demands
            for a in session.scalars(select(Attachment.id).where(Attachment.demand_id == d.id))
        ]
    return meeting.id, [d.id for d in demands], att_ids


def today() -> date:
    """Today in Shanghai."""
    return clock.today_local()


def world_demands(session: Session, a: str, b: str) -> dict[str, Any]:
    """For the access test: B's demand at 320115-ZRZY (land), A's at 320115-JRJ (financing),
    each from its own meeting, each with one attachment; keyed by USCC."""
    seed_reference(session)
    mb, (db_,), (ab,) = meeting_with(session, [(b, "land", "扩产用地需求")], title="B 座谈")
    ma, (da,), (aa,) = meeting_with(session, [(a, "financing", "流动资金贷款")], title="A 座谈")
    return {
        "demands": {a: da, b: db_},
        "meetings": {a: ma, b: mb},
        "attachments": {a: aa, b: ab},
    }
