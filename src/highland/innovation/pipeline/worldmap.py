"""Overseas collaborative innovation centres and cooperation projects by partner country on a
world map: a pygal choropleth (the country shapes ship inside the `pygal_maps_world` package;
nothing is fetched), coloured by centres + projects, in the reader's language — its title, its
legend and each country's tooltip come from the catalogue (`worldmap.*`), never pygal's own
words; no script (`charts.svg_of`). The page puts a table of the same numbers under it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from pygal_maps_world.i18n import COUNTRIES
from pygal_maps_world.maps import World

from highland.innovation import iso
from highland.platform.web import charts
from highland.platform.web.i18n import local_name, translate

ON_MAP = frozenset(COUNTRIES)  # the map's lowercase ISO 3166-1 alpha-2 codes
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
# pygal parses the package's map with ElementTree, which writes its elements back as `ns0:svg`,
# `ns0:g`, `ns0:path`: fine in an SVG file, but inline in an HTML page a browser does not know
# them as SVG and draws nothing. They are written as plain SVG elements.
_NS0 = re.compile(r"(</?)ns0:|\s+xmlns:ns0=\"[^\"]*\"")


@dataclass(frozen=True)
class CountryRow:
    """One partner country's line of the table under the map."""

    code: str
    name: str
    centres: int
    projects: int
    on_map: bool


def rows(counts: dict[str, tuple[int, int]], lang: str) -> list[CountryRow]:
    """The countries with centres or projects, most first, named in the reader's language."""
    order = sorted(counts, key=lambda c: (-sum(counts[c]), c))
    return [
        CountryRow(
            c,
            local_name(lang, *iso.country_names(c)),
            counts[c][0],
            counts[c][1],
            c.lower() in ON_MAP,
        )  # fmt: skip
        for c in order
    ]


class _World(World):  # type: ignore[misc,unused-ignore]  # pygal ships no type hints
    """The world map with tooltips of the catalogue (pygal's: an English name and a number)."""

    tooltips: dict[str, str] = {}

    def _value_format(self, value: Any) -> str:
        return self.tooltips.get(value[0], "")


def world_svg(counts: dict[str, tuple[int, int]], lang: str) -> str:
    """The map as inline SVG (role img, a <title> and a <desc> in the reader's language)."""
    key = tuple(sorted(counts.items()))
    return _world_svg(key, lang)


@lru_cache(maxsize=16)
def _world_svg(key: tuple[tuple[str, tuple[int, int]], ...], lang: str) -> str:
    counts = dict(key)
    title = translate(lang, "worldmap.title")
    desc = translate(
        lang,
        "worldmap.desc",
        countries=len(counts),
        centres=sum(c for c, _ in counts.values()),
        projects=sum(p for _, p in counts.values()),
    )
    chart = _World(
        style=charts.STYLE,
        js=(),
        disable_xml_declaration=True,
        width=760,
        height=420,
        margin=4,
        legend_at_bottom=True,
        show_legend=True,
        no_data_text=translate(lang, "innovation.none"),
    )
    chart.tooltips = {
        r.code.lower(): translate(
            lang, "worldmap.tooltip", country=r.name, centres=r.centres, projects=r.projects
        )  # fmt: skip
        for r in rows(counts, lang)
    }
    values = {c.lower(): a + b for c, (a, b) in counts.items() if c.lower() in ON_MAP and a + b}
    chart.add(translate(lang, "worldmap.legend"), values)
    svg = _NS0.sub(lambda m: m.group(1) or "", _COMMENTS.sub("", charts.svg_of(chart)))
    # pygal fills land without data like the sea (white): grey land, darker borders.
    cid = re.search(r'id="(chart-[0-9a-f-]+)"', svg)
    if cid:
        land = (f"#{cid[1]} .country.map-element:not(.series){{fill:#e4e9ee}}"
                f"#{cid[1]} .country.map-element{{stroke:#9aa5b1 !important}}")  # fmt: skip
        svg = svg.replace("</style>", land + "</style>", 1)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return svg.replace(
        "<title>Pygal</title>",
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
        1,
    )
