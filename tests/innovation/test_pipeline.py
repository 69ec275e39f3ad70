"""The project pipeline on the workflow engine: stages in order with their dates, stalls with a
reason and back, who may act, who sees what, the review sweep and the leader's view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.innovation import repository
from highland.innovation.models import CoopProject
from highland.innovation.pipeline import service, view
from highland.innovation.pipeline.sweep import sweep_projects
from highland.innovation.registry import service as registry
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Principal, Role
from highland.platform.notices.models import Notification
from highland.platform.notices.service import text
from highland.platform.web.i18n import error_text
from tests.conftest import ACTOR
from tests.innovation.world import (
    ADMIN,
    HANDLER,
    LEADER,
    NOW,
    OTHER_HANDLER,
    World,
    build,
    project_data,
)


@pytest.fixture
def w(sessions: sessionmaker[Session], db: Session) -> World:
    return build(sessions, db)


def _new(db: Session, w: World, **over: str) -> CoopProject:
    p: CoopProject = registry.add(db, ACTOR, "projects", project_data(w.a.uscc, **over), now=NOW)
    return p


def _act(
    db: Session, p: CoopProject, action: str, who: Principal = ADMIN, **data: str
) -> CoopProject:
    return service.act(db, who, ACTOR, p.id, action, version=p.version, data=data, now=NOW)


def test_a_project_moves_through_its_stages_with_dates(db: Session, w: World) -> None:
    p = _new(db, w)
    _act(db, p, "register", on="2024-09-01")
    _act(db, p, "start", on="2025-03-01")
    _act(db, p, "operate", on="2025-10-01")
    assert p.state == "operating" and not p.open
    assert (str(p.registered_on), str(p.started_on), str(p.operating_on)) == (
        "2024-09-01",
        "2025-03-01",
        "2025-10-01",
    )
    assert p.next_review is None
    log = [e.action for e in repository.project_events(db, p.id)]
    assert log == ["sign", "register", "start", "operate"]


def test_a_stage_out_of_order_is_refused_and_nothing_written(db: Session, w: World) -> None:
    p = _new(db, w)
    with pytest.raises(Conflict) as info:
        _act(db, p, "start", on="2025-03-01")
    assert info.value.code == "innovation.project.wrong_state"
    db.refresh(p)
    assert p.state == "signed" and p.started_on is None and p.version == 1
    assert "已签约" in error_text("zh-CN", info.value)
    assert "Signed" in error_text("en", info.value)


def test_a_date_before_signing_is_refused(db: Session, w: World) -> None:
    p = _new(db, w)
    with pytest.raises(InvalidInput) as info:
        _act(db, p, "register", on="2024-06-01")
    assert info.value.code == "innovation.before_signing" and info.value.field == "on"
    assert "2024-06-12" in error_text("zh-CN", info.value)


def test_a_date_before_the_previous_stage_or_in_future_is_refused(db: Session, w: World) -> None:
    p = _new(db, w)
    _act(db, p, "register", on="2025-01-10")
    with pytest.raises(InvalidInput) as info:
        _act(db, p, "start", on="2024-12-01")
    assert info.value.code == "innovation.before_previous"
    with pytest.raises(InvalidInput) as info:
        _act(db, p, "start", on=str((NOW + timedelta(days=3)).date()))
    assert info.value.code == "innovation.future_date"
    with pytest.raises(InvalidInput) as info:
        _act(db, p, "start", on="2025-13-01")
    assert info.value.code == "innovation.bad_date"


def test_a_stall_needs_a_reason_and_resumes_where_it_stalled(db: Session, w: World) -> None:
    p = _new(db, w)
    _act(db, p, "register", on="2024-09-01")
    with pytest.raises(InvalidInput) as info:
        _act(db, p, "stall")
    assert info.value.code == "innovation.project.required_for"
    _act(db, p, "stall", reason="外方预算冻结", on="2025-02-01")
    assert p.state == "stalled" and p.reason == "外方预算冻结" and p.open
    _act(db, p, "resume")
    assert p.state == "registered" and p.reason is None


def test_a_stale_version_is_refused(db: Session, w: World) -> None:
    p = _new(db, w)
    with pytest.raises(Conflict) as info:
        service.act(db, ADMIN, ACTOR, p.id, "review", version=p.version + 1, now=NOW)
    assert info.value.code == "innovation.project.stale"


def test_the_follow_up_institution_may_move_it_but_not_cancel_it(db: Session, w: World) -> None:
    p = _new(db, w)
    _act(db, p, "register", HANDLER, on="2024-09-01")
    assert p.state == "registered"
    with pytest.raises(Forbidden):
        _act(db, p, "cancel", HANDLER, reason="x")
    with pytest.raises(Forbidden):
        _act(db, p, "start", OTHER_HANDLER)
    with pytest.raises(Forbidden):
        _act(db, p, "start", LEADER)
    assert service.allowed_actions(LEADER, p) == []


def test_projects_are_visible_to_staff_and_to_their_enterprise_only(db: Session, w: World) -> None:
    p = _new(db, w)
    mine = Principal(user_id=0, username="a", role=Role.enterprise, enterprise_id=w.a.id)
    other = Principal(user_id=0, username="b", role=Role.enterprise, enterprise_id=w.b.id)
    assert repository.project(db, LEADER, p.id) is not None
    assert repository.project(db, mine, p.id) is not None
    assert repository.project(db, other, p.id) is None
    assert repository.listed(db, other, "projects") == []
    with pytest.raises(NotFound):
        service.act(db, other, ACTOR, p.id, "review", version=p.version, now=NOW)


def test_assigning_needs_a_known_institution(db: Session, w: World) -> None:
    p = _new(db, w)
    with pytest.raises(InvalidInput) as info:
        _act(db, p, "assign", owner_institution="NOPE")
    assert info.value.code == "innovation.unknown_institution"
    _act(db, p, "assign", owner_institution="320115-SWJ")
    assert p.owner_institution == "320115-SWJ"


def test_overdue_reviews_are_swept_notified_and_escalated(db: Session, w: World) -> None:
    kjj = identity.create_user(db, ACTOR, username="u_kjj", password="password-123",
                               role="handler", institution_code="320115-KJJ")  # fmt: skip
    boss = identity.create_user(db, ACTOR, username="u_boss", password="password-123",
                                role="leader")  # fmt: skip
    p = _new(db, w)
    assert p.next_review is not None and p.escalate_at is not None
    assert sweep_projects(db, p.next_review - timedelta(hours=1))[:2] == (0, 0)
    assert sweep_projects(db, p.next_review + timedelta(hours=1))[:2] == (1, 0)
    assert sweep_projects(db, p.next_review + timedelta(hours=2))[:2] == (0, 0)  # once
    assert sweep_projects(db, p.escalate_at + timedelta(hours=1))[:2] == (0, 1)
    notes = list(db.scalars(select(Notification)))
    kinds = {(n.user_id, n.kind) for n in notes}
    for n in notes:
        for lang in ("zh-CN", "en"):
            subject, body = text(lang, n.kind, n.params or {})
            assert "{" not in subject + body and "博世" in subject + body + str(n.params)
    overdue = next(n for n in notes if n.kind == "innovation.review_overdue")
    assert "区科学技术局" in text("zh-CN", overdue.kind, overdue.params)[1]
    assert (kjj.id, "innovation.review_overdue") in kinds
    assert (boss.id, "innovation.escalation") in kinds
    db.refresh(p)
    actions = [e.action for e in repository.project_events(db, p.id)]
    assert actions[-2:] == ["review_overdue", "escalation"]
    # A review sets a new date and clears the marks.
    later = p.escalate_at + timedelta(hours=2)
    service.act(db, ADMIN, ACTOR, p.id, "review", version=p.version, now=later)
    assert p.review_breached_at is None and p.escalated_at is None and p.next_review > later


def test_the_leaders_line_counts_signed_started_and_stalled(db: Session, w: World) -> None:
    made = [_new(db, w, title=f"项目{i}") for i in range(5)]
    _act(db, made[0], "register", on="2024-09-01")
    _act(db, made[0], "start", on="2025-03-01")
    _act(db, made[1], "register", on="2024-09-01")
    _act(db, made[1], "start", on="2025-03-01")
    _act(db, made[1], "operate", on="2025-06-01")
    _act(db, made[2], "stall", reason="外方重组", on="2025-01-01")
    _new(db, w, title="无活动", event="")
    f = view.parse_filter(db, "munich-2024", None, None, None)
    v = view.view(db, ADMIN, f, "en", NOW)
    (line,) = v.lines
    assert line.line == "Munich 2024: 5 signed, 2 started, 1 stalled"
    assert view.summary_line("zh-CN", line.event, line.funnel).startswith("2024 南京赴德国慕尼黑")
    assert v.projects[0].id == made[2].id  # the stalled one first
    assert (v.funnel.signed, v.funnel.registered, v.funnel.operating) == (5, 2, 1)
    svg = view.funnel_svg(v.funnel, "zh-CN")
    assert svg.startswith("<svg") and 'data-count="5"' in svg and "<script" not in svg


def test_bad_filters_are_refused(db: Session, w: World) -> None:
    for args, code in (((None, "XX", None, None), "innovation.bad_country"),
                       (("nowhere", None, None, None), "innovation.unknown_event"),
                       ((None, None, None, "flying"), "innovation.bad_choice")):  # fmt: skip
        with pytest.raises(InvalidInput) as info:
            view.parse_filter(db, *args)
        assert info.value.code == code


def test_a_project_links_its_enterprises_demands(db: Session, w: World) -> None:
    from highland.demands import service as demands

    filed = demands.file_demand(
        db, ADMIN, ACTOR,
        demands.DemandInput(enterprise=w.a.uscc, category="land", title="外方专家签证",
                            description="x"),
        dispatch=False,
    )  # fmt: skip
    other = demands.file_demand(
        db, ADMIN, ACTOR,
        demands.DemandInput(enterprise=w.b.uscc, category="land", title="别家的", description="x"),
        dispatch=False,
    )  # fmt: skip
    p = _new(db, w)
    _act(db, p, "link", demand=str(filed.id))
    assert p.demand_ids == [filed.id] and p.state == "signed"
    for value, code in ((str(other.id), "innovation.demand_not_of_enterprise"),
                        (str(filed.id), "innovation.demand_linked"),
                        ("999999", "innovation.unknown_demand")):  # fmt: skip
        with pytest.raises(InvalidInput) as info:
            _act(db, p, "link", demand=value)
        assert info.value.code == code
    assert p.demand_ids == [filed.id]


def test_review_dates_move_with_an_entered_year(db: Session, w: World) -> None:
    from datetime import date, datetime

    from highland.platform.calendar.years import enter_year
    from highland.platform.kit.dates import CITY_TZ

    at = datetime(2027, 1, 4, 10, 0, tzinfo=CITY_TZ)  # a provisional year's first weekdays
    p = registry.add(db, ACTOR, "projects", project_data(w.a.uscc), now=at)
    before = p.next_review
    assert before is not None
    # Every weekday of the review's count off: the review date moves later.
    days = {date(2027, 1, d): (False, "测试假日") for d in (5, 6, 7, 8)}
    moved = enter_year(db, ACTOR, 2027, "test notice", days, now=at)
    assert moved.projects == [p.id]
    db.refresh(p)
    assert p.next_review is not None and p.next_review > before
    assert repository.project_events(db, p.id)[-1].action == "reclock"
