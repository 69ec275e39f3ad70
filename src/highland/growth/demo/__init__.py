"""The demo's high-growth lists: every shipped rule set published for each year the demo
registry's figures allow (oldest first, so that each list has its entries and exits), once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from highland.growth import repository, service
from highland.growth.rules import loader
from highland.platform.audit.service import Actor


def publish_demo_lists(session: Session, actor: Actor) -> int:
    """Publish the lists not yet published; how many were."""
    years = repository.data_years(session)
    if years is None:
        return 0
    first, last = years
    done = 0
    for name in loader.built_in():
        rs = service.ruleset(name)
        for year in range(first + rs.reach - rs.figures_offset, last - rs.figures_offset + 1):
            if repository.published(session, rs.id, year) is None:
                service.publish(session, rs, year, actor)
                done += 1
    return done
