"""The demo's innovation data: 29 centres in 23 countries, Innovation Week, the Munich 2024
delegation with projects in every stage and its line, all illustrative; loaded once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from highland.chains.demo_data.chains import load_demo_chains
from highland.demands.demo.service import load_demo_reference
from highland.innovation import repository
from highland.innovation.demo.service import load_demo_innovation
from highland.innovation.pipeline import view
from highland.innovation.repository import Filter
from highland.platform.db import utcnow
from tests.conftest import ACTOR
from tests.innovation.world import ADMIN


def test_the_demo_loads_once_with_every_stage(db: Session) -> None:
    load_demo_chains(db, ACTOR)
    load_demo_reference(db, ACTOR)
    counts = load_demo_innovation(db)
    assert counts == {"platforms": 8, "centres": 29, "events": 2, "projects": 15}
    centres = repository.listed(db, ADMIN, "centres")
    assert len({c.country for c in centres}) == 23
    projects = repository.listed(db, ADMIN, "projects")
    assert {p.state for p in projects} == {"signed", "registered", "started", "operating",
                                          "stalled", "cancelled"}  # fmt: skip
    assert all(p.illustrative for p in projects + centres)
    assert {"Bosch", "Siemens", "BASF", "Merck", "Allianz"} <= {p.partner_en for p in projects}
    f = view.parse_filter(db, "munich-2024", None, None, None)
    v = view.view(db, ADMIN, f, "en", utcnow())
    assert [line.line for line in v.lines] == [
        "Munich 2024 (illustrative): 12 signed, 7 started, 2 stalled"
    ]
    zh = view.summary_line("zh-CN", v.lines[0].event, v.lines[0].funnel)
    assert zh == "2024南京赴德国慕尼黑经贸交流（示例）：签约 12 个，已开工 7 个，停滞 2 个"
    assert repository.funnels(db, ADMIN, Filter())[None].signed == 15
    assert load_demo_innovation(db)["platforms"] == 0
