"""Named counters in one small table (`data_generation`): change counters of source data that
database triggers keep, the database's instance number, and the claimed rounds of background
jobs (highland.platform.jobs)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from highland.platform.db import Base


class DataGeneration(Base):
    """A change counter for one kind of source data ("registry", "links"): database triggers
    add one to `value` for every write to the tables the figures come from. Two other kinds
    of row share the table: "instance" (a random number naming the database) and "job.<job>"
    (the last claimed round of a background job, see highland.platform.jobs)."""

    __tablename__ = "data_generation"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
