"""Tables of the 12345 practice (接诉即办): extension requests (延期申请) and callbacks (回访).

Both are also written as events of the demand's log (`extend_ask`, `extend_ok`, `extend_no`,
`callback`); these rows hold the request's current state and the call's answers for lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime


class DemandExtension(Base):
    """A handler's request for more working days to resolve a demand."""

    __tablename__ = "demand_extension"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id", ondelete="RESTRICT"), index=True)
    institution_code: Mapped[str | None] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str] = mapped_column(Text)
    # pending | approved | refused | lapsed (the demand was resolved, transferred or withdrawn
    # before anyone decided)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    asked_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_role: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    old_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_due: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DemandCallback(Base):
    """An independent follow-up call (回访) by staff after a demand was resolved."""

    __tablename__ = "demand_callback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id", ondelete="RESTRICT"), index=True)
    institution_code: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(64))
    by_role: Mapped[str | None] = mapped_column(String(16))
    reached: Mapped[bool] = mapped_column(Boolean)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)  # None when not reached
    note: Mapped[str | None] = mapped_column(Text)
