"""The city overview's charts: the chains' output and tax, this year against the last (SVG
drawn on the server, platform.web.charts)."""

from __future__ import annotations

from collections.abc import Sequence

from highland.chains.public import ChainFigures
from highland.platform.web.charts import bars
from highland.platform.web.i18n import pick, translate

YI = 10_000_000_000  # fen in 1 亿元


def _yi(fen: int | None) -> float | None:
    """Fen in 亿元 for drawing only (figures on the page are exact text)."""
    return None if fen is None else fen / YI


def overview_charts(lang: str, chains: Sequence[ChainFigures]) -> dict[str, str]:
    """Output and tax of each chain in its newest year against the year before, over the
    members reporting both years (亿元)."""
    labels = [str(pick(lang, c.name, c.name_en)) for c in chains]
    unit = translate(lang, "desk.unit.yi")
    out: dict[str, str] = {}
    for key, changes in (
        ("output", [c.output_change for c in chains]),
        ("tax", [c.tax_change for c in chains]),
    ):
        if all(ch.current_fen is None and ch.previous_fen is None for ch in changes):
            continue  # no chart without a figure: the page says there is none
        year = max((ch.year for ch in changes if ch.year is not None), default=None)
        now = translate(lang, "desk.chart.year", year=year or "—")
        before = translate(lang, "desk.chart.year", year=year - 1 if year else "—")
        out[key] = bars(
            labels,
            [
                (before, [_yi(ch.previous_fen) for ch in changes]),
                (now, [_yi(ch.current_fen) for ch in changes]),
            ],
            unit,
            width=620,
            rotate=-30 if len(labels) > 4 else 0,
        )
    return out
