"""`highland demo`'s docking data: 2,000 illustrative achievements and 300 illustrative needs
of the registry's first enterprises (marked 示例), loaded once (on an empty registry)."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from highland.docking import repository, service
from highland.docking.demo.generate import demo_achievements, demo_needs
from highland.platform.audit.service import Actor
from highland.platform.kit.tables import ROW

ACHIEVEMENTS = 2000
NEEDS = 300


def load_demo(session: Session, actor: Actor, achievements: int = ACHIEVEMENTS,
              needs: int = NEEDS) -> dict[str, int]:
    """Load the illustrative achievements and needs once (counts of what was added)."""
    added = {"achievements": 0, "needs": 0}
    if repository.count_achievements(session) == 0:
        rows = list(demo_achievements(achievements))
        frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})
        report = service.import_frame(session, actor, frame.with_row_index(ROW, offset=2),
                                      illustrative=True)  # fmt: skip
        if report.problems:
            first = report.problems[0]
            raise first.error
        added["achievements"] = report.added
    usccs = repository.sample_usccs(session, needs)
    if repository.count_needs(session) == 0 and usccs:
        items = [service.NeedInput(enterprise=usccs[i % len(usccs)], **n)
                 for i, n in enumerate(demo_needs(needs))]  # fmt: skip
        added["needs"] = len(service.create_needs(session, actor, items, illustrative=True))
    return added
