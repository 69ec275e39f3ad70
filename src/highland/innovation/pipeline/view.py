"""The leader's view of the pipeline: the funnel and the projects of the filters (the stuck
ones first), one summary line per event ("Munich 2024: 12 signed, 7 started, 2 stalled"), and
the charts as offline SVG — the funnel, centres and projects by country on a world map
(`worldmap`), platforms by chain."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from highland.chains import public as chains
from highland.innovation import iso, repository
from highland.innovation.models import CoopProject, InnovationEvent
from highland.innovation.pipeline import worldmap
from highland.innovation.repository import Filter, Funnel
from highland.innovation.vocab import STAGES
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.web import charts
from highland.platform.web.i18n import local_name, translate

FUNNEL = ("signed", "registered", "started", "operating")


@dataclass
class EventLine:
    """One event's projects: the event, its funnel and its line in the reader's language."""

    event: InnovationEvent
    funnel: Funnel
    line: str


@dataclass
class View:
    """What the pipeline page shows."""

    filter: Filter
    funnel: Funnel
    projects: list[CoopProject]
    events: list[InnovationEvent]
    lines: list[EventLine]
    chains: dict[str, chains.ChainRef]


def parse_filter(
    session: Session, event: str | None, country: str | None, chain: str | None, stage: str | None
) -> Filter:
    """The filters from query text (empty: any), each checked (422 naming it)."""
    event_id = None
    if event:
        event_id = repository.event_codes(session).get(event)
        if event_id is None:
            raise InvalidInput(
                f"event: no event '{event[:64]}'",
                field="event",
                code="innovation.unknown_event",
                params={"field": "@innovation.col.event", "value": event[:64]},
            )
    code = None
    if country:
        code = iso.country(country)
        if code is None:
            raise InvalidInput(
                f"country: '{country[:8]}' is not an ISO 3166 code",
                field="country",
                code="innovation.bad_country",
                params={"field": "@innovation.col.country", "value": country[:8]},
            )
    if stage and stage not in STAGES:
        raise InvalidInput(
            f"stage: '{stage[:16]}' is not a stage",
            field="stage",
            code="innovation.bad_choice",
            params={
                "field": "@innovation.col.stage",
                "value": stage[:16],
                "allowed": ", ".join(STAGES),
            },
        )
    return Filter(event_id, code, chain or None, stage or None)


def summary_line(lang: str, event: InnovationEvent, f: Funnel) -> str:
    """ "Munich 2024: 12 signed, 7 started, 2 stalled" in the reader's language."""
    return translate(
        lang,
        "innovation.summary.line",
        event=local_name(lang, event.name, event.name_en),
        signed=f.signed,
        started=f.started,
        stalled=f.stalled,
    )


def view(session: Session, principal: Principal, f: Filter, lang: str, now: datetime) -> View:
    """The pipeline page's data."""
    events = repository.events(session)
    # An event's line counts every stage: the stage filter narrows the list, not the line.
    by_event = repository.funnels(session, principal, replace(f, stage=None), by_event=True)
    lines = [
        EventLine(e, by_event[e.id], summary_line(lang, e, by_event[e.id]))
        for e in events
        if e.id in by_event
    ]
    total = repository.funnels(session, principal, f).get(None, Funnel())
    return View(
        f,
        total,
        repository.pipeline(session, principal, f, now),
        events,
        lines,
        chains.chain_refs(session),
    )


# --------------------------------------------------------------------------- charts


def funnel_svg(f: Funnel, lang: str) -> str:
    """The funnel: one centred bar per stage reached, its width by count, plus the stalled and
    cancelled beside it."""
    width, bar_h, gap, top = 560, 34, 8, 30
    values = [(s, getattr(f, s)) for s in FUNNEL]
    most = max(1, f.signed)
    title = translate(lang, "innovation.chart.funnel")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="funnel" '
        f'viewBox="0 0 {width} {top + 4 * (bar_h + gap) + 30}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect width="{width}" height="{top + 4 * (bar_h + gap) + 30}" fill="#ffffff"/>',
        f'<text x="8" y="18" font-size="13" fill="#1f2933">{escape(title)}</text>',
    ]
    for i, (stage, n) in enumerate(values):
        w = max(2.0, 380 * n / most)
        x, y = (width - 120 - w) / 2, top + i * (bar_h + gap)
        label = f"{translate(lang, 'innovation.s.' + stage)} {n}"
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
            f'fill="#1d4e89" data-stage="{stage}" data-count="{n}"/>'
            f'<text x="{width - 110}" y="{y + 22}" font-size="13" fill="#1f2933">'
            f"{escape(label)}</text>"
        )
    y = top + 4 * (bar_h + gap) + 18
    tail = translate(lang, "innovation.chart.funnel_tail", stalled=f.stalled, cancelled=f.cancelled)
    out.append(f'<text x="8" y="{y}" font-size="12" fill="#9a3412">{escape(tail)}</text></svg>')
    return "".join(out)


def _titled(svg: str, title: str) -> str:
    """A pygal chart with its title in the reader's language (pygal writes its own name)."""
    return svg.replace("<title>Pygal</title>", f"<title>{escape(title)}</title>", 1)


def _empty(lang: str, title: str) -> str:
    """A small picture saying there is nothing to draw yet."""
    text = escape(translate(lang, "innovation.none"))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 560 60" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<rect width="560" height="60" fill="#ffffff"/>'
            f'<text x="8" y="34" font-size="13" fill="#52606d">{text}</text></svg>')  # fmt: skip


def chain_svg(session: Session, lang: str) -> str:
    """Innovation platforms by the chain they serve (a platform serving two counts in both)."""
    refs = chains.chain_refs(session)
    n: Counter[str] = Counter()
    for links in repository.platform_chains(session):
        n.update({link.partition("/")[0] for link in links})
    order = sorted(n, key=lambda c: (-n[c], c))
    labels = [local_name(lang, refs[c].name, refs[c].name_en) if c in refs else c for c in order]
    title = translate(lang, "innovation.chart.by_chain")
    if not order:
        return _empty(lang, title)
    series = [(translate(lang, "innovation.chart.platforms"), [n[c] for c in order])]
    return _titled(
        charts.bars(labels, series, integers=True, whole_ticks=True, width=760, rotate=-30), title
    )


def chart_context(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    """The three charts of the domain's front page."""
    f = repository.funnels(session, principal, Filter()).get(None, Funnel())
    counts = repository.by_country(session, principal)
    return {
        "funnel_svg": funnel_svg(f, lang),
        "country_svg": worldmap.world_svg(counts, lang)
        if counts
        else _empty(lang, translate(lang, "worldmap.title")),
        "country_rows": worldmap.rows(counts, lang),
        "chain_svg": chain_svg(session, lang),
    }
