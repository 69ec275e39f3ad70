"""What the chains domain lends other domains, through functions (never its tables by name):
registered by the assembly (`highland.wiring`)."""

from __future__ import annotations

from sqlalchemy import and_

from highland.chains.models import Chain, EnterpriseSegment
from highland.enterprises.public import MembershipSource
from highland.platform.db import table_of


def chain_memberships() -> MembershipSource:
    """Accepted memberships in chains not retired, for the enterprises' portrait snapshot
    (policy rules match on an enterprise's chains and segments)."""
    m, c = table_of(EnterpriseSegment), table_of(Chain)
    return MembershipSource(
        source=m.join(c, c.c.id == m.c.chain_id),
        where=and_(m.c.status == "accepted", c.c.retired.is_(False)),
        enterprise_id=m.c.enterprise_id,
        chain=c.c.code,
        segment=m.c.segment_code,
    )
