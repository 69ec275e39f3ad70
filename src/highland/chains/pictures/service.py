"""Pictures of a chain, built on the server as SVG strings from plain data (no script, no CDN).

- `chain_map_svg`: the segments in three columns, upstream → midstream → downstream, children
  indented under their parents; each box's height grows with the local output (the square
  root of its share of the largest box, so area reads as size), missing output is a box of the
  minimum height hatched and marked "no data" (never a zero); the fill is the LQ tier where a
  reference exists, else the member count (none / few / some); bottleneck segments are
  outlined and starred; leading firms (链主) are named in their boxes; a legend and the data
  date sit underneath.
- `district_charts`: small multiples (pygal, like highland.platform.web.charts) of the chain's local
  enterprises, output and LQ by district, one district order for all three.

Every text is XML-escaped here, so names with < & > cannot break the SVG.

The map's figures (`map_data`) come from the chain member figures of chains.figures (accepted
members of each segment with its sub-segments and their revenue for one year — the latest year
in which any member has a revenue figure), the leading firms, and the LQs of
chains.analytics.service.analyse; the district breakdown (`district_rows`) is one SQL GROUP BY
(pictures.repository). Missing revenue stays missing (None), never 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import polars as pl
import pygal
from sqlalchemy.orm import Session

from highland.chains import figures as chain_figures
from highland.chains import service as chains
from highland.chains.analytics import service as analytics
from highland.chains.models import Chain, Segment
from highland.chains.pictures import repository
from highland.platform.db import utcnow
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.charts import _STYLE, svg_of
from highland.platform.web.i18n import local_name, translate

STREAMS = ("upstream", "midstream", "downstream")
LQ_TIERS = ("strong", "specialised", "below")
COUNT_TIERS = ("none", "few", "some")
# Fill and text colour of each tier (LQ tiers green → amber; member counts grey → blue).
COLOURS: dict[str, tuple[str, str]] = {
    "strong": ("#1f7a4d", "#ffffff"),
    "specialised": ("#9fd3b4", "#12263a"),
    "below": ("#f4c95d", "#12263a"),
    "none": ("#e4e7eb", "#12263a"),
    "few": ("#f9dcc4", "#12263a"),
    "some": ("#b9d6f2", "#12263a"),
}
BOTTLENECK = "#b42318"
WIDTH = 960
MARGIN = 16
GAP = 24
COL_W = (WIDTH - 2 * MARGIN - 2 * GAP) // 3
INDENT = 14
MIN_H = 62  # a box with no or zero output (room for three lines)
MAX_H = 132  # the box with the largest output
V_GAP = 8
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: object) -> str:
    """Text content for SVG: escaped, without characters XML forbids."""
    return escape(_BAD_XML.sub("", str(value)))


def attr(value: object) -> str:
    """An attribute value for SVG, quoted and escaped."""
    return quoteattr(_BAD_XML.sub("", str(value)))


def text_width(value: str, size: float) -> float:
    """Estimated width in px: wide (CJK, full-width) characters one em, others 0.58 em."""
    return sum(size if ord(ch) >= 0x2E80 else 0.58 * size for ch in value)


def fit(value: str, width: float, size: float) -> str:
    """The text cut to fit the width, ending with … when cut."""
    if text_width(value, size) <= width:
        return value
    out = ""
    for ch in value:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def money_short(fen: int | None, lang: str) -> str | None:
    """Output for a box: 1.23亿元 / 456万元 in Chinese, CNY 1.2bn / 45.6m in English. Each
    language counts in its own units, so the catalogue gives the scales
    (`chains.pictures.money_scales`: "unit places text" from the largest, separated by |)."""
    if fen is None:
        return None
    yuan = Decimal(fen) / 100
    scales = [part.split(" ", 2) for part in translate(lang, P + "money_scales").split("|")]
    unit, places, shape = next(
        (s for s in scales if abs(yuan) >= Decimal(s[0])), scales[-1]
    )  # the largest scale the amount reaches, else the smallest
    value = (yuan / Decimal(unit)).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    return shape.replace("#", f"{value:,}")


def strength(lq_tier: str | None, members: int, few: int) -> str:
    """The colour tier: the LQ tier where one was computed, else none / few / some members."""
    if lq_tier in LQ_TIERS:
        return lq_tier
    if members == 0:
        return "none"
    return "few" if members < few else "some"


def box_height(output: int | None, largest: int | None) -> float:
    """MIN_H for missing or non-positive output, growing with √(output / largest) to MAX_H."""
    if output is None or output <= 0 or not largest or largest <= 0:
        return float(MIN_H)
    return MIN_H + (MAX_H - MIN_H) * math.sqrt(min(output, largest) / largest)


@dataclass(frozen=True)
class Box:
    """One segment as the map draws it (names already in the page's language)."""

    code: str
    stream: str  # the column: the stream of its top-level segment
    depth: int  # 0 for a top-level segment
    name: str
    members: int  # accepted member enterprises (the segment and its sub-segments)
    output_fen: int | None  # sum of the members' known revenue; None = no figure at all
    with_output: int = 0  # members with a revenue figure
    tier: str = "none"  # see strength()
    lq: str | None = None
    bottleneck: bool = False
    leading: tuple[str, ...] = ()
    parent: str | None = None


@dataclass
class Placed:
    """A box with its position (for tests and the page's table of contents)."""

    box: Box
    x: float
    y: float
    w: float
    h: float
    children: list[str] = field(default_factory=list)


def layout(boxes: Sequence[Box], top: float) -> tuple[list[Placed], float]:
    """Place the boxes in their stream columns in the given (tree, depth-first) order;
    returns the placed boxes and the bottom of the tallest column."""
    largest = max((b.output_fen for b in boxes if b.output_fen is not None), default=None)
    placed: list[Placed] = []
    bottom = top
    for i, stream in enumerate(STREAMS):
        x0 = MARGIN + i * (COL_W + GAP)
        y = top
        for b in (b for b in boxes if b.stream == stream):
            indent = min(b.depth, 4) * INDENT
            h = box_height(b.output_fen, largest)
            placed.append(Placed(b, x0 + indent, y, COL_W - indent, h))
            y += h + V_GAP
        bottom = max(bottom, y)
    return placed, bottom


def _line(x: float, y: float, body: str, size: int, colour: str, bold: bool = False) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}"{weight}>'
        f"{text(body)}</text>"
    )


def _box(p: Placed, labels: Mapping[str, str], lang: str) -> str:
    b = p.box
    fill, ink = COLOURS.get(b.tier, COLOURS["none"])
    stroke = f'stroke="{BOTTLENECK}" stroke-width="3"' if b.bottleneck else (
        'stroke="#52606d" stroke-width="1"'
    )  # fmt: skip
    classes = f"seg tier-{b.tier}" + (" bottleneck" if b.bottleneck else "")
    classes += " no-data" if b.output_fen is None else ""
    out = [
        f"<g class={attr(classes)} data-segment={attr(b.code)} data-stream={attr(b.stream)} "
        f"data-output={attr('' if b.output_fen is None else b.output_fen)} "
        f'data-height="{p.h:.2f}">',
        f"<title>{text(b.name)}</title>",
        f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{p.h:.1f}" rx="5" '
        f'fill="{fill}" {stroke}/>',
    ]
    if b.output_fen is None:
        out.append(
            f'<rect class="hatch" x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" '
            f'height="{p.h:.1f}" rx="5" fill="url(#nodata)"/>'
        )
    pad = 8
    inner = p.w - 2 * pad
    count = labels["members"].format(n=b.members)
    count_w = text_width(count, 11) + 6
    out.append(
        f'<text x="{p.x + p.w - pad:.1f}" y="{p.y + 18:.1f}" font-size="11" fill="{ink}" '
        f'text-anchor="end" class="count">{text(count)}</text>'
    )
    star = "★ " if b.bottleneck else ""
    name_ink = BOTTLENECK if b.bottleneck and ink != "#ffffff" else ink
    name = fit(star + b.name, inner - count_w, 13)
    out.append(_line(p.x + pad, p.y + 18, name, 13, name_ink, True))
    money = money_short(b.output_fen, lang)
    facts = [money if money is not None else labels["no_data"]]
    if money is not None and b.with_output < b.members:
        facts[0] += " " + labels["known_of"].format(k=b.with_output, n=b.members)
    if b.lq is not None:
        facts.append(f"LQ {b.lq}")
    out.append(_line(p.x + pad, p.y + 36, fit(" · ".join(facts), inner, 11), 11, ink))
    if b.leading:
        firms = labels["list_sep"].join(b.leading)
        body = fit(f"{labels['leading']}: {firms}", inner, 11)
        out.append(_line(p.x + pad, p.y + 53, body, 11, ink, True))
    out.append("</g>")
    return "".join(out)


def _links(placed: list[Placed]) -> str:
    """Elbow lines from each parent's left edge down to its children."""
    at = {p.box.code: p for p in placed}
    out = []
    for p in placed:
        parent = at.get(p.box.parent) if p.box.parent else None
        if parent is None or parent.box.stream != p.box.stream:
            continue
        x = parent.x + 6
        y = p.y + min(p.h / 2, 18)
        out.append(
            f'<path d="M{x:.1f},{parent.y + parent.h:.1f} V{y:.1f} H{p.x:.1f}" '
            'fill="none" stroke="#9aa5b1" stroke-width="1.5"/>'
        )
    return "".join(out)


def _legend(y: float, labels: Mapping[str, str], tiers: Sequence[str]) -> tuple[str, float]:
    """Swatches for the tiers in use, the no-data hatch, the bottleneck outline and 链主."""
    items: list[tuple[str, str]] = []
    for t in tiers:
        fill, _ = COLOURS[t]
        items.append((f'<rect width="18" height="12" rx="2" fill="{fill}" stroke="#52606d"/>',
                      labels[f"tier.{t}"]))  # fmt: skip
    items.append(
        (
            '<rect width="18" height="12" rx="2" fill="#ffffff" stroke="#52606d"/>'
            '<rect width="18" height="12" rx="2" fill="url(#nodata)"/>',
            labels["no_data"],
        )
    )
    items.append((f'<rect width="18" height="12" rx="2" fill="#ffffff" stroke="{BOTTLENECK}" '
                  'stroke-width="3"/>', "★ " + labels["bottleneck"]))  # fmt: skip
    out = [f'<g class="legend" transform="translate({MARGIN},{y:.1f})">',
           _line(0, 12, labels["legend"], 12, "#12263a", True)]  # fmt: skip
    x, row = 0.0, 22.0
    for swatch, label in items:
        w = 26 + text_width(label, 11) + 18
        if x + w > WIDTH - 2 * MARGIN:
            x, row = 0.0, row + 20
        out.append(f'<g transform="translate({x:.1f},{row:.1f})">{swatch}'
                   f"{_line(24, 10, label, 11, '#12263a')}</g>")  # fmt: skip
        x += w
    out.append(_line(0, row + 34, labels["size_note"], 11, "#52606d"))
    out.append("</g>")
    return "".join(out), row + 44


def chain_map_svg(boxes: Sequence[Box], labels: Mapping[str, str], lang: str, as_of: str) -> str:
    """The chain map as one SVG document (boxes in tree order within each stream).

    labels: title, stream.<stream>, no_data, known_of ({k} of {n}), members ({n}), leading,
    legend, size_note, bottleneck, empty, as_of ({date}), tier.<tier> for each tier drawn."""
    head = 64.0
    placed, bottom = layout(boxes, head)
    tiers = [t for t in (*LQ_TIERS, *COUNT_TIERS) if any(b.tier == t for b in boxes)]
    legend, legend_h = _legend(bottom + 14, labels, tiers or ["none"])
    height = bottom + 14 + legend_h + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-map" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f"font-family={attr(FONT)} aria-label={attr(labels['title'])}>",
        f"<title>{text(labels['title'])}</title>",
        '<defs><pattern id="nodata" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="none"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#7b8794" stroke-width="2" '
        'stroke-opacity="0.45"/></pattern></defs>',
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="#ffffff"/>',
        _line(MARGIN, 20, labels["as_of"].format(date=as_of), 11, "#52606d"),
    ]
    for i, stream in enumerate(STREAMS):
        x0 = MARGIN + i * (COL_W + GAP)
        out.append(f'<rect x="{x0}" y="30" width="{COL_W}" height="24" rx="4" fill="#12263a"/>')
        out.append(
            f'<text x="{x0 + COL_W / 2:.1f}" y="47" font-size="13" font-weight="700" '
            f'fill="#ffffff" text-anchor="middle" class="stream-head" '
            f"data-stream={attr(stream)}>{text(labels['stream.' + stream])}</text>"
        )
        if i < 2:
            ax = x0 + COL_W + 4
            out.append(f'<path d="M{ax},42 h{GAP - 10} m-5,-5 l5,5 l-5,5" fill="none" '
                       'stroke="#12263a" stroke-width="2"/>')  # fmt: skip
        if not any(b.stream == stream for b in boxes):
            out.append(_line(x0 + 8, head + 18, labels["empty"], 12, "#5b6673"))
    out.append(_links(placed))
    out.extend(_box(p, labels, lang) for p in placed)
    out.append(legend)
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- districts


@dataclass(frozen=True)
class DistrictRow:
    """One district of the city for the chain: members, their output and the district LQ."""

    code: str
    name: str
    members: int
    output_fen: int | None  # None: no member has a revenue figure
    with_output: int
    lq: str | None  # rounded for display
    tier: str | None


def _chart(
    title: str, names: list[str], values: list[float | None], fmt: str, empty: str
) -> str:
    """One horizontal bar chart; pygal draws the first label at the bottom, so both lists are
    reversed to read top-down in the table's order."""
    longest = max((text_width(n, 12) for n in names), default=0)
    chart = pygal.HorizontalBar(
        style=_STYLE,
        js=(),
        disable_xml_declaration=True,
        height=max(200, 60 + 26 * len(names)),
        width=340,
        show_legend=False,
        title=title,
        print_values=False,
        margin=6,
        margin_left=6 + max(0, int(longest * 0.45)),
        truncate_label=-1,
        x_label_rotation=0,
        y_labels_major_every=None,
        value_formatter=lambda v: fmt.format(v),
        no_data_text=empty,
    )
    chart.config.min_scale = 3
    chart.config.max_scale = 5
    chart.x_labels = names[::-1]
    chart.add(title, values[::-1])
    return svg_of(chart)


def district_charts(rows: Sequence[DistrictRow], labels: Mapping[str, str]) -> list[str]:
    """Three bar charts in one district order: member enterprises, output (万元) and the
    district LQ; missing output and undefined LQs stay gaps, never zeros.

    labels: enterprises, output, lq (chart titles)."""
    names = [r.name for r in rows]
    members: list[float | None] = [float(r.members) for r in rows]
    output: list[float | None] = [
        None if r.output_fen is None else r.output_fen / 1_000_000 for r in rows
    ]
    lqs: list[float | None] = [None if r.lq is None else float(r.lq) for r in rows]
    return [
        _chart(labels["enterprises"], names, members, "{:,.0f}", labels["no_data"]),
        _chart(labels["output"], names, output, "{:,.0f}", labels["no_data"]),
        _chart(labels["lq"], names, lqs, "{:.2f}", labels["no_data"]),
    ]


# --------------------------------------------------------------------------- the data drawn

P = "chains.pictures."


def revenue_year(figures: chain_figures.Figures, chain_id: int) -> int | None:
    """The latest year in which any accepted member of the chain has a revenue figure."""
    years = figures.chain(chain_id).filter((pl.col("segment_code") == "") & (pl.col("year") > 0))[
        "year"
    ]
    return int(years.max()) if years.len() else None  # type: ignore[arg-type]


def _ordered(segments: list[Segment]) -> list[tuple[Segment, int, str]]:
    """(segment, depth, column) depth-first within each stream, upstream → downstream. A
    sub-segment stays under its parent, in the column of its top-level segment (as on the
    chain page)."""
    out: list[tuple[Segment, int, str]] = []

    def walk(nodes: list[chains.Node], column: str) -> None:
        for n in nodes:
            out.append((n.segment, n.depth, column))
            walk(n.children, column)

    for stream, roots in chains.by_stream(segments).items():
        if stream in STREAMS:
            walk(roots, stream)
    return out


@dataclass
class MapData:
    """What the map page shows."""

    chain: Chain
    boxes: list[Box]
    revenue_year: int | None
    lq: dict[str, Any]  # analytics.analyse output


def map_data(
    db: Session,
    chain_id: int,
    lang: str,
    region: str,
    measure: str,
    few: int,
    result: dict[str, Any] | None = None,
) -> MapData:
    """The boxes of the chain map: members and output of each segment and its sub-segments,
    the segment's LQ tier (or member-count tier), bottleneck flag and leading firms. `result`:
    the chain's analytics.analyse output when the caller has it already (same region,
    measure and few), so that it is not computed twice."""
    chain = chains.get_chain(db, chain_id)
    if result is None:
        result = analytics.analyse(db, chain_id, region=region, measure=measure, few=few, top=0)
    segments = chains.segments(db, chain.version_id) if chain.version_id is not None else []
    figures = chain_figures.current(db)
    year = revenue_year(figures, chain_id)
    rows = figures.chain(chain_id).filter(pl.col("year").is_in([0, year or 0]))
    members = {r["segment_code"]: r["members"] for r in rows.to_dicts() if r["year"] == 0}
    output = {r["segment_code"]: r for r in rows.to_dicts() if r["year"] != 0}
    leaders = repository.leading_names(db, chain_id, lang)
    own = repository.segments_of(db, chain_id, list(leaders))
    lqs = {s["segment"]: s["lq"] for s in result["segments"]}
    boxes = []
    for s, depth, column in _ordered(segments):
        lq = lqs.get(s.code, {})
        count = int(members.get(s.code, 0))
        out = output.get(s.code)
        boxes.append(
            Box(
                code=s.code,
                stream=column,
                depth=depth,
                name=local_name(lang, s.name, s.name_en),
                members=count,
                output_fen=int(out["revenue"]) if out else None,
                with_output=int(out["members"]) if out else 0,
                tier=strength(lq.get("tier"), count, few),
                lq=lq.get("lq"),
                bottleneck=bool(s.bottleneck),
                leading=tuple(n for e, n in leaders.items() if e in own.get(s.code, set())),
                parent=s.parent_code,
            )
        )
    return MapData(chain, boxes, year, result)


def zone_rows(
    db: Session, chain_id: int, year: int | None, names: dict[str, str]
) -> list[DistrictRow]:
    """Members and their output by functional zone or park, then the members in no zone
    (keyed "", named `names[""]`); no LQ: zones overlap districts and have no city share."""
    found = repository.by_zone(db, chain_id, year)
    rows = []
    for code in sorted(found, key=lambda c: (c is None, c or "")):
        n, total, k = found[code]
        key = code or ""
        rows.append(DistrictRow(key, names.get(key, key), n, total if k else None, k, None, None))
    return rows


def district_rows(
    db: Session, chain_id: int, year: int | None, lqs: list[dict[str, Any]], names: dict[str, str]
) -> list[DistrictRow]:
    """Members and their output by district (SQL GROUP BY), with the district LQs."""
    # A district not given (NULL: docs/portrait.md) is a bucket of its own, keyed "" and
    # shown last under `names[""]`; every member is counted in exactly one row.
    found = {k or "": v for k, v in repository.by_district(db, chain_id, year).items()}
    by_lq = {q["district"] or "": q for q in lqs}
    rows = []
    for code in sorted(set(found) | set(by_lq), key=lambda c: (c == "", c)):
        n, total, k = found.get(code, (0, None, 0))
        q = by_lq.get(code, {})
        rows.append(
            DistrictRow(
                code=code,
                name=names.get(code, code),
                members=n,
                output_fen=total if k else None,
                with_output=k,
                lq=q.get("lq"),
                tier=q.get("tier"),
            )
        )
    return rows


def labels(lang: str) -> dict[str, str]:
    """The pictures' words in the reader's language (see chain_map_svg, district_charts)."""
    keys = ("title", "no_data", "known_of", "members", "leading", "legend", "size_note",
            "empty", "as_of", "enterprises", "output", "lq")  # fmt: skip
    out = {k: translate(lang, P + k) for k in keys}
    out["list_sep"] = translate(lang, "chains.sep.list")
    out["bottleneck"] = translate(lang, "chains.bottleneck")
    for stream in STREAMS:
        out["stream." + stream] = translate(lang, "chains.stream." + stream)
    for tier in (*LQ_TIERS, *COUNT_TIERS):
        out["tier." + tier] = translate(lang, P + "tier." + tier)
    return out


_labels = labels  # the name chains.report reads


def as_of_text(lang: str, d: MapData, now: datetime | None = None) -> str:
    """The map's "data as of" line: today, the revenue year, the LQ year and region."""
    today = (now or utcnow()).astimezone(CITY_TZ).date().isoformat()
    year = d.revenue_year if d.revenue_year is not None else "—"
    lq_year = d.lq["year"] if d.lq["year"] is not None else "—"
    return translate(lang, P + "as_of_detail", today=today, year=year, lq_year=lq_year,
                     region=d.lq["region"])  # fmt: skip
