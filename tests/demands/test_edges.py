"""The demands' edges: pages, API routes, Open311 and the CLI hold no SQL (they call the
repository and the services), and the one scope (demands/scope.py) decides what every role
sees, lists and single rows alike."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from highland.demands import repository, service
from highland.demands.models import Demand
from highland.demands.scope import DEMANDS, MEETINGS
from highland.platform.audit.service import Actor
from highland.platform.errors import NotFound
from highland.platform.identity.permissions import Principal, Role
from tests.demands.world import T0, World, build, data

DEMANDS_SRC = Path(__file__).resolve().parents[2] / "src" / "highland" / "demands"
# Every module that answers a request or a command.
EDGES = (
    "api.py",
    "pages.py",
    "meetings/pages.py",
    "metrics/pages.py",
    "practice/api.py",
    "practice/pages.py",
    "open311/api.py",
    "reference/pages.py",
    "reference/calendar_pages.py",
    "apikeys/cli.py",
)
SESSION_CALLS = {"execute", "scalar", "scalars", "get", "query", "add", "delete", "merge"}


def _sql_in(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {a.name for a in node.names}
            if node.module != "sqlalchemy.orm" or names - {"Session"}:
                found.append(f"line {node.lineno}: from {node.module} import {sorted(names)}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("db", "session", "s")
            and node.func.attr in SESSION_CALLS
        ):
            found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}(…)")
    return found


@pytest.mark.parametrize("name", EDGES)
def test_edges_hold_no_sql(name: str) -> None:
    assert _sql_in(DEMANDS_SRC / name) == []


def test_no_demands_file_is_over_600_lines_in_the_edges() -> None:
    for name in (*EDGES, "repository.py", "scope.py", "present.py", "schemas.py"):
        lines = (DEMANDS_SRC / name).read_text(encoding="utf-8").count("\n")
        assert lines <= 600, f"{name}: {lines} lines"


@pytest.fixture
def w(db, sessions) -> World:  # type: ignore[no-untyped-def]
    return build(db, sessions)


def _file(db, w: World, p: Principal, **kw):  # type: ignore[no-untyped-def]
    actor = Actor(p.username, p.role.value, "ui")
    return service.file_demand(db, p, actor, data(w.a, **kw), dispatch=True, now=T0)


def test_one_scope_for_lists_and_single_rows(db, w: World) -> None:  # type: ignore[no-untyped-def]
    land = _file(db, w, w.analyst)  # at T-LAND, co-handled by T-GOV
    talent = _file(db, w, w.analyst, category="talent")  # at T-HR
    gov = Principal(user_id=0, username="gov", role=Role.handler, institution_code="T-GOV")
    nobody = Principal(user_id=0, username="x", role=Role.handler, institution_code=None)
    everyone = (w.admin, w.analyst, w.owner_a, w.owner_b, w.land, w.hr, w.leader, w.team, gov)
    expected = {
        w.owner_a: {land.id, talent.id},
        w.owner_b: set(),
        w.land: {land.id},
        w.hr: {talent.id},
        gov: {land.id},
        nobody: set(),
    }
    for p in (*everyone, nobody):
        listed = set(db.scalars(repository.demands(p, repository.DemandFilter())).all())
        want = expected.get(p, {land.id, talent.id})
        assert {d.id for d in listed} == want, p.username
        in_sql = set(db.scalars(select(Demand.id).where(DEMANDS.condition(p))))
        assert in_sql == want, p.username
        for d in (land, talent):
            # The row's scope and the list's scope agree (one rule: demands.scope).
            assert DEMANDS.allows(db, p, d.id) == (d.id in want)
            if d.id in want:
                assert repository.demand(db, p, d.id).id == d.id
            else:
                with pytest.raises(NotFound):
                    repository.demand(db, p, d.id)


def test_meetings_scope_hides_unattended_meetings_from_enterprises(db, w: World) -> None:  # type: ignore[no-untyped-def]
    assert MEETINGS.condition(w.admin) is not None
    with pytest.raises(NotFound) as exc:
        repository.meeting(db, w.owner_a, 999_999)
    assert exc.value.code == "demand.meeting_not_found"
