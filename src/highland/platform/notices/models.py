"""The notification table: one row per notice per user, stored language-neutral."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class Notification(Base):
    """A notice for a user: shown in the UI, e-mailed when the user has an address.

    `ref` names the object ("demand:12", "task:7", "policy:P-001"), `dedupe_key` the occasion
    (a deadline, an event's seq, a policy version); all NOT NULL, so the unique key
    (user, kind, ref, dedupe_key) really makes a notice exist once.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "ref", "dedupe_key", name="uq_notification_once"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        # The pruning of old read notices (notices.service.prune_read) ranges over read_at.
        Index("ix_notification_read_at", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(80))
    dedupe_key: Mapped[str] = mapped_column(String(80), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_to: Mapped[str | None] = mapped_column(String(200))
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_error: Mapped[str | None] = mapped_column(String(300))
