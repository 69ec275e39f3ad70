"""The working calendar's admin-entered years (tables `calendar_year`, `calendar_day`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base, UTCDateTime, utcnow


class CalendarYear(Base):
    """A year whose working-day calendar an admin entered (overrides the packaged schedule)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)  # the notice it follows, e.g. 国办发明电〔2026〕x号
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_by: Mapped[str] = mapped_column(String(64))


class CalendarDay(Base):
    """A day of an admin-entered year that differs from Monday–Friday working, Saturday and
    Sunday off: a holiday on a weekday (working False) or a make-up working weekend day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year", ondelete="CASCADE"))
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(100))
