"""The SQL size classification agrees with the Python one, including on NULLs and at every bound."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql

from highland.enterprises.portrait import SIZE_TABLE, SizeRow, classify_size, size_row_for
from highland.enterprises.portrait.size_sql import size_class_case

metadata = MetaData()
firm = Table(
    "firm",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("section", String(1), nullable=False),
    Column("division", String(2), nullable=False),
    Column("industry_code", String(4), nullable=False),
    Column("employees", Integer),
    Column("revenue", BigInteger),
    Column("total_assets", BigInteger),
)

SIZE = size_class_case(
    firm.c.section,
    firm.c.division,
    firm.c.industry_code,
    firm.c.employees,
    firm.c.revenue,
    firm.c.total_assets,
)

# One consistent industry per size-table row, plus the K codes that need resolving.
INDUSTRIES = [
    ("A", "01", "0111"), ("B", "06", "0610"), ("C", "34", "3411"), ("D", "44", "4411"),
    ("E", "47", "4710"), ("F", "51", "5111"), ("F", "52", "5211"), ("G", "53", "5311"),
    ("G", "58", "5810"), ("G", "59", "5920"), ("G", "60", "6010"), ("H", "61", "6110"),
    ("H", "62", "6210"), ("I", "63", "6311"), ("I", "64", "6421"), ("I", "65", "6513"),
    ("K", "70", "7010"), ("K", "70", "701"), ("K", "70", "7020"), ("K", "70", "702"),
    ("K", "70", "70"), ("K", "70", "7030"), ("L", "71", "7111"), ("L", "72", "7211"),
    ("J", "66", "6621"), ("M", "73", "7310"), ("T", "97", "9700"), ("G", "59", "5910"),
    ("G", "59", "591"), ("K", "70", "7040"), ("K", "70", "704"), ("P", "83", "8321"),
    ("Q", "84", "8411"), ("Q", "85", "8510"), ("S", "91", "9110"),
]  # fmt: skip

Firm = tuple[str, str, str, int | None, int | None, int | None]


def near_bounds(name: str, rows: Sequence[SizeRow] = SIZE_TABLE) -> list[int]:
    """Every bound the rows have for one input (in fen for money), and one unit either side."""
    bounds = {b for row in rows for tier in row.tiers for n, b in tier.bounds() if n == name}
    return sorted({b + d for b in bounds for d in (-1, 0, 1)})


def indicator(name: str, high: int) -> st.SearchStrategy[int | None]:
    """None, a value at or next to a bound, or any value."""
    return st.none() | st.sampled_from(near_bounds(name)) | st.integers(-1, high)


industry = st.sampled_from(INDUSTRIES) | st.tuples(
    # Mismatched parts too: both sides only read the codes, so they must agree on anything.
    st.sampled_from(sorted({s for s, _, _ in INDUSTRIES} | {"Z"})),
    st.sampled_from(sorted({d for _, d, _ in INDUSTRIES} | {"99"})),
    st.sampled_from(sorted({c for _, _, c in INDUSTRIES} | {"7", "7011", "70100"})),
)
firms = st.lists(
    st.tuples(
        industry,
        indicator("employees", 5000),
        indicator("revenue", 3 * 10**11),
        indicator("total_assets", 2 * 10**11),
    ).map(lambda t: (*t[0], *t[1:])),
    min_size=1,
    max_size=40,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """An in-memory SQLite database holding the firm table."""
    eng = create_engine("sqlite://")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


def classify_in_sql(engine: Engine, rows: Sequence[Firm]) -> list[str | None]:
    """Load the rows and return the CASE expression's result for each, in order."""
    names = ("section", "division", "industry_code", "employees", "revenue", "total_assets")
    with engine.begin() as conn:
        conn.execute(delete(firm))
        conn.execute(
            insert(firm), [dict(zip(names, row, strict=True), id=i) for i, row in enumerate(rows)]
        )
        result = conn.execute(select(firm.c.id, SIZE).order_by(firm.c.id)).all()
    return [size for _, size in result]


@settings(max_examples=300, deadline=None)
@given(firms)
def test_sql_agrees_with_python(engine: Engine, rows: list[Firm]) -> None:
    assert classify_in_sql(engine, rows) == [classify_size(*row) for row in rows]


def test_sql_agrees_on_every_bound_combination(engine: Engine) -> None:
    rows: list[Firm] = []
    for section, division, code in INDUSTRIES:
        row = size_row_for(section, division, code)
        # The row's own bounds for the inputs it uses; an unused input must make no difference.
        choices: list[list[int | None]] = [
            [None, *near_bounds(n, [row])] if n in row.inputs else [None, 0]
            for n in ("employees", "revenue", "total_assets")
        ]
        for employees, revenue, assets in itertools.product(*choices):
            rows.append((section, division, code, employees, revenue, assets))
    expected = [classify_size(*row) for row in rows]
    assert classify_in_sql(engine, rows) == expected
    assert set(expected) == {"large", "medium", "small", "micro", None}


def test_expression_compiles_for_postgresql() -> None:
    sql = str(select(SIZE).compile(dialect=postgresql.dialect()))
    assert sql.count("CASE") == len(SIZE_TABLE) + 1
    assert "substr(firm.industry_code" in sql
