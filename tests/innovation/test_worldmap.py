"""The world map of overseas centres and cooperation projects: drawn offline from the shapes
of the pygal_maps_world package, every demo country coloured, its title, legend and tooltips
in the reader's language (none of pygal's own words, no script), with a table of the same
numbers on the front page."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from highland.chains.demo_data.chains import load_demo_chains
from highland.demands.demo.service import load_demo_reference
from highland.innovation import iso, repository
from highland.innovation.demo import data
from highland.innovation.demo.service import load_demo_innovation
from highland.innovation.pipeline import worldmap
from highland.platform.identity import service as identity
from tests.conftest import ACTOR
from tests.innovation.world import ADMIN


def _demo(db: Session) -> dict[str, tuple[int, int]]:
    load_demo_chains(db, ACTOR)
    load_demo_reference(db, ACTOR)
    load_demo_innovation(db)
    db.commit()
    return repository.by_country(db, ADMIN)


def _coloured(svg: str) -> set[str]:
    """The countries the map colours (pygal marks their shapes as a series)."""
    return {m.upper() for m in re.findall(r'class="(\w\w) country map-element[^"]*series', svg)}


def test_the_map_colours_every_demo_country_in_both_languages(db: Session) -> None:
    counts = _demo(db)
    countries = {c[0] for c in data.CENTRES}
    assert len(countries) == 23 and countries <= set(counts)
    assert set(counts) <= {c.upper() for c in worldmap.ON_MAP}  # every demo country is drawn
    for lang, title, words in (
        ("zh-CN", "海外中心与合作项目分布图",
         ("德国：海外中心 2 个，合作项目 12 个", "颜色越深越多")),
        ("en", "World map of overseas centres and cooperation projects",
         ("Germany: 2 overseas centres, 12 cooperation projects", "darker: more")),
    ):  # fmt: skip
        svg = worldmap.world_svg(counts, lang)
        assert svg.startswith(f'<svg role="img" aria-label="{title}"')
        assert f"<title>{title}</title><desc>" in svg
        assert all(w in svg for w in words)
        assert _coloured(svg) == set(counts)
        assert "<script" not in svg and "Pygal" not in svg and "<!--" not in svg
        assert "ns0" not in svg and svg.count("<path") > 1000  # plain SVG elements in a page
        assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch
    en = worldmap.world_svg(counts, "en")
    assert not re.search(r"[\u4e00-\u9fff]", en)  # no Chinese on the English map
    assert "Germany" not in worldmap.world_svg(counts, "zh-CN")


def test_a_country_the_map_lacks_is_in_the_table_and_says_so() -> None:
    assert iso.country("FJ") == "FJ" and "fj" not in worldmap.ON_MAP  # Fiji: not drawn
    table = worldmap.rows({"FJ": (1, 0), "DE": (0, 3)}, "en")
    assert [(r.code, r.centres, r.projects, r.on_map) for r in table] == [
        ("DE", 0, 3, True), ("FJ", 1, 0, False)]  # fmt: skip
    svg = worldmap.world_svg({"FJ": (1, 0), "DE": (0, 3)}, "en")
    assert _coloured(svg) == {"DE"}


def test_the_front_page_shows_the_map_and_its_table(client: Any, db: Session) -> None:
    counts = _demo(db)
    user = identity.create_user(db, ACTOR, username="w_leader", password="password-1",
                                role="leader")  # fmt: skip
    cookie, _ = identity.open_session(db, user, 1)
    db.commit()
    for lang, name in (("zh-CN", "德国"), ("en", "Germany")):
        client.cookies.clear()
        client.cookies.set("highland_session", cookie)
        client.cookies.set("highland_lang", lang)
        page = client.get("/innovation").text
        chart = page.split('id="chart-country"', 1)[1].split("</div>", 1)[0]
        assert "map-element" in chart and 'role="img"' in chart
        table = page.split('id="country-table"', 1)[1].split("</table>", 1)[0]
        assert len(re.findall(r"data-country=", table)) == len(counts)
        de = table.split('data-country="DE"', 1)[1].split("</tr>", 1)[0]
        assert name in de and '<td class="num">2</td><td class="num">12</td>' in de
        assert "<script" not in page.split("<main")[-1]
