"""Responsible institutions (责任单位), shared by demands, chain tasks and cooperation projects."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base


class Institution(Base):
    """A responsible institution (责任单位): a bureau, a district office, a service centre."""

    __tablename__ = "institution"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("institution.code", ondelete="RESTRICT"), index=True
    )
    district_code: Mapped[str | None] = mapped_column(String(6))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
