"""The chains domain's background job (chains/jobs.py): it owns its transactions, so the
figures it builds are stored and the indicators of every chain are computed."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from highland.chains import figures, jobs, service
from highland.chains.loader import read_yaml
from highland.chains.models import ChainMonthFigure
from highland.platform.db import session_factory, transaction
from tests.chains.chain_files import SMALL
from tests.conftest import ACTOR
from tests.test_busy_database import own_engine

__all__ = ["own_engine"]  # the fixture: a migrated database of the test's own


def test_refresh_figures_stores_what_it_built(own_engine: Engine) -> None:
    with transaction(own_engine) as s:
        service.store(s, [read_yaml(SMALL, "s.yaml")], ACTOR)
    state = jobs.refresh_figures(own_engine)
    assert set(state) == {"registry", "links"}
    assert all(part["fresh"] for part in state.values())
    with session_factory(own_engine)() as s:
        assert figures.state(s) == state  # stored, as a new session sees it
        months = s.scalar(select(func.count()).select_from(ChainMonthFigure))
    assert months  # this month's indicators of chain 1
