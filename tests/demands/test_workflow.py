"""The demand workflow: filing, routing, every transition, clocks, scope, the event log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from highland.demands import attachments, reference, repository, service
from highland.demands.models import Attachment, Demand, DemandEvent
from highland.demands.workflow import TRANSITIONS, Action, Part, State, allowed_actions
from highland.platform.audit.models import AuditEntry
from highland.platform.audit.service import Actor
from highland.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from highland.platform.identity.permissions import Principal
from highland.platform.kit.dates import CITY_TZ
from tests.conftest import ACTOR
from tests.demands.world import T0, World, build, data


def actor(p: Principal) -> Actor:
    return Actor(p.username, p.role.value, "ui")


@pytest.fixture
def w(db, sessions) -> World:  # type: ignore[no-untyped-def]
    return build(db, sessions)


def sh(y: int, m: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=CITY_TZ)


def counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        db.scalar(select(func.count()).select_from(Demand)),
        db.scalar(select(func.count()).select_from(DemandEvent)),
        db.scalar(select(func.count()).select_from(Attachment)),
    )


def filed(db, w: World, **kw):  # type: ignore[no-untyped-def]
    return service.file_demand(
        db, w.analyst, actor(w.analyst), data(w.b, **kw), dispatch=True, now=T0
    )


def step(db, p: Principal, d: Demand, action: str, at: datetime, **payload):  # type: ignore[no-untyped-def]
    return service.act(db, p, actor(p), d.id, action, version=d.version, data=payload, now=at)


# ---------------------------------------------------------------- filing and routing


def test_dispatch_routes_by_category_and_district_and_starts_both_clocks(db, w: World) -> None:
    d = filed(db, w)
    assert d.state == "dispatched" and d.institution_code == "T-LAND"
    assert d.co_handlers == ["T-GOV"]
    # land: respond in 1 working day, resolve in 10. From Friday 2026-02-13: the next
    # working day is the make-up Saturday 2026-02-14; then the Spring Festival holiday.
    assert d.response_due == sh(2026, 2, 14, 23, 59, 59)
    assert d.resolution_due.astimezone(CITY_TZ).date().isoformat() == "2026-03-05"
    assert d.warn_at.astimezone(CITY_TZ).date().isoformat() == "2026-03-04"
    assert [e.action for e in service.events(db, d.id)] == ["submit", "dispatch"]


def test_fallback_route_when_district_has_no_row(db, w: World) -> None:
    d = filed(db, w, category="talent")
    assert d.institution_code == "T-HR" and d.co_handlers == []


def test_enterprise_files_its_own_and_clocks_wait_for_dispatch(db, w: World) -> None:
    d = service.file_demand(db, w.owner_b, actor(w.owner_b), data(w.b), now=T0)
    assert d.state == "submitted" and d.source == "enterprise"
    assert d.response_due is None and d.resolution_due is None
    later = T0 + timedelta(days=3)
    d = step(db, w.analyst, d, "dispatch", later)
    assert d.dispatched_at == later  # the clock starts at dispatch, not at filing


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"category": "nope"}, "category", "unknown category 'nope'"),
        ({"enterprise": "91320115MA00000000"}, "enterprise", "no enterprise with USCC"),
        ({"title": "  "}, "title", "is required"),
        ({"title": "长" * 201}, "title", "at most 200"),
        ({"priority": "asap"}, "priority", "'asap' is not one of"),
        ({"tags": ["a b"]}, "tags", "not a tag"),
        ({"chain_id": 0}, "chain", "not a chain id"),
        ({"meeting_id": 999}, "meeting", "no meeting 999"),
    ],
)
def test_bad_demand_input_says_what_and_where_and_writes_nothing(
    db, w: World, over, field, words
) -> None:
    before = counts(db)
    with pytest.raises(InvalidInput) as exc:
        service.file_demand(db, w.analyst, actor(w.analyst), data(w.b, **over), now=T0)
    assert exc.value.field == field and words in exc.value.message
    db.rollback()
    assert counts(db) == before


def test_enterprise_cannot_file_for_another(db, w: World) -> None:
    with pytest.raises(InvalidInput, match="only for your own enterprise"):
        service.file_demand(db, w.owner_b, actor(w.owner_b), data(w.a), now=T0)


def test_roles_that_may_not_file(db, w: World) -> None:
    for p in (w.land, w.leader):
        with pytest.raises(Forbidden):
            service.file_demand(db, p, actor(p), data(w.b), now=T0)


def test_no_routing_row_is_a_clear_error(db, w: World) -> None:
    reference.delete_route(db, ACTOR, "talent", "*")
    with pytest.raises(InvalidInput, match="no routing for category 'talent'"):
        filed(db, w, category="talent")


def test_attachments_are_checked_before_anything_is_written(db, w: World, monkeypatch) -> None:
    ok = attachments.Upload("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    d = service.file_demand(db, w.owner_b, actor(w.owner_b), data(w.b), [ok], now=T0)
    db.commit()
    assert db.scalar(select(Attachment.filename).where(Attachment.demand_id == d.id)) == (
        "现场照片.png"
    )
    before = counts(db)
    bad = [
        (attachments.Upload("a.exe", b"MZ..."), "type '.exe' is not accepted"),
        (attachments.Upload("a.pdf", b"not a pdf"), "the content is not a .pdf file"),
        (attachments.Upload("a.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "over the 10 MB"),
        (attachments.Upload("a.txt", b""), "the file is empty"),
        (attachments.Upload("../x.pdf\x00", b"%PDF-1"), "not a usable file name"),
    ]
    for upload, words in bad:
        with pytest.raises(InvalidInput, match=words.replace(".", r"\.")):
            service.file_demand(db, w.owner_b, actor(w.owner_b), data(w.b), [ok, upload], now=T0)
        db.rollback()
        assert counts(db) == before


# ---------------------------------------------------------------- the whole path


def test_full_path_to_confirmation_with_every_event_logged(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.land, d, "accept", sh(2026, 2, 14, 9))
    assert d.responded_on_time is True
    d = step(db, w.land, d, "start", sh(2026, 2, 24))
    d = step(db, w.land, d, "resolve", sh(2026, 2, 26), resolution="已协调新增用地指标 30 亩。")
    assert d.resolved_on_time is True and d.open
    d = step(
        db, w.owner_b, d, "confirm", sh(2026, 2, 27), verdict="solved", rating=5, comment="感谢"
    )
    assert d.state == "confirmed" and not d.open and d.closed_at == sh(2026, 2, 27)
    log = service.events(db, d.id)
    assert [e.action for e in log] == [
        "submit",
        "dispatch",
        "accept",
        "start",
        "resolve",
        "confirm",
    ]
    assert [e.seq for e in log] == [1, 2, 3, 4, 5, 6]
    assert log[-1].data == {"verdict": "solved", "rating": 5, "comment": "感谢"}
    assert d.version == 5


def test_late_response_and_resolution_are_recorded(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.land, d, "accept", sh(2026, 2, 24, 9))  # after the holiday: late
    assert d.responded_on_time is False
    d = step(db, w.land, d, "resolve", sh(2026, 3, 6, 9), resolution="done")
    assert d.resolved_on_time is False


def test_not_solved_reopens_and_restarts_the_handlers_clock(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.land, d, "accept", sh(2026, 2, 14))
    d = step(db, w.land, d, "resolve", sh(2026, 2, 25), resolution="已答复")
    reopened_at = sh(2026, 3, 2, 15)
    d = step(db, w.owner_b, d, "confirm", reopened_at, verdict="not", rating=1, comment="没有解决")
    assert d.state == "reopened" and d.open and d.reopens == 1
    assert d.clock_start == reopened_at
    # 10 working days from Monday 2026-03-02: 2026-03-16.
    assert d.resolution_due == sh(2026, 3, 16, 23, 59, 59)
    assert d.resolved_at is None and d.resolved_on_time is None
    d = step(db, w.land, d, "start", sh(2026, 3, 3))
    d = step(db, w.land, d, "resolve", sh(2026, 3, 10), resolution="补充协调")
    d = step(db, w.owner_b, d, "confirm", sh(2026, 3, 11), verdict="partly", rating=3)
    assert d.state == "confirmed" and d.verdict == "partly"


def test_waiting_pauses_both_clocks_by_the_working_days_waited(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.land, d, "accept", sh(2026, 2, 14))
    due = d.resolution_due
    d = step(db, w.land, d, "wait", sh(2026, 2, 24, 9), reason="请企业补充规划图纸")
    assert d.state == "waiting"
    # Resumed by the enterprise three working days later (Wed 24 → Fri 27 February).
    d = step(db, w.owner_b, d, "resume", sh(2026, 2, 27, 16), note="已上传图纸")
    assert d.state == "accepted" and d.paused_days == 3
    assert d.resolution_due.astimezone(CITY_TZ).date().isoformat() == "2026-03-10"
    assert due.astimezone(CITY_TZ).date().isoformat() == "2026-03-05"
    assert service.events(db, d.id)[-1].data["paused_working_days"] == 3


def test_return_within_two_working_days_counts_against_the_router(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.land, d, "return", sh(2026, 2, 24, 9), reason="属于区政府办职责")
    assert d.state == "returned" and d.returns == 1 and d.institution_code is None
    ev = service.events(db, d.id)[-1]
    assert ev.data["router"] == "analyst" and ev.data["institution"] == "T-LAND"
    # Re-dispatched by hand: the clocks do not restart.
    due = d.resolution_due
    d = step(db, w.analyst, d, "dispatch", sh(2026, 2, 24, 11), institution="T-GOV")
    assert d.institution_code == "T-GOV" and d.resolution_due == due


def test_return_after_two_working_days_is_refused(db, w: World) -> None:
    d = filed(db, w)  # reached T-LAND on Fri 13 Feb; Sat 14 and Tue 24 are the two days
    with pytest.raises(Conflict, match="within 2 working days"):
        step(db, w.land, d, "return", sh(2026, 2, 25, 9), reason="不是我们的")


def test_transfer_keeps_the_clock_and_moves_scope(db, w: World) -> None:
    d = filed(db, w)
    due = d.resolution_due
    d = step(
        db, w.analyst, d, "transfer", sh(2026, 2, 14), institution="T-HR", reason="涉及人才公寓"
    )
    assert d.state == "transferred" and d.institution_code == "T-HR" and d.resolution_due == due
    with pytest.raises(NotFound):
        repository.demand(db, w.land, d.id)
    d = step(db, w.hr, d, "accept", sh(2026, 2, 14, 12))
    assert d.state == "accepted"


def test_recategorise_reroutes_and_is_logged(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.analyst, d, "recategorise", sh(2026, 2, 14), category="financing")
    assert d.category_code == "financing" and d.institution_code == "T-FIN"
    assert d.state == "transferred" and d.co_handlers == ["T-BANK"]
    ev = service.events(db, d.id)[-1]
    assert ev.action == "recategorise"
    assert ev.data == {
        "from": "land",
        "to": "financing",
        "institution_from": "T-LAND",
        "institution_to": "T-FIN",
        "limits": [1, 5],
        "deadlines": {
            "response_due": "2026-02-14T23:59:59+08:00",
            "resolution_due": "2026-02-27T23:59:59+08:00",
            "resolution_due_original": "2026-02-27T23:59:59+08:00",
        },
    }
    audit = db.scalars(
        select(AuditEntry).where(AuditEntry.entity == "demand", AuditEntry.entity_key == str(d.id))
    ).all()
    # Every event of the demand is in the audit log too, the recategorisation with its data.
    assert [a.action for a in audit] == [e.action for e in service.events(db, d.id)]
    assert (audit[-1].action, audit[-1].before) == ("recategorise", {"state": "dispatched"})
    assert audit[-1].after == {"state": "transferred", "event": ev.seq, **ev.data}
    # financing resolves in 5 working days from the original dispatch: Sat 14 (make-up day),
    # then Tue 24 to Fri 27 February after the Spring Festival.
    assert d.resolution_due.astimezone(CITY_TZ).date().isoformat() == "2026-02-27"


def test_withdraw_by_the_enterprise(db, w: World) -> None:
    d = filed(db, w)
    d = step(db, w.owner_b, d, "withdraw", sh(2026, 2, 14), reason="已自行解决")
    assert d.state == "withdrawn" and not d.open


# ---------------------------------------------------------------- refusals


def test_illegal_transition_says_what_is_allowed(db, w: World) -> None:
    d = filed(db, w)
    db.commit()
    before = counts(db)
    with pytest.raises(Conflict) as exc:
        step(db, w.land, d, "resolve", sh(2026, 2, 14), resolution="x")
    assert "cannot resolve a demand that is dispatched" in exc.value.message
    assert "accept" in exc.value.message
    db.rollback()
    assert counts(db) == before


def test_wrong_part_is_forbidden(db, w: World) -> None:
    d = filed(db, w)
    with pytest.raises(Forbidden, match="may be done only by"):
        step(db, w.owner_b, d, "accept", sh(2026, 2, 14))


def test_missing_inputs_and_bad_values(db, w: World) -> None:
    d = filed(db, w)
    with pytest.raises(InvalidInput, match="reason: is required"):
        step(db, w.land, d, "return", sh(2026, 2, 14))
    with pytest.raises(InvalidInput, match="unknown action 'close'"):
        step(db, w.land, d, "close", sh(2026, 2, 14))
    d = step(db, w.land, d, "accept", sh(2026, 2, 14))
    d = step(db, w.land, d, "resolve", sh(2026, 2, 24), resolution="ok")
    for payload, words in (
        ({"verdict": "great", "rating": 5}, "verdict: 'great'"),
        ({"verdict": "solved", "rating": 6}, "rating: 6 is outside 1–5"),
        ({"verdict": "solved", "rating": "x"}, "rating: 'x' is not a whole number"),
    ):
        with pytest.raises(InvalidInput, match=words):
            step(db, w.owner_b, d, "confirm", sh(2026, 2, 25), **payload)


def test_stale_version_gets_409_and_changes_nothing(db, w: World) -> None:
    d = filed(db, w)
    old = d.version
    step(db, w.land, d, "accept", sh(2026, 2, 14))
    before = counts(db)
    with pytest.raises(Conflict) as exc:
        service.act(db, w.land, actor(w.land), d.id, "start", version=old, now=sh(2026, 2, 14))
    assert exc.value.status_code == 409
    assert f"you have version {old}, it is now version {old + 1}" in exc.value.message
    assert counts(db) == before


def test_out_of_scope_is_not_found(db, w: World) -> None:
    d = filed(db, w)
    for p in (w.owner_a, w.hr):
        with pytest.raises(NotFound):
            repository.demand(db, p, d.id)
        with pytest.raises(NotFound):
            step(db, p, d, "accept", sh(2026, 2, 14))
    # Co-handlers see it but do not handle it.
    gov = Principal(user_id=0, username="gov", role=w.land.role, institution_code="T-GOV")
    assert repository.demand(db, gov, d.id).id == d.id
    assert service.actions_for(gov, d) == []
    for p in (w.owner_b, w.land, w.leader, w.team, w.analyst):
        assert repository.demand(db, p, d.id).id == d.id


def test_lists_are_scoped(db, w: World) -> None:
    mine = filed(db, w)
    other = service.file_demand(
        db, w.analyst, actor(w.analyst), data(w.a, category="talent"), dispatch=True, now=T0
    )

    def ids(p: Principal) -> set[int]:
        return set(db.scalars(repository.demands(p, repository.DemandFilter())))

    assert {d.id for d in ids(w.owner_b)} == {mine.id}
    assert {d.id for d in ids(w.land)} == {mine.id}
    assert {d.id for d in ids(w.hr)} == {other.id}
    assert {d.id for d in ids(w.leader)} >= {mine.id, other.id}
    # T-GOV co-handles land demands in 320115: its queue lists them (read-only).
    gov = Principal(user_id=0, username="gov", role=w.land.role, institution_code="T-GOV")
    assert {d.id for d in ids(gov)} == {mine.id}
    # A code that differs only where LIKE has wildcards matches nothing.
    near = Principal(user_id=0, username="x", role=w.land.role, institution_code="T_GOV")
    assert ids(near) == set()


def test_event_log_is_append_only_in_the_database(db, w: World) -> None:
    d = filed(db, w)
    for sql in ("UPDATE demand_event SET actor = 'x'", "DELETE FROM demand_event"):
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text(sql))
    assert len(service.events(db, d.id)) == 2


def test_reference_changes_are_audited(db, w: World) -> None:
    n = db.scalar(select(func.count()).select_from(AuditEntry))
    reference.set_route(db, ACTOR, {"category": "talent", "district": "320115", "lead": "T-GOV"})
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == n + 1


def test_declared_machine_reaches_every_state_and_finals_are_final() -> None:
    reached = {State.submitted} | {t.to for t in TRANSITIONS.values() if t.to}
    reached |= {State.confirmed, State.reopened}  # confirm's two outcomes
    assert reached == set(State)
    assert Action.accept in allowed_actions("dispatched", frozenset({Part.handler}))
    assert allowed_actions("confirmed", frozenset(Part)) == []
    assert allowed_actions("withdrawn", frozenset(Part)) == []


def test_the_log_keeps_the_limits_it_used_when_an_admin_changes_them(db, w: World) -> None:
    from highland.demands.metrics import replay

    d = filed(db, w)
    assert service.events(db, d.id)[-1].data["limits"] == [1, 10]
    reference.upsert_category(
        db,
        ACTOR,
        {"code": "land", "name": "土地", "name_en": "Land", "response_days": 3,
         "resolution_days": 30},
    )  # fmt: skip
    again = replay(db, [d.id])[d.id]
    assert again.resolution_due == d.resolution_due and again.response_due == d.response_due
