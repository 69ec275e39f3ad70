"""Concurrent edits of one demand never lose an update: real connections, real threads, on a
database of their own (SQLite file; PostgreSQL when configured)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from highland.demands import reference, service
from highland.demands.models import Demand, DemandEvent
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.enterprises.service import seed_regions
from highland.platform.audit.service import Actor
from highland.platform.db import session_factory
from highland.platform.errors import Conflict
from highland.platform.identity.permissions import Principal, Role
from highland.schema import upgrade
from tests.conftest import ACTOR, BACKENDS
from tests.demands.world import REFERENCE, T0
from tests.factories import ENT_HEADER, ent_row, to_csv
from tests.pg import fresh_engine

ROUTER = Principal(user_id=0, username="router", role=Role.analyst)
HANDLER = Principal(user_id=0, username="land", role=Role.handler, institution_code="T-LAND")
WRITERS = 8


def _fresh(backend: str, tmp: Path) -> Iterator[Engine]:
    with fresh_engine(backend, tmp, "highland_conc", upgrade) as engine:
        yield engine


@pytest.fixture(params=BACKENDS)
def own_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from _fresh(request.param, tmp_path)


def _setup(engine: Engine) -> list[int]:
    sessions = session_factory(engine)
    with sessions() as s:
        seed_regions(s, "320100")
        s.commit()
    run_import(sessions, ACTOR, "enterprises", to_csv([ent_row(1)], ENT_HEADER), "e.csv")
    ids = []
    with sessions() as s:
        reference.load_reference(s, ACTOR, REFERENCE, "ref.yaml")
        ent = s.scalars(select(Enterprise)).one()
        for _ in range(5):
            d = service.file_demand(
                s,
                ROUTER,
                ACTOR,
                service.DemandInput(ent.uscc, "land", "用地", "扩产用地"),
                dispatch=True,
                now=T0,
            )
            ids.append(d.id)
        s.commit()
    return ids


def _race(sessions: sessionmaker[Session], demand_id: int, version: int) -> list[str]:
    """WRITERS threads act on the same version at the same moment; their outcomes."""
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []

    def write(i: int) -> None:
        # The handler accepts while a router withdraws: different changes from the same
        # version, each of which would overwrite the other without the version check.
        if i % 2:
            caller, action, data = HANDLER, "accept", {}
        else:
            caller, action, data = ROUTER, "withdraw", {"reason": f"writer {i}"}
        who = Actor(f"w{i}", caller.role.value, "api")
        s = sessions()
        try:
            barrier.wait(timeout=30)
            service.act(s, caller, who, demand_id, action, version=version, data=data, now=T0)
            s.commit()
            result = "ok"
        except Conflict:
            s.rollback()
            result = "409"
        except Exception as exc:  # noqa: BLE001  (any other error fails the test)
            s.rollback()
            result = f"error: {exc!r}"
        finally:
            s.close()
        outcomes.append(result)  # list.append is atomic

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_racing_writers_one_wins_the_rest_get_409(own_engine: Engine) -> None:
    ids = _setup(own_engine)
    sessions = session_factory(own_engine)
    for demand_id in ids:
        with sessions() as s:
            version = s.get(Demand, demand_id).version  # type: ignore[union-attr]
        outcomes = _race(sessions, demand_id, version)
        assert sorted(outcomes) == ["409"] * (WRITERS - 1) + ["ok"], outcomes
        with sessions() as s:
            d = s.get(Demand, demand_id)
            assert d is not None and d.version == version + 1
            n = s.scalar(
                select(func.count())
                .select_from(DemandEvent)
                .where(DemandEvent.demand_id == demand_id)
            )
            assert n == 3 == d.event_count  # submit, dispatch and the one winner
