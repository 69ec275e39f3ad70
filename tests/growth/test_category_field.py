"""A support policy on `growth_category`: the firm's category on the city's published list valid
at the date, lent to the portrait by the growth domain. Both evaluators (the whole registry's
frame and one firm's values) match the firms of the list; a firm on no list is "" — false,
never unknown."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.growth import service
from highland.policies import service as policy_service  # before present (import order)
from highland.policies.present import Formatter
from highland.policies.rules.explain import evaluate
from highland.policies.rules.fields import UNSOURCED_FIELDS
from highland.policies.rules.loader import load_library
from highland.policies.rules.model import compile_policy
from highland.policies.rules.vector import details
from highland.policies.sentences import criterion
from tests.factories import uscc
from tests.growth.test_lists import ACTOR
from tests.growth.test_lists import world as world  # noqa: F401  (the fixture)

LIB = load_library([policy_service.DEMO_LIBRARY])
IN_2024 = date(2024, 6, 30)


def _statuses(db: Session, policy: str, as_of: date) -> tuple[dict[str, str], dict[str, str]]:
    compiled = compile_policy(LIB.policies[policy], as_of)
    frame = registry.portrait_frame(db, as_of)
    vector = {r["uscc"]: r["status"] for r in details(frame, compiled).iter_rows(named=True)}
    one = {}
    for u in frame.get_column("uscc"):
        values = registry.portrait_values(db, u, as_of)
        assert values is not None
        one[u] = evaluate(compiled, values).status
    return vector, one


def test_a_policy_on_growth_category_matches_the_published_list(
    db: Session, world: dict[str, Any]  # noqa: F811
) -> None:
    assert "growth_category" not in UNSOURCED_FIELDS
    service.publish(db, service.ruleset("nanjing-2024"), 2024, ACTOR)
    frame = registry.portrait_frame(db, IN_2024)
    by = dict(zip(frame["uscc"], frame["growth_category"], strict=True))
    assert by[uscc(4)] == "unicorn" and by[uscc(5)] == "cultivated-unicorn"
    assert by[uscc(1)] == "gazelle" and by[uscc(6)] == ""  # on no list: known, empty
    gazelles = {uscc(n) for n in (1, 2, 3, 7, 8)}
    vector, one = _statuses(db, "nj-2024-gazelle-award", IN_2024)
    assert vector == one
    assert {u for u, s in vector.items() if s == "eligible"} == gazelles
    assert {s for u, s in vector.items() if u not in gazelles} == {"ineligible"}  # never unknown
    vector, one = _statuses(db, "nj-2024-unicorn", IN_2024)
    assert vector == one and {u for u, s in vector.items() if s == "eligible"} == {uscc(4)}


def test_no_list_valid_at_the_date_is_false_not_unknown(
    db: Session, world: dict[str, Any]  # noqa: F811
) -> None:
    service.publish(db, service.ruleset("nanjing-2024"), 2024, ACTOR)
    # The 2024 list stands for 2024: in 2025, with no 2025 list published, every firm is on none.
    vector, one = _statuses(db, "nj-2024-gazelle-award", date(2025, 3, 31))
    assert vector == one and set(vector.values()) == {"ineligible"}
    # Another rule set's list (not the city's round) does not make a city category.
    service.publish(db, service.ruleset("oecd-hge-20"), 2024, ACTOR)
    frame = registry.portrait_frame(db, date(2025, 3, 31))
    assert set(frame["growth_category"]) == {""}


def test_a_growth_category_criterion_is_worded_in_the_catalogue() -> None:
    c = compile_policy(LIB.policies["nj-2024-gazelle-award"], IN_2024).criteria[0]
    zh, en = criterion(Formatter("zh-CN", {}), c), criterion(Formatter("en", {}), c)
    assert "瞪羚企业" in zh and "gazelle" not in zh
    assert "gazelle" in en.lower()
    fmt = Formatter("zh-CN", {})
    assert fmt.value("growth_category", "") == "不在名单上"
    assert fmt.value("growth_category", "cultivated-unicorn") == "培育独角兽企业"
