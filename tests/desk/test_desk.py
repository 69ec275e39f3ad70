"""The desks at `/`: what each role sees (real rows in SQLite or PostgreSQL, no mocks), the
city overview's figures checked against the lists they link to, and the JSON twin."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from highland.chains.governance import service as gov
from highland.demands.models import Demand
from highland.enterprises.models import Enterprise, Financial, Qualification
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Principal, Role
from highland.policies import service as policies
from tests.chains.test_indicators import at, build_world
from tests.conftest import ACTOR

pytestmark = pytest.mark.clock_at("2026-10-01 12:00")
ADMIN = Principal(user_id=0, username="tester", role=Role.admin)
ROLES: dict[str, dict[str, Any]] = {
    "admin": {},
    "analyst": {},
    "leader": {},
    "chain_head": {"chain_id": 1},
    "chain_team": {"chain_id": 2},
    "handler": {"institution_code": "320115-ZRZY"},
    "enterprise": {},
}


def _text(resp: Any) -> str:
    assert resp.status_code == 200, resp.text[:500]
    return html.unescape(resp.text)


def _decision(title: str, days: int) -> gov.DecisionInput:
    return gov.DecisionInput(title=title, owner_institution="320115-ZRZY", working_days=days)


def _meeting(month: str, held: Any) -> gov.MeetingInput:
    return gov.MeetingInput(month=month, held_at=held, place="区政府", chaired_by="张链长",
                            attendees="各成员单位", matters="产能")  # fmt: skip


@pytest.fixture
def w(client: Any, db: Session) -> dict[str, Any]:
    """Chains 1 (集成电路) and 2 with members and figures, demands (two at 320115-ZRZY), a 规上
    firm, a high-tech firm, chain tasks (one overdue), the demo policies and an official run;
    a signed-in session per role."""
    gw = build_world(db)
    e1, e2 = gw.ents[1], gw.ents[2]
    big = Enterprise(uscc="91320115MA0000099X", name="规上企业甲", district_code="320115",
                     industry_code="3972", industry_section="C", industry_division="39",
                     founded_on=date(2015, 1, 1), figures_year=2025)  # fmt: skip
    db.add(big)
    db.flush()
    db.add(Financial(enterprise_id=big.id, year=2025, source="test", revenue=2_500_000_000))
    db.get(Enterprise, e2).figures_year = 2025  # 50,000 fen: not 规上  # type: ignore[union-attr]
    db.add(Qualification(enterprise_id=e1, code="high_tech", valid_from=date(2024, 1, 1)))
    e1_2024 = db.query(Financial).filter_by(enterprise_id=e1, year=2024).one()
    e1_2024.output_value, e1_2024.tax_paid = 160_000, 8_000  # 2025: 200,000 and 10,000
    for d in db.query(Demand).filter(Demand.chain_id == 1, Demand.open.is_(True)):
        d.institution_code = "320115-ZRZY"
    db.flush()
    # September's scheduling: a task due on 2 September, overdue now; October's: one running.
    gov.create_meeting(db, ADMIN, ACTOR, 1, _meeting("2026-09", at(2026, 9, 1)),
                       [_decision("报送月度运行分析", 1)], at(2026, 9, 1))  # fmt: skip
    gov.create_meeting(db, ADMIN, ACTOR, 1, _meeting("2026-10", at(2026, 10, 1, 9)),
                       [_decision("走访重点企业", 10)], at(2026, 10, 1, 9))  # fmt: skip
    policies.load_demo_library(db, ACTOR)
    run = policies.run_match(db, date(2026, 10, 1), ACTOR)
    users: dict[str, str] = {}
    for role, extra in ROLES.items():
        if role == "enterprise":
            extra = {"enterprise_id": e1}
        user = identity.create_user(db, ACTOR, username=f"desk_{role}", password="password-1",
                                    role=role, **extra)  # fmt: skip
        users[role] = identity.open_session(db, user, 1)[0]
    db.commit()
    return {"users": users, "gw": gw, "big": big.uscc, "run": run.id}


def _as(client: Any, w: dict[str, Any], role: str) -> None:
    client.cookies.set("highland_session", w["users"][role])


FIGURE = r'<a href="(?P<href>[^"]+)" data-figure="(?P<id>[^"]+)">(?P<value>[^<]+)</a>'
ELIGIBLE = r'<tr data-policy="[^"]+">.*?<td class="mono">v\d+</td><td class="num">([\d,]+)</td>'


def _figures(page: str) -> dict[str, tuple[str, str]]:
    """Each linked figure of a desk: id → (href, value)."""
    return {
        m["id"]: (m["href"], m["value"])
        for m in re.finditer(FIGURE, page)
    }


def _count(page: str, element: str) -> int:
    """The number in the list's count line (`#result-count`, `#demand-count`)."""
    m = re.search(rf'id="{element}"[^>]*>\D*([\d,]+)', page)
    assert m, element
    return int(m.group(1).replace(",", ""))


# --------------------------------------------------------------------------- each role


def test_signing_in_lands_on_the_desk_and_anonymous_is_sent_to_sign_in(
    client: Any, w: dict[str, Any]
) -> None:
    resp = client.get("/", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    _as(client, w, "leader")
    assert 'data-desk="overview"' in _text(client.get("/"))


def test_leader_sees_the_city_overview_each_figure_with_its_date_and_list(
    client: Any, w: dict[str, Any]
) -> None:
    _as(client, w, "leader")
    page = _text(client.get("/"))
    fig = _figures(page)
    assert fig["fig-enterprises"] == ("/enterprises", "6")
    assert fig["fig-above-scale"] == ("/enterprises?scale=above", "1")
    assert fig["fig-qual-high_tech"] == ("/enterprises?qualification=high_tech", "1")
    assert fig["fig-demands-open"] == ("/demands?open=true", "4")
    assert fig["fig-demands-overdue"] == ("/demands?overdue=true", "1")  # the breached one
    assert fig["fig-tasks-overdue"] == ("#chain-figures", "1")
    assert fig["fig-policy-reach"][0] == f"/policy-runs/{w['run']}"
    assert page.count("截至 ") >= len(fig)  # every figure says when it is as of
    # The chains' table: 集成电路 with its output, tax and change on last year (like for like:
    # only E1 reports output and tax in 2024 and 2025: +25%), and the charts.
    row = re.search(r'<tr data-chain="1">.*?</tr>', page, re.S)
    assert row and "集成电路" in row.group(0) and "/chains/1/meetings" in row.group(0)
    assert row.group(0).count("+25.0%") == 2
    assert page.count("<svg") == 2 and "<script" not in page.split("<main ")[1]


def test_the_overview_figures_are_the_totals_of_the_lists_they_link_to(
    client: Any, w: dict[str, Any]
) -> None:
    _as(client, w, "leader")
    fig = _figures(_text(client.get("/")))
    for key, (href, value) in fig.items():
        if href.startswith("/enterprises"):
            assert _count(_text(client.get(href)), "result-count") == int(value), key
        elif href.startswith("/demands"):
            assert _count(_text(client.get(href)), "demand-count") == int(value), key
    run = _text(client.get(fig["fig-policy-reach"][0]))
    eligible = sum(int(n.replace(",", "")) for n in re.findall(ELIGIBLE, run, re.S))
    assert eligible == int(fig["fig-policy-reach"][1].replace(",", ""))


def test_the_overview_api_gives_the_same_figures(client: Any, w: dict[str, Any]) -> None:
    _as(client, w, "leader")
    fig = _figures(_text(client.get("/overview")))
    body = client.get("/api/v1/overview").json()
    assert body["enterprises"]["value"] == int(fig["fig-enterprises"][1])
    assert body["above_scale"] == {"value": 1, "as_of": body["above_scale"]["as_of"],
                                   "link": "/enterprises?scale=above"}  # fmt: skip
    assert body["demands_open"]["value"] == 4 and body["demands_overdue"]["value"] == 1
    assert body["chain_tasks_overdue"]["value"] == 1
    chain = next(c for c in body["chains"] if c["id"] == 1)
    # As of October's end: E2's latest row is 2026's (revenue only), E4 a member since 5 October.
    assert chain["output_fen"] == 200_000 and chain["tax_fen"] == 10_000
    assert chain["overdue_tasks"] == 1 and chain["open_tasks"] == 2
    assert body["policy_pairs"]["link"] == f"/policy-runs/{w['run']}"


def test_handler_sees_its_queue_overdue_first_then_by_deadline(
    client: Any, w: dict[str, Any], db: Session
) -> None:
    _as(client, w, "handler")
    page = _text(client.get("/"))
    assert 'data-desk="queue"' in page
    ids = [int(i) for i in re.findall(r'<tr data-demand="(\d+)">', page)]
    mine = db.query(Demand).filter(Demand.institution_code == "320115-ZRZY",
                                   Demand.open.is_(True)).all()  # fmt: skip
    assert sorted(ids) == sorted(d.id for d in mine) and len(ids) == 3
    first = db.get(Demand, ids[0])
    assert first is not None and first.resolution_due == at(2026, 9, 20)  # overdue: first
    rest = [db.get(Demand, i) for i in ids[1:]]
    dues = [d.resolution_due for d in rest if d is not None]
    assert dues == sorted(dues)
    assert all(f"/demands/{i}" in page for i in ids)
    assert _figures(page)["fig-demands-overdue"] == ("/demands?overdue=true", "1")


def test_enterprise_sees_its_portrait_policies_demands_and_the_file_button(
    client: Any, w: dict[str, Any]
) -> None:
    _as(client, w, "enterprise")
    page = _text(client.get("/"))
    assert 'data-desk="enterprise"' in page and "企业1" in page
    assert 'id="portrait-link" href="/enterprises/91320115MA0000001X"' in page
    for part in ("desk-automatic", "desk-to-apply", "desk-lacking", "desk-demands"):
        assert f'id="{part}"' in page
    assert 'id="file-demand" href="/demands/new"' in page
    assert page.count('<tr data-demand="') == 5  # E1's demands (both chains, closed too)
    assert "/enterprises/91320115MA0000001X/policies" in page
    # No city figures on an enterprise's desk, and the overview is not for it.
    assert "fig-enterprises" not in page
    assert client.get("/overview").status_code == 403


def test_chain_head_sees_its_chain_this_months_meeting_and_open_tasks(
    client: Any, w: dict[str, Any]
) -> None:
    _as(client, w, "chain_head")
    page = _text(client.get("/"))
    assert 'data-desk="chain"' in page and "集成电路" in page
    assert "/chains/1/meetings/2026-10" in page  # October's scheduling was held
    tasks = re.findall(r'<tr data-task="(\d+)">(.*?)</tr>', page, re.S)
    assert len(tasks) == 2 and 'data-flag="overdue"' in tasks[0][1]  # overdue first
    assert "报送月度运行分析" in tasks[0][1] and "走访重点企业" in tasks[1][1]


def test_chain_team_of_a_chain_without_a_meeting_is_told_so(
    client: Any, w: dict[str, Any]
) -> None:
    _as(client, w, "chain_team")
    page = _text(client.get("/"))
    assert "新能源汽车" in page and "本月尚未召开调度会" in page and "暂无未办结任务" in page


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analyst_and_admin_see_imports_freshness_calendar_and_routing(
    client: Any, w: dict[str, Any], role: str
) -> None:
    _as(client, w, role)
    page = _text(client.get("/"))
    assert 'data-desk="data"' in page
    for part in ("import-runs", "data-freshness", "calendar-status", "routing-status"):
        assert f'id="{part}"' in page
    assert ('href="/admin/routing"' in page) is (role == "admin")
    assert "2026" in page and "2027" in page


def test_a_bad_scale_on_the_list_says_so_in_the_readers_language(
    client: Any, w: dict[str, Any]
) -> None:
    _as(client, w, "leader")
    resp = client.get("/enterprises?scale=huge")
    assert resp.status_code == 422 and "规模口径“huge”无效" in html.unescape(resp.text)
    api = client.get("/api/v1/enterprises?scale=huge")
    assert api.status_code == 422 and api.json()["code"] == "enterprises.bad_scale"
