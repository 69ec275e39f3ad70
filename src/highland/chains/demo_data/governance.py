"""The demo's monthly scheduling (月度调度): a year of chain history and two records a chain.

The demo accepts its chain members when it is built; so that the trends have a history, the
decision times of those links are spread over the past twelve months (by enterprise id), as
for a chain mapped over a year. Then each of the eight chains gets the scheduling records of
the two months before the current one, with decisions that become tasks in several states —
all through the governance service, so the records hold the indicators as of their month.
Loaded once: nothing is done when any chain already has a record. The names are made up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.governance import service as gov
from highland.chains.models import Chain, ChainMeeting, EnterpriseSegment, Segment
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.db import utcnow
from highland.platform.errors import HighlandError
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ

HISTORY_MONTHS = 12
PLACE = "区政府第三会议室（示例）"
ATTENDEES = "区工信局、区科技局、区发改委、区自然资源和规划分局、相关园区（示例）"


def shift(month: str, months: int) -> str:
    """The month `months` after (negative: before) a YYYY-MM month."""
    year, mon = indicators.parse_month(month)
    index = year * 12 + (mon - 1) + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def _first_day(month: str) -> datetime:
    year, mon = indicators.parse_month(month)
    return datetime(year, mon, 1, 9, 0, tzinfo=CITY_TZ)


def _spread_history(session: Session, this: str) -> None:
    """Accepted links decided over the past year: enterprise id modulo 12 = months ago."""
    es = EnterpriseSegment
    for back in range(HISTORY_MONTHS):
        session.execute(
            update(es)
            .where(es.status == "accepted", es.enterprise_id % HISTORY_MONTHS == back)
            .values(decided_at=_first_day(shift(this, -back)))
        )


def _focus(session: Session, chain: Chain) -> str:
    """The segment the decisions are about: the first bottleneck, else the first segment."""
    rows = session.execute(
        select(Segment.name, Segment.bottleneck)
        .where(Segment.version_id == chain.version_id)
        .order_by(Segment.position, Segment.code)
    ).all()
    names = [n for n, neck in rows if neck] or [n for n, _ in rows]
    return names[0] if names else chain.name


def _decisions(chain: Chain, focus: str, institution: str | None) -> list[gov.DecisionInput]:
    return [
        gov.DecisionInput(title=f"走访{chain.name}重点企业，梳理用地与融资需求",
                          owner_institution=institution, owner_name="张科长（示例）",
                          working_days=10),
        gov.DecisionInput(title=f"形成“{focus}”环节补链招商清单", owner_name="李主任（示例）",
                          working_days=20),
        gov.DecisionInput(title=f"报送{chain.name}产业链月度运行分析", owner_name="王科长（示例）",
                          working_days=5),
    ]  # fmt: skip


def _record(
    session: Session, chain: Chain, month: str, institution: str | None, now: datetime
) -> list[Any]:
    admin = Principal(user_id=0, username="demo", role=Role.admin)
    actor = Actor("demo", None, "system")
    focus = _focus(session, chain)
    year, mon = indicators.parse_month(month)
    data = gov.MeetingInput(
        month=month, held_at=datetime(year, mon, 25, 9, 30, tzinfo=CITY_TZ), place=PLACE,
        chaired_by=f"{chain.name}产业链链长（示例）", attendees=ATTENDEES,
        matters=f"一、通报本月{chain.name}产业链运行情况；\n二、研究“{focus}”环节补链招引；\n"
                "三、协调重点企业用地、融资与人才需求。",
    )  # fmt: skip
    _, tasks = gov.create_meeting(
        session, admin, actor, chain.id, data, _decisions(chain, focus, institution), now
    )
    return [admin, actor, tasks]


def load_demo_governance(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Spread the accepted links over a year and record the two months before this one for
    every chain; counts of records and tasks (zeros when any record exists already)."""
    if session.scalar(select(ChainMeeting.id).limit(1)) is not None:
        return {"records": 0, "tasks": 0}
    now = now or utcnow()
    this = indicators.current_month(now)
    _spread_history(session, this)
    institution = institutions.first_code(session)
    records = tasks = 0
    chains = session.scalars(select(Chain).where(Chain.retired.is_(False)).order_by(Chain.id))
    for chain in chains.all():
        for back, acts in ((2, (("done", 0), ("confirm", 0))), (1, (("start", 0), ("done", 2)))):
            try:
                with session.begin_nested():
                    admin, actor, made = _record(
                        session, chain, shift(this, -back), institution, now
                    )
                    for action, index in acts:
                        task = made[index]
                        extra = {"result": "已完成（示例）"} if action == "done" else None
                        gov.act(session, admin, actor, task.id, action, version=task.version,
                                data=extra, now=now)  # fmt: skip
                    if back == 1:  # the last report: confirmed as well
                        task = made[2]
                        gov.act(session, admin, actor, task.id, "confirm", version=task.version,
                                now=now)  # fmt: skip
            except HighlandError:
                continue  # a record the demo cannot make (a year without a notice is not one)
            records += 1
            tasks += len(made)
    return {"records": records, "tasks": tasks}
