"""Charts rendered on the server as SVG (pygal), so pages need no script and no CDN."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pygal
from pygal.style import Style

from highland.platform.kit import numbers

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#d9e2ec",
    colors=("#1d4e89", "#e07a1f", "#1f7a4d", "#7b5ea7"),
    font_family="Noto Sans CJK SC, Microsoft YaHei, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
    tooltip_font_size=12,
)
STYLE = _STYLE  # the house style, for charts drawn elsewhere (the world map of innovation)


# pygal always writes an inline <script> with its tooltip config; its script itself is never
# loaded (`js=[]`), so the config is dead weight, and the CSP (docs/security.md) forbids it.
_PYGAL_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def svg_of(chart: pygal.graph.graph.Graph) -> str:
    """A chart's SVG without pygal's inline script."""
    return _PYGAL_SCRIPT.sub("", str(chart.render(is_unicode=True)))


def bar_line(
    years: Sequence[int],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    integers: bool = False,
) -> str:
    """A grouped bar chart of yearly series; missing values stay gaps, never zeros."""
    return bars([str(y) for y in years], series, unit, integers)


def bars(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    integers: bool = False,
    width: int = 560,
    rotate: int = 0,
    whole_ticks: bool = False,
) -> str:
    """A grouped bar chart over labelled groups (years, chains…); missing values stay gaps,
    never zeros. Long labels may be turned (`rotate`, degrees); counts may ask for whole-number
    ticks only (`whole_ticks`: small counts otherwise get 0.5 steps shown rounded)."""
    chart = pygal.Bar(
        style=_STYLE,
        js=(),
        disable_xml_declaration=True,
        width=width,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(series),
        truncate_label=-1,
        x_label_rotation=rotate,
        height=300 if rotate else 260,
        show_y_guides=True,
        print_values=False,
        y_title=unit or None,
        margin=8,
        value_formatter=_whole if integers else numbers.axis,
        y_labels_major_every=None,
    )
    if whole_ticks:
        chart.y_labels = _count_ticks([v for _, values in series for v in values])
    elif integers:
        chart.config.min_scale = 2
        chart.config.max_scale = 6
    chart.x_labels = list(x_labels)
    for title, values in series:
        chart.add(title, list(values))
    return svg_of(chart)


def _count_ticks(values: Sequence[float | None]) -> list[int]:
    """Whole-number y ticks from 0 (or the least value) to past the largest, at most ~6."""
    known = [v for v in values if v is not None]
    low = min(0, math.floor(min(known, default=0)))
    high = max(1, math.ceil(max(known, default=1)))
    raw = (high - low) / 5
    step = min(c for c in (b * 10**p for b in (1, 2, 5) for p in range(13)) if c >= raw)
    return list(range(math.floor(low / step) * step, math.ceil(high / step) * step + 1, step))


def _whole(v: float) -> str:
    """A count on an axis or in a tooltip (kit.numbers: thousands separators)."""
    return numbers.number(v, 0)


def line(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    integers: bool = False,
    title: str | None = None,
    no_data: str = "No data",
) -> str:
    """A line chart over labelled points (e.g. months); a None value is a gap in its line,
    never a zero, and a chart with no value at all says `no_data`. Counts (`integers`) get
    whole-number ticks."""
    many = len(x_labels) > 6
    chart = pygal.Line(
        style=_STYLE,
        js=(),
        disable_xml_declaration=True,
        height=300 if many else 280,
        width=560,
        title=title,
        legend_at_bottom=True,
        legend_at_bottom_columns=max(1, len(series)),
        allow_interruptions=True,
        show_y_guides=True,
        print_values=False,
        y_title=unit or None,
        margin=8,
        dots_size=3,
        x_label_rotation=-40 if many else 0,
        show_minor_x_labels=len(x_labels) <= 18,
        x_labels_major_every=None if len(x_labels) <= 18 else 3,
        truncate_label=-1,
        no_data_text=no_data,
        value_formatter=_whole if integers else numbers.axis,
    )
    if integers:
        chart.y_labels = _count_ticks([v for _, values in series for v in values])
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(name, list(values))
    return svg_of(chart)
