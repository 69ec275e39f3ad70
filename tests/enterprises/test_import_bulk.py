"""The bulk loader of imports: the scratch-file path (large files on SQLite) and COPY
(PostgreSQL) store exactly what binding the values one by one stores."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises.imports import bulk, run_import
from highland.enterprises.models import Enterprise, Financial, NameGram, Qualification
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv

# Awkward values: quotes, commas, a NULL next to an empty-looking one, Latin and CJK letters,
# booleans, dates, money with cents, missing counts.
ROWS = [
    ent_row(1, name='南京"引号",逗号科技有限公司', name_en='Quote, Comma "Co"'),
    ent_row(2, name="ABC南京大写字母公司", listed="true", country="", qualifications=""),
    ent_row(3, founded_on="1999-01-31", address="", name_en=""),
    *[ent_row(n) for n in range(4, 30)],
]
FIGURES = [
    fin_row(1, 2023, revenue="", employees=""),
    fin_row(2, 2023, revenue="0.01", tax_paid=""),
    *[fin_row(n, year) for n in range(3, 30) for year in (2022, 2023)],
]


def _import(sessions: sessionmaker[Session], kind: str, data: bytes) -> Any:
    return run_import(sessions, ACTOR, kind, data, f"{kind}.csv")  # type: ignore[arg-type]


def _stored(db: Session) -> dict[str, Any]:
    db.expire_all()
    skip = {"created_at", "updated_at"}
    ents = [
        {k: v for k, v in vars(e).items() if not k.startswith("_") and k not in skip}
        for e in db.scalars(select(Enterprise).order_by(Enterprise.uscc))
    ]
    figures = [
        {k: v for k, v in vars(f).items() if not k.startswith("_") and k != "id"}
        for f in db.scalars(select(Financial).order_by(Financial.enterprise_id, Financial.year))
    ]
    grams = sorted(tuple(r) for r in db.execute(select(NameGram.gram, NameGram.enterprise_id)))
    quals = sorted(
        tuple(r)
        for r in db.execute(
            select(Qualification.enterprise_id, Qualification.code, Qualification.valid_to)
        )
    )
    return {"ents": ents, "figures": figures, "grams": grams, "quals": quals}


def test_bulk_path_stores_what_binding_stores(sessions, db, monkeypatch):  # type: ignore[no-untyped-def]
    ents, figs = to_csv(ROWS, ENT_HEADER), to_csv(FIGURES, FIN_HEADER)
    monkeypatch.setattr(bulk, "SCRATCH_ROWS", 1)  # every SQLite load through a scratch file
    assert _import(sessions, "enterprises", ents).created == len(ROWS)
    assert _import(sessions, "financials", figs).created == len(FIGURES)
    loaded = _stored(db)
    assert loaded["figures"][0]["revenue"] is None and loaded["figures"][0]["employees"] is None
    assert any(g == "引号" for g, _ in loaded["grams"])
    assert any(g == "ab" for g, _ in loaded["grams"])  # ASCII folded as lower() does
    # Binding the same files one value at a time finds nothing to change.
    monkeypatch.setattr(bulk, "SCRATCH_ROWS", 10**9)
    again = _import(sessions, "enterprises", ents)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(ROWS))
    again = _import(sessions, "financials", figs)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(FIGURES))
    assert _stored(db) == loaded


def test_bound_and_bulk_loads_agree_on_renames(sessions, db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bulk, "SCRATCH_ROWS", 1)
    _import(sessions, "enterprises", to_csv(ROWS, ENT_HEADER))
    renamed = [ent_row(n, name=f"苏州更名{n}号有限公司") for n in range(1, 30)]
    r = _import(sessions, "enterprises", to_csv(renamed, ENT_HEADER))
    assert r.updated == len(renamed)
    grams = {g for g, _ in _stored(db)["grams"]}
    assert "更名" in grams and "南京" not in grams


def test_scratch_files_are_detached_when_the_connection_is_returned(engine, monkeypatch):  # type: ignore[no-untyped-def]
    if engine.dialect.name != "sqlite":
        pytest.skip("scratch files are SQLite's")
    monkeypatch.setattr(bulk, "SCRATCH_ROWS", 1)
    import polars as pl

    with Session(engine) as s:
        s.execute(text("CREATE TEMP TABLE bulk_probe (a INTEGER, b TEXT)"))
        bulk.load_rows(s, "bulk_probe", pl.DataFrame({"a": [1, 2], "b": ["x", None]}))
        assert s.execute(text("SELECT count(*) FROM bulk_probe")).scalar_one() == 2
        names = [r[1] for r in s.execute(text("PRAGMA database_list"))]
        assert any(n.startswith("highland_bulk_") for n in names)
        s.rollback()
    with engine.connect() as c:
        names = [r[1] for r in c.exec_driver_sql("PRAGMA database_list")]
        assert not any(n.startswith("highland_bulk_") for n in names)


def test_a_deleted_enterprise_leaves_no_name_rows_to_the_next(sessions, db):  # type: ignore[no-untyped-def]
    _import(sessions, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER))
    last = db.scalars(select(Enterprise).order_by(Enterprise.id.desc())).first()
    db.execute(text("DELETE FROM enterprise WHERE id = :id"), {"id": last.id})
    db.commit()
    _import(sessions, "enterprises", to_csv([ent_row(3, name="无锡新来公司")], ENT_HEADER))
    new = db.scalars(select(Enterprise).where(Enterprise.name == "无锡新来公司")).one()
    grams = {g for g, eid in _stored(db)["grams"] if eid == new.id}
    assert grams == {"无锡", "锡新", "新来", "来公", "公司"}


def test_a_bad_row_in_a_bulk_file_writes_nothing(sessions, db, monkeypatch):  # type: ignore[no-untyped-def]
    """Large files (the scratch-file path on SQLite, COPY on PostgreSQL) are refused whole on
    one bad row, as small ones are: the row and column named, nothing stored or half-stored."""
    monkeypatch.setattr(bulk, "SCRATCH_ROWS", 1)
    assert _import(sessions, "enterprises", to_csv(ROWS, ENT_HEADER)).written
    assert _import(sessions, "financials", to_csv(FIGURES, FIN_HEADER)).written
    before = _stored(db)
    bad_ents = [*ROWS[:-1], ent_row(29, name="改名公司", founded_on="2019-13-40")]
    r = _import(sessions, "enterprises", to_csv(bad_ents, ENT_HEADER))
    assert not r.written and (len(ROWS) + 1, "founded_on") in {
        (e["row"], e["column"]) for e in r.errors
    }
    bad_figs = [*FIGURES, fin_row(3, 2024, revenue="很多")]
    r = _import(sessions, "financials", to_csv(bad_figs, FIN_HEADER))
    assert not r.written and (len(bad_figs) + 1, "revenue") in {
        (e["row"], e["column"]) for e in r.errors
    }
    assert _stored(db) == before
