"""District and functional zone in the rules: 江北新区 firms reach the municipal policies through
their real district, a `zone` criterion reads the zone, and sentences name zones."""

from __future__ import annotations

from datetime import date

import polars as pl

from highland.enterprises.demo import generate
from highland.policies import service as policy_service  # before present (import order)
from highland.policies.present import Formatter
from highland.policies.rules.explain import evaluate
from highland.policies.rules.fields import UNSOURCED_FIELDS
from highland.policies.rules.loader import load_library, portrait_from_human
from highland.policies.rules.model import compile_policy
from highland.policies.rules.testcases import frame_of
from highland.policies.rules.vector import details
from highland.policies.sentences import criterion

LIB = load_library([policy_service.DEMO_LIBRARY])
AS_OF = date(2026, 6, 30)
JIANGBEI = "320100-JBXQ"
MUNICIPAL_FILES = ("hightech", "rd", "srdi", "manufacturing", "talent_finance")


def test_no_jiangbei_firm_fails_a_municipal_policy_on_its_district() -> None:
    ents, _ = generate(3000, seed=11)
    jiangbei = ents.filter(pl.col("zone_code") == JIANGBEI)
    assert jiangbei.height > 50
    districts = set(jiangbei["district_code"].to_list())
    assert districts == {"320111", "320116"}
    tested = 0
    for p in LIB.policies.values():
        if p.level != "municipal":
            continue
        for c in compile_policy(p, AS_OF).criteria:
            if c.field != "district":
                continue
            tested += 1
            assert c.kind in ("one_of", "none_of"), (p.id, c.kind)
            fails = {d for d in districts if (d in c.items) != (c.kind == "one_of")}
            assert not fails, (p.id, fails)
    assert tested >= 10  # the municipal files do test the district


def test_zone_is_sourced_and_no_zone_is_false_not_unknown() -> None:
    assert "zone" not in UNSOURCED_FIELDS
    compiled = compile_policy(LIB.policies["jbxq-2025-ic-design"], AS_OF)
    base = {"district": "320111", "industry": "6520", "rd_spend": 3_000_000}
    for zone, status in ((JIANGBEI, "eligible"), ("", "ineligible"), ("320100-JNKQ", "ineligible")):
        values = portrait_from_human(base | {"zone": zone})
        assert evaluate(compiled, values).status == status
        assert details(frame_of(values), compiled).row(0, named=True)["status"] == status
    # A district not given is missing: a district test is unknown, never false.
    hightech = compile_policy(LIB.policies["nj-2025-hightech-first"], AS_OF)
    values = portrait_from_human({"zone": JIANGBEI, "qualifications": ["high_tech"],
                                  "revenue": 1_000_000})  # fmt: skip
    result = evaluate(hightech, values)
    assert result.status == "unknown" and "district" in result.missing


def test_a_zone_criterion_is_worded_with_the_zone_name() -> None:
    regions = {JIANGBEI: ("江北新区", "Jiangbei New Area"), "320111": ("浦口区", "Pukou")}
    c = next(
        c for c in compile_policy(LIB.policies["jbxq-2025-ic-design"], AS_OF).criteria
        if c.field == "zone"
    )
    zh, en = criterion(Formatter("zh-CN", regions), c), criterion(Formatter("en", regions), c)
    assert "江北新区" in zh and JIANGBEI not in zh
    assert "Jiangbei New Area" in en and JIANGBEI not in en
