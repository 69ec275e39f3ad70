"""The chains domain's background work, one unit of work each (the server's scheduler runs
them): rebuild the analytics' aggregates and this month's indicators of every chain."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from highland.chains import figures, indicators
from highland.chains import service as chains
from highland.platform.db import session_factory, transaction

log = logging.getLogger(__name__)


def refresh_figures(engine: Engine) -> dict[str, Any]:
    """Rebuild the chain figures, if their sources changed since they were built, and this
    month's indicators of every chain, so that the next reader does not wait for them; returns
    the figures' state (see chains.figures.state)."""
    with transaction(engine) as s:
        built = figures.refresh(s)  # stored when this transaction commits
    log.info("chain figures: %s", {k: v["built_from"] for k, v in built.items()})
    month = indicators.current_month()
    with transaction(engine) as s:
        for chain_id in chains.active_chain_ids(s):
            indicators.compute(s, chain_id, month)
    with session_factory(engine)() as s:
        return figures.state(s)
