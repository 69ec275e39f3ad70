"""Chain pictures: the map's SVG (order, sizes, no data, colours, escaping) and the pages."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from highland.chains.models import LeadingFirm
from highland.chains.pictures import service as pictures
from highland.platform.web.i18n import translate
from tests.chains.analytics_world import YEAR, build
from tests.chains.users import make_users

SVG = "{http://www.w3.org/2000/svg}"


def _labels(lang: str = "zh-CN") -> dict[str, str]:
    from highland.chains.pictures.service import labels

    return labels(lang)


def _boxes(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("data-segment")]


def _box(code: str, stream: str, output: int | None, **kw: Any) -> pictures.Box:
    return pictures.Box(code=code, stream=stream, depth=kw.pop("depth", 0), name=code,
                        members=kw.pop("members", 3), output_fen=output, **kw)  # fmt: skip


def test_map_is_well_formed_and_ordered_upstream_to_downstream() -> None:
    boxes = [
        _box("d1", "downstream", 5),
        _box("u1", "upstream", 10),
        _box("u2", "upstream", 20, depth=1, parent="u1"),
        _box("m1", "midstream", None),
    ]
    svg = pictures.chain_map_svg(boxes, _labels(), "zh-CN", "2026-11-29")
    found = _boxes(svg)
    streams = [g.get("data-stream") for g in found]
    assert streams == ["upstream", "upstream", "midstream", "downstream"]
    xs = [float(g.find(f"{SVG}rect").get("x") or 0) for g in found]  # type: ignore[union-attr]
    assert xs[0] < xs[1] < xs[2] < xs[3]  # the child is indented; columns left to right
    heads = [
        t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.get("class") == "stream-head"
    ]
    assert heads == ["上游", "中游", "下游"]
    assert "数据截至：2026-11-29" in svg and "图例" in svg


def test_a_sub_segment_stays_under_its_parent() -> None:
    from highland.chains.models import Segment
    from highland.chains.pictures.service import _ordered

    def seg(code: str, stream: str, pos: int, parent: str | None = None) -> Segment:
        return Segment(code=code, stream=stream, position=pos, parent_code=parent, name=code)

    rows = [seg("down", "downstream", 1), seg("up", "upstream", 2),
            seg("kid", "midstream", 3, "up"), seg("mid", "midstream", 4)]  # fmt: skip
    got = [(s.code, depth, column) for s, depth, column in _ordered(rows)]
    assert got == [("up", 0, "upstream"), ("kid", 1, "upstream"), ("mid", 0, "midstream"),
                   ("down", 0, "downstream")]  # fmt: skip


def test_sizes_grow_with_output_and_missing_is_no_data() -> None:
    outputs = [None, 0, 1, 50, 100, 10_000]
    boxes = [_box(f"s{i}", "midstream", v) for i, v in enumerate(outputs)]
    found = _boxes(pictures.chain_map_svg(boxes, _labels(), "zh-CN", "x"))
    heights = [float(g.get("data-height") or 0) for g in found]
    assert heights == sorted(heights) and heights[-1] == pictures.MAX_H
    assert heights[0] == heights[1] == pictures.MIN_H  # missing: minimum size ...
    missing = found[0]
    assert "no-data" in (missing.get("class") or "") and missing.get("data-output") == ""
    texts = "".join(missing.itertext())
    assert "无数据" in texts and "0.0万元" not in texts  # ... marked no data, never 0
    assert "no-data" not in (found[1].get("class") or "")  # a known zero is a figure
    assert "0.0万元" in "".join(found[1].itertext())
    assert pictures.box_height(None, None) == pictures.MIN_H
    assert pictures.box_height(5, 0) == pictures.MIN_H


def test_colours_by_tier_and_bottleneck_outline() -> None:
    assert pictures.strength("strong", 0, 3) == "strong"
    assert pictures.strength("below", 10, 3) == "below"
    assert [pictures.strength(None, n, 3) for n in (0, 2, 3)] == ["none", "few", "some"]
    boxes = [
        _box("a", "upstream", 1, tier="strong", lq="1.500"),
        _box("b", "upstream", 1, tier="below", bottleneck=True),
        _box("c", "upstream", 1, tier="few"),
    ]
    svg = pictures.chain_map_svg(boxes, _labels("en"), "en", "x")
    found = _boxes(svg)
    fills = [g.find(f"{SVG}rect").get("fill") for g in found]  # type: ignore[union-attr]
    assert fills == [pictures.COLOURS[t][0] for t in ("strong", "below", "few")]
    neck = found[1]
    assert neck.find(f"{SVG}rect").get("stroke") == pictures.BOTTLENECK  # type: ignore[union-attr]
    assert "★ b" in "".join(neck.itertext()) and "LQ 1.500" in "".join(found[0].itertext())
    legend = "".join(next(g for g in ET.fromstring(svg).iter(f"{SVG}g")
                          if g.get("class") == "legend").itertext())  # fmt: skip
    assert "Strong" in legend and "Below" in legend and "few firms" in legend
    assert "some firms" not in legend  # only the tiers drawn


def test_names_are_escaped() -> None:
    nasty = 'A<b>&"c"\x01</svg>'
    box = pictures.Box(code="x&<y>", stream="upstream", depth=0, name=nasty, members=1,
                       output_fen=5, leading=("<链主>&Co",))  # fmt: skip
    svg = pictures.chain_map_svg([box], {**_labels(), "title": "<t>"}, "zh-CN", "<d>")
    root = ET.fromstring(svg)  # parses: nothing broke out
    (g,) = _boxes(svg)
    assert g.get("data-segment") == "x&<y>"
    assert 'A<b>&"c"</svg>' in g.findtext(f"{SVG}title", "")
    assert "<链主>&Co" in "".join(g.itertext()) and root.get("aria-label") == "<t>"
    row = pictures.DistrictRow("320115", "<区>&", 1, None, 0, None, None)
    for chart in pictures.district_charts([row], _labels()):
        assert "<区>&" in "".join(ET.fromstring(chart).itertext())


def test_money_and_fit() -> None:
    assert pictures.money_short(None, "zh-CN") is None
    assert pictures.money_short(123_456_789_00, "zh-CN") == "1.23亿元"
    assert pictures.money_short(4_560_000, "zh-CN") == "4.6万元"
    assert pictures.money_short(2_500_000_000_00, "en") == "CNY 2.50bn"
    assert pictures.money_short(45_600_000_0, "en") == "CNY 4.6m"
    assert pictures.fit("短", 100, 12) == "短"
    cut = pictures.fit("非常长的产业链环节名称" * 4, 100, 12)
    assert cut.endswith("…") and pictures.text_width(cut, 12) <= 100


def test_district_charts_keep_missing_as_gaps() -> None:
    rows = [
        pictures.DistrictRow("320102", "玄武区", 2, 3_000_000, 2, "1.200", "strong"),
        pictures.DistrictRow("320115", "江宁区", 1, None, 0, None, None),
    ]
    charts = pictures.district_charts(rows, _labels())
    assert len(charts) == 3
    for c in charts:
        ET.fromstring(c)
    assert ">3<" in charts[1] and "1.20" in charts[2]


# --------------------------------------------------------------------------- pages


@pytest.fixture
def users(db: Any) -> dict[str, dict[str, str]]:
    return make_users(db)


def _world(db: Any) -> dict[str, Any]:
    w = build(db)
    db.add(LeadingFirm(chain_id=w["chain"].id, enterprise_id=w["ents"][1].id, reason="t",
                       marked_by="t"))  # fmt: skip
    db.commit()
    return w


def test_map_page_in_both_languages(client: Any, db: Any, users: Any) -> None:
    w = _world(db)
    cid = w["chain"].id
    client.cookies.set("highland_session", users["leader"]["cookie"])
    resp = client.get(f"/chains/{cid}/map")
    assert resp.status_code == 200, resp.text
    body = resp.text
    start, end = body.index("<svg"), body.index("</svg>") + len("</svg>")
    found = _boxes(body[start:end])
    assert [g.get("data-segment") for g in found] == ["design", "equip", "fab", "test"]
    by = {g.get("data-segment"): g for g in found}
    # design: E1 600 + E2 300 known, E5 without a figure; fab: E3 100; the others none.
    assert by["design"].get("data-output") == "900" and by["fab"].get("data-output") == "100"
    assert "no-data" in (by["test"].get("class") or "")
    assert float(by["design"].get("data-height") or 0) > float(by["fab"].get("data-height") or 0)
    assert "E1" in "".join(by["design"].itertext())  # the leading firm in its segment
    assert "bottleneck" in (by["equip"].get("class") or "")
    assert f"营业收入 {YEAR} 年" in body and "产业链图谱" in body
    client.cookies.set("highland_lang", "en")
    en = client.get(f"/chains/{cid}/map")
    assert en.status_code == 200 and "Chain map" in en.text and f"revenue {YEAR}" in en.text
    svg = client.get(f"/chains/{cid}/map.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(svg.text)
    assert client.get("/chains/99999/map").status_code == 404
    assert client.get("/chains/99999/map.svg").status_code == 404
    refused = "measure “profit” is not valid; use one of employment"
    bad = client.get(f"/chains/{cid}/map?measure=profit")
    assert bad.status_code == 422 and refused in bad.text
    bad = client.get(f"/chains/{cid}/districts?measure=profit")
    assert bad.status_code == 422 and refused in bad.text


def test_districts_page(client: Any, db: Any, users: Any) -> None:
    w = _world(db)
    cid = w["chain"].id
    client.cookies.set("highland_session", users["chain_team"]["cookie"])  # reads any chain
    resp = client.get(f"/chains/{cid}/districts")
    assert resp.status_code == 200, resp.text
    body = resp.text
    assert body.count("<svg") == 3 and "district-table" in body
    # Members: E1, E2, E5 in 320115 (E5 without revenue), E3 in 320106; E6 only suggested.
    row = body[body.index('data-district="320115"') :]
    row = row[: row.index("</tr>")]
    assert ">3<" in row and "2 / 3" in row
    assert 'data-district="320102"' in body  # an LQ row though no accepted member
    other = body[body.index('data-district="320102"') :]
    assert "无数据" in other[: other.index("</tr>")]
    client.cookies.set("highland_lang", "en")
    en = client.get(f"/chains/{cid}/districts")
    assert en.status_code == 200 and "By district" in en.text
    assert client.get("/chains/99999/districts").status_code == 404


def test_pages_of_an_empty_chain(client: Any, db: Any, users: Any) -> None:
    from highland.chains.models import Chain

    chain = Chain(code="empty", name="空链")
    db.add(chain)
    db.commit()
    client.cookies.set("highland_session", users["analyst"]["cookie"])
    resp = client.get(f"/chains/{chain.id}/map")
    assert resp.status_code == 200 and translate("zh-CN", "chains.pictures.empty") in resp.text
    resp = client.get(f"/chains/{chain.id}/districts")
    assert resp.status_code == 200


def test_readers_only(client: Any, db: Any, users: Any) -> None:
    w = _world(db)
    cid = w["chain"].id
    assert client.get(f"/chains/{cid}/map", follow_redirects=False).status_code in (302, 303)
    for role in ("handler", "chain_head"):
        client.cookies.set("highland_session", users[role]["cookie"])
        assert client.get(f"/chains/{cid}/map").status_code == 200


def test_district_and_zone_breakdowns_count_each_member_once(
    client: Any, db: Any, users: Any
) -> None:
    """A zone firm is counted once by district and once by zone; a member whose district is
    not given sits in a bucket of its own (no LQ); both breakdowns add up to the members."""
    w = _world(db)
    cid = w["chain"].id
    w["ents"][1].zone_code = "320100-JNKQ"  # 江宁经开区, inside 江宁区 320115
    w["ents"][2].zone_code = "320100-JNKQ"
    w["ents"][5].district_code = None  # migrated from when a zone sat in the district field
    db.commit()
    names = {"": "未填", "320100-JNKQ": "江宁经开区"}
    by_district = pictures.district_rows(db, cid, YEAR, [], names)
    by_zone = pictures.zone_rows(db, cid, YEAR, names | {"": "无"})
    members = 4  # E1, E2, E5 in design; E3 in fab
    assert sum(r.members for r in by_district) == members
    assert sum(r.members for r in by_zone) == members
    assert {r.code: r.members for r in by_district} == {"320115": 2, "320106": 1, "": 1}
    assert by_district[-1].name == "未填"  # the bucket comes last
    assert {r.code: r.members for r in by_zone} == {"320100-JNKQ": 2, "": 2}
    client.cookies.set("highland_session", users["chain_team"]["cookie"])
    body = client.get(f"/chains/{cid}/districts").text
    assert 'data-district=""' in body and "未填" in body
    zone = body[body.index('data-zone="320100-JNKQ"') :]
    assert ">2<" in zone[: zone.index("</tr>")]
    assert "江宁经济技术开发区" in zone[: zone.index("</tr>")]
