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
    """A GB/T 2260 district of the configured city, or a functional zone / park (功能区、园区).

    Districts come from the standard; zones are a reference list an administrator edits. A zone
    is not an administrative division: it overlaps districts, so an enterprise has both.
    """

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # district | zone
    # A zone's level: national | provincial | municipal (None for districts or not stated).
    level: Mapped[str | None] = mapped_column(String(12))


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
    # The GB/T 2260 district (kind "district"); None only for rows from before zones were kept
    # apart, whose district is not known (shown as "not given", never guessed).
    district_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    # The functional zone or park (kind "zone") where one applies, e.g. 江北新区.
    zone_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
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
    # The year the enterprise began in its niche market (从事特定细分市场的起始年份): the
    # 专精特新 criteria count the years since.
    niche_since: Mapped[int | None] = mapped_column(Integer)
    # Materialised from the latest year's figures so that lists can filter on it.
    size_class: Mapped[str | None] = mapped_column(String(8), index=True)
    figures_year: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Indexed: the desks show when the registry last changed (its newest change, read at once).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
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
        # Covering: who holds a code valid on a day, without reading the rows (the recognition
        # pools tell whether their holders changed by it on every visit).
        Index(
            "ix_enterprise_qualification_validity", "code", "valid_from", "valid_to",
            "enterprise_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    # Who granted it: national | provincial | municipal (Jiangsu has provincial 小巨人 and
    # 专精特新); None when not stated.
    level: Mapped[str | None] = mapped_column(String(12))
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
    # What the recognitions test (国科发火〔2016〕32号, 国科发政〔2022〕67号,
    # 工信部企业〔2022〕63号):
    main_revenue: Mapped[int | None] = mapped_column(BigInteger)  # 主营业务收入, fen
    hightech_revenue: Mapped[int | None] = mapped_column(BigInteger)  # 高新技术产品（服务）收入
    tech_staff: Mapped[int | None] = mapped_column(Integer)  # 科技人员
    ip_class1: Mapped[int | None] = mapped_column(Integer)  # Ⅰ类知识产权 in force
    ip_class2: Mapped[int | None] = mapped_column(Integer)  # Ⅱ类知识产权 in force
    equity_raised: Mapped[int | None] = mapped_column(BigInteger)  # 新增股权融资 that year, fen
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
    # Derived from the enterprise's name by the import, in the same transaction: no foreign
    # key and no index of its own (checking 11 million rows one by one, and building a second
    # index of them, cost more than the rows; migration 0017). A renamed enterprise's old rows
    # are found from its old name, by primary key. Searches join back to the enterprise; on
    # SQLite, which reuses the highest id, a trigger deletes a deleted enterprise's rows.
    enterprise_id: Mapped[int] = mapped_column(Integer)


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


class EnterpriseChange(Base):
    """The change log of the enterprises' portraits: database triggers add one row for every
    write to a table a portrait is read from (the enterprise, its figures, qualifications,
    chain links and high-growth lines), with the enterprise's id; `enterprise_id` None means
    a change no single enterprise holds (an enterprise deleted or its USCC changed, a chain or
    a high-growth list changed: everything is to be read again). `id` is the log's position:
    it grows in commit order (writers take turns), so "changed after position N" is exact —
    the portrait snapshots and the chains' figures rebuild only the enterprises changed since
    the position they were built at. (SQLite: one row per row written, the cheapest insert
    there is, into the table's rowid; PostgreSQL: one per enterprise and statement.)"""

    __tablename__ = "enterprise_change"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(BigInteger)
