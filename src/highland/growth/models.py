"""High-growth list tables: each published list (a rule set applied to a year, its rule text
kept for replay) and its lines — the firms listed, and those that left since the last list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class GrowthList(Base):
    """One year's official list under one rule set: kept as published, never recomputed."""

    __tablename__ = "growth_list"
    __table_args__ = (UniqueConstraint("ruleset_id", "year", name="uq_growth_list_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ruleset_id: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    figures_year: Mapped[int] = mapped_column(Integer)
    # The rule set as written when the list was published: the list replays with exactly it.
    ruleset_source: Mapped[str] = mapped_column(Text)
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    enterprises: Mapped[int] = mapped_column(Integer)  # firms classified
    listed: Mapped[int] = mapped_column(Integer)
    entered: Mapped[int] = mapped_column(Integer)
    exited: Mapped[int] = mapped_column(Integer)
    # sha256 of the list's lines (uscc, category, movement, reason) in uscc order.
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))


class GrowthEntry(Base):
    """One line of a list: a listed firm (movement new, kept or changed category) or a firm
    that left since the previous year's list (movement exited, with the reason)."""

    __tablename__ = "growth_entry"
    __table_args__ = (
        Index("ix_growth_entry_list_category", "list_id", "category"),
        Index("ix_growth_entry_uscc", "uscc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("growth_list.id", ondelete="CASCADE"))
    # The firm's registry row; NULL once the firm is gone from the registry (the USCC stays).
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="SET NULL"), index=True
    )
    uscc: Mapped[str] = mapped_column(String(18))
    category: Mapped[str] = mapped_column(String(40))  # for an exit: the category it left
    movement: Mapped[str] = mapped_column(String(8))  # new | kept | changed | exited
    previous_category: Mapped[str | None] = mapped_column(String(40))
    # Why a firm left: criterion_failed | listed | moved_away | closed | data_missing.
    reason: Mapped[str | None] = mapped_column(String(20))
    # The criteria behind the reason (failed or missing), ';'-joined.
    detail: Mapped[str | None] = mapped_column(Text)
