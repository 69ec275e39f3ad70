"""Stacking: exclusions keep the larger benefit, package caps bound the total."""

from __future__ import annotations

import polars as pl

from highland.policies.rules.stacking import LONG_SCHEMA, Rules, keep, totals

RULES = Rules(
    excludes={"a": ("b",), "c": (), "d": ("e",)},
    package_of={"a": "pkg", "b": "pkg", "c": "pkg", "d": None, "e": None},
    caps={"pkg": 150_000},
)


def _long(rows: list[tuple[str, str, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LONG_SCHEMA, orient="row")


def test_the_larger_of_two_exclusive_benefits_is_kept_whichever_side_names_the_other() -> None:
    kept = keep(_long([("e1", "a", 50_000), ("e1", "b", 90_000), ("e2", "a", 90_000),
                       ("e2", "b", 50_000)]), RULES)  # fmt: skip
    got = {(r["uscc"], r["policy_id"]): (r["kept"], r["excluded_by"]) for r in kept.to_dicts()}
    assert got == {
        ("e1", "a"): (False, "b"),
        ("e1", "b"): (True, None),
        ("e2", "a"): (True, None),
        ("e2", "b"): (False, "a"),
    }


def test_ties_go_to_the_lower_id_and_unknown_amounts_come_last() -> None:
    kept = keep(_long([("e1", "a", 10), ("e1", "b", 10), ("e2", "d", None), ("e2", "e", 1)]),
                RULES)  # fmt: skip
    got = {(r["uscc"], r["policy_id"]): r["kept"] for r in kept.to_dicts()}
    assert got == {("e1", "a"): True, ("e1", "b"): False, ("e2", "d"): False, ("e2", "e"): True}


def test_package_cap_bounds_the_total_and_policies_outside_packages_add_up() -> None:
    long = _long([("e1", "a", 100_000), ("e1", "c", 80_000), ("e1", "d", 7),
                  ("e2", "c", 20_000)])  # fmt: skip
    t = totals(keep(long, RULES), RULES)
    rows = {(r["uscc"], r["package_id"]): (r["kept_fen"], r["total_fen"]) for r in t.to_dicts()}
    assert rows == {
        ("e1", "pkg"): (180_000, 150_000),
        ("e1", None): (7, 7),
        ("e2", "pkg"): (20_000, 20_000),
    }


def test_no_eligible_rows_gives_empty_totals() -> None:
    t = totals(keep(_long([]), RULES), RULES)
    assert t.height == 0
