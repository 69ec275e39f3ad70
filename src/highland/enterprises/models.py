"""Enterprise registry tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from highland.platform.db import Base, UTCDateTime, utcnow


class Region(Base):
    """A GB/T 2260 district of the configured city, or a custom region (functional zone)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # district | custom


class Enterprise(Base):
    """An enterprise, keyed by its Unified Social Credit Code."""

    __tablename__ = "enterprise"
    __table_args__ = (
        Index("ix_enterprise_filter", "district_code", "industry_section", "size_class"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    district_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    industry_code: Mapped[str] = mapped_column(String(4))
    industry_section: Mapped[str] = mapped_column(String(1), index=True)
    industry_division: Mapped[str] = mapped_column(String(2), index=True)
    founded_on: Mapped[date] = mapped_column(Date)
    ownership: Mapped[str | None] = mapped_column(String(16), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    listed: Mapped[bool | None] = mapped_column(Boolean)
    address: Mapped[str | None] = mapped_column(String(300))
    # 经营范围 as registered; chain segments suggest enterprises by keywords found in it.
    business_scope: Mapped[str | None] = mapped_column(Text)
    # Materialised from the latest year's figures so that lists can filter on it.
    size_class: Mapped[str | None] = mapped_column(String(8), index=True)
    figures_year: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="Qualification.code"
    )

    __mapper_args__ = {"version_id_col": version}


class Qualification(Base):
    """A recognised qualification (high-tech enterprise, SRDI, …) with its validity."""

    __tablename__ = "enterprise_qualification"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "code", name="uq_qualification"),
        # Covering: the holders of a qualification without reading the rows (list filters).
        Index("ix_enterprise_qualification_code", "code", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    enterprise: Mapped[Enterprise] = relationship(back_populates="qualifications")


class Financial(Base):
    """One enterprise's figures for one year. Money in fen (USD in cents); None is missing."""

    __tablename__ = "enterprise_financial"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", name="uq_financial_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[int | None] = mapped_column(BigInteger)
    output_value: Mapped[int | None] = mapped_column(BigInteger)
    tax_paid: Mapped[int | None] = mapped_column(BigInteger)
    employees: Mapped[int | None] = mapped_column(Integer)
    rd_spend: Mapped[int | None] = mapped_column(BigInteger)
    rd_staff: Mapped[int | None] = mapped_column(Integer)
    invention_patents: Mapped[int | None] = mapped_column(Integer)
    total_assets: Mapped[int | None] = mapped_column(BigInteger)
    last_round_usd: Mapped[int | None] = mapped_column(BigInteger)
    valuation_usd: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(20))
    source_date: Mapped[date | None] = mapped_column(Date)


class NameGram(Base):
    """Two-character pieces of enterprise names: the index behind substring name search."""

    __tablename__ = "enterprise_name_gram"
    __table_args__ = (
        PrimaryKeyConstraint("gram", "enterprise_id"),
        {"sqlite_with_rowid": False},
    )

    gram: Mapped[str] = mapped_column(String(2))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )


class ImportRun(Base):
    """One import of a file: what it did, for the record and the UI."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)


class ImportReport(Base):
    """The row-level report of an import, kept so that the person can download it.

    Saved in its own transaction: a refused import writes nothing else, but its report
    must survive.
    """

    __tablename__ = "import_report"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    csv_text: Mapped[str] = mapped_column(Text)
