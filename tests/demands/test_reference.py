"""Reference data files (categories, institutions, routing): every mistake is named with its
section and item, and a file with any mistake writes nothing; the `highland demands` CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import highland.cli.common  # noqa: F401  (the `highland` command's database preparer)
from highland.demands import reference
from highland.demands.cli import app as demands_cli
from highland.demands.models import DemandCategory, RoutingRule
from highland.platform.errors import InvalidInput
from highland.platform.institutions.models import Institution
from tests.cli import Cli, invoke
from tests.conftest import ACTOR
from tests.demands.world import REFERENCE


def counts(s: Session) -> tuple[int, int, int]:
    return (
        s.scalar(select(func.count()).select_from(DemandCategory)) or 0,
        s.scalar(select(func.count()).select_from(Institution)) or 0,
        s.scalar(select(func.count()).select_from(RoutingRule)) or 0,
    )


def test_a_good_file_loads_and_a_second_load_changes_nothing(db: Session) -> None:
    got = reference.load_reference(db, ACTOR, REFERENCE, "ref.yaml")
    assert got == {"categories": 3, "institutions": 5, "routing": 4}
    assert counts(db) == (3, 5, 4)
    reference.load_reference(db, ACTOR, REFERENCE, "ref.yaml")
    assert counts(db) == (3, 5, 4)
    # Parents are saved before children whatever the order in the file.
    assert db.get(Institution, "T-BANK").parent_code == "T-FIN"  # type: ignore[union-attr]


GOOD_CAT = "{code: land, name: 土地, name_en: Land, response_days: 1, resolution_days: 10}"
GOOD_INST = "{code: A, name: 甲}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("categories: [\n  {code: land\n", "ref.yaml, line"),
        (  # a key given twice would silently drop the first value
            "categories:\n  - {code: land, name: 土地, name: 土地2, name_en: Land, "
            "response_days: 1, resolution_days: 10}\n",
            "ref.yaml, line 2: not valid YAML (key 'name' is given twice)",
        ),
        ("- just a list\n", "expected a mapping"),
        ("colours: []\n", "unknown section(s) colours"),
        ("categories: {code: land}\n", "'categories' must be a list of mappings"),
        (
            "categories:\n  - {code: land, name: 土地, response_days: 1, resolution_days: 10}\n",
            "categories[1].name_en: is required",
        ),
        (
            "categories:\n  - {code: 'a b', name: x, name_en: x, response_days: 1, "
            "resolution_days: 2}\n",
            "categories[1].code: 'a b' is not a code",
        ),
        (
            "categories:\n  - {code: land, name: x, name_en: x, response_days: 0, "
            "resolution_days: 2}\n",
            "categories[1].response_days: must be between 1 and 365",
        ),
        (
            "categories:\n  - {code: land, name: x, name_en: x, response_days: two, "
            "resolution_days: 2}\n",
            "'two' is not a whole number",
        ),
        (
            "categories:\n  - {code: land, name: x, name_en: x, response_days: 5, "
            "resolution_days: 2}\n",
            "cannot be longer than the resolution limit",
        ),
        (f"categories:\n  - {GOOD_CAT}\n  - {GOOD_CAT}\n", "categories: listed twice: land"),
        ("institutions:\n  - {code: A, name: 甲, colour: red}\n", "unknown field(s) colour"),
        ("institutions:\n  - {code: A, name: 甲, district: '999999'}\n", "not a known district"),
        (
            "institutions:\n  - {code: A, name: 甲, contact: {email: nope}}\n",
            "'nope' is not an e-mail address",
        ),
        ("institutions:\n  - {code: A, name: 甲, parent: Z}\n", "parent 'Z' is not an institution"),
        (
            "institutions:\n  - {code: A, name: 甲, parent: B}\n"
            "  - {code: B, name: 乙, parent: A}\n",
            "parents make a cycle",
        ),
        (
            f"institutions:\n  - {GOOD_INST}\nrouting:\n  - {{category: nope, lead: A}}\n",
            "routing[1]: category 'nope' is not defined",
        ),
        (
            f"categories:\n  - {GOOD_CAT}\nrouting:\n  - {{category: land, lead: Z}}\n",
            "routing[1]: institution 'Z' is not defined",
        ),
        (
            f"categories:\n  - {GOOD_CAT}\ninstitutions:\n  - {GOOD_INST}\n"
            "routing:\n  - {category: land, lead: A, co: [A]}\n",
            "the lead 'A' is also a co-handler",
        ),
        (
            f"categories:\n  - {GOOD_CAT}\ninstitutions:\n  - {GOOD_INST}\n"
            "routing:\n  - {category: land, lead: A}\n  - {category: land, lead: A}\n",
            "routing: listed twice: land×*",
        ),
    ],
)
def test_a_bad_file_says_where_and_writes_nothing(db: Session, text: str, words: str) -> None:
    before = counts(db)
    with pytest.raises(InvalidInput) as exc:
        reference.load_reference(db, ACTOR, text, "ref.yaml")
    assert words in exc.value.message, exc.value.message
    assert exc.value.message.startswith("ref.yaml")
    db.rollback()
    assert counts(db) == before


def test_cell_edits_refuse_unknown_codes(db: Session) -> None:
    reference.load_reference(db, ACTOR, REFERENCE, "ref.yaml")
    db.commit()
    with pytest.raises(InvalidInput, match="'nope' is not a known category"):
        reference.set_route(db, ACTOR, {"category": "nope", "lead": "T-GOV"})
    with pytest.raises(InvalidInput, match="unknown field"):
        reference.set_route(db, ACTOR, {"category": "land", "lead": "T-GOV", "x": 1})
    with pytest.raises(InvalidInput, match="would make a cycle"):
        reference.upsert_institution(db, ACTOR, {"code": "T-GOV", "name": "x", "parent": "T-BANK"})
    db.rollback()
    assert db.get(Institution, "T-GOV").parent_code is None  # type: ignore[union-attr]


# -- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Iterator[Path]:
    """A fresh SQLite database for the CLI."""
    yield tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = invoke(*args, app=demands_cli)
    return result.code, result.stdout, result.stderr


def test_cli_load_reference_and_routing(env: Path) -> None:
    good = env / "ref.yaml"
    good.write_text(REFERENCE, encoding="utf-8")
    code, out, err = run("load-reference", str(good))
    assert code == 0, err
    assert "已载入 3 个类别、5 个机构、4 条分办规则" in out
    code, out, _ = run("routing")
    assert code == 0
    assert "land\t320115\tT-LAND\tT-GOV" in out.splitlines()


def test_cli_bad_reference_file_exits_1_and_loads_nothing(env: Path) -> None:
    bad = env / "bad.yaml"
    bad.write_text(REFERENCE + "  - {category: nope, lead: T-GOV}\n", encoding="utf-8")
    code, _, err = run("load-reference", str(bad))
    assert code == 1 and "routing[5]：类别“nope”未定义" in err
    code, out, _ = run("routing")
    assert code == 0 and out.strip() == ""
    code, _, err = run("load-reference", str(env / "missing.yaml"))
    assert code == 2 and "无法读取" in err and "missing.yaml" in err


def test_cli_board_of_an_unknown_meeting(env: Path) -> None:
    code, _, err = run("board", "999", "--out", str(env / "b.xlsx"))
    assert code == 1 and "找不到座谈走访记录 #999" in err
    assert not (env / "b.xlsx").exists()
