"""Charts rendered on the server as SVG (pygal), so pages need no script and no CDN."""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from pygal.style import Style

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


def bar_line(
    years: Sequence[int],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    integers: bool = False,
) -> str:
    """A grouped bar chart of yearly series; missing values stay gaps, never zeros."""
    chart = pygal.Bar(
        style=_STYLE,
        js=(),
        disable_xml_declaration=True,
        height=260,
        width=560,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(series),
        show_y_guides=True,
        print_values=False,
        y_title=unit or None,
        margin=8,
        value_formatter=(lambda v: f"{v:,.0f}") if integers else (lambda v: f"{v:,.1f}"),
        y_labels_major_every=None,
    )
    if integers:
        chart.config.min_scale = 2
        chart.config.max_scale = 6
    chart.x_labels = [str(y) for y in years]
    for title, values in series:
        chart.add(title, list(values))
    return str(chart.render(is_unicode=True))
