"""The white paper as one standalone printable HTML page (template growth/whitepaper.html):
its own CSS (A4 print rules), its charts as inline SVG drawn on the server, no script and no
outside asset, so a saved file opens from disk."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup

from highland.growth.whitepaper.service import WhitePaper
from highland.platform.kit import numbers
from highland.platform.web.charts import bars
from highland.platform.web.i18n import translate
from highland.platform.web.render import TEMPLATES

OTHER = {"zh-CN": "en", "en": "zh-CN"}  # the toolbar's link to the paper in the other language
CENTS_WAN = 1_000_000  # US$1万 in cents
CENTS_YI = 10_000_000_000  # US$1亿 in cents


def usd(cents: int | None, lang: str) -> str:
    """US cents as a bureau writes dollars: `12.35 亿美元` from US$1亿, `1,234.5 万美元` from
    US$1万, whole dollars below; "—" for missing."""
    if cents is None:
        return numbers.MISSING
    if abs(cents) >= CENTS_YI:
        n, unit = numbers.number(Decimal(cents) / CENTS_YI, 2), "yi"
    elif abs(cents) >= CENTS_WAN:
        n, unit = numbers.number(Decimal(cents) / CENTS_WAN, 1), "wan"
    else:
        n, unit = numbers.number(Decimal(cents) / 100, 0), "dollar"
    return translate(lang, f"whitepaper.usd.{unit}", n=n)


def signed(n: int | None) -> str:
    """A change with its sign (+12, −3, 0); "—" for none."""
    if n is None:
        return numbers.MISSING
    return f"+{n:,}" if n > 0 else f"{n:,}".replace("-", "−")


def charts(paper: WhitePaper) -> dict[str, str]:
    """The trend of each category's count over the published years, entries and exits by
    year, and the listed firms by district (bars; counts)."""
    cats = paper.categories
    years = [str(y) for y, _, _, _ in paper.trend]
    out = {
        "trend": bars(years, [(title, [by[c] for _, by, _, _ in paper.trend]) for c, title in cats],
                      paper.t("whitepaper.unit.firms"), integers=True, width=620),
        "moves": bars(years, [(paper.t("whitepaper.col.entered"), [e for *_, e, _ in paper.trend]),
                              (paper.t("whitepaper.col.exited"), [x for *_, x in paper.trend])],
                      paper.t("whitepaper.unit.firms"), integers=True, width=620),
    }  # fmt: skip
    rows = paper.by_district
    if rows:
        out["district"] = bars([r.label for r in rows],
                               [(title, [r.by.get(c, 0) for r in rows]) for c, title in cats],
                               paper.t("whitepaper.unit.firms"), integers=True, width=620,
                               rotate=-30 if len(rows) > 12 else 0)  # fmt: skip
    return out


def to_html(paper: WhitePaper, links: bool = False) -> str:
    """The page; `links`: the web page's toolbar (back, XLSX, the other language), hidden when
    printed."""
    template = TEMPLATES.env.get_template("growth/whitepaper.html")
    svg = {k: Markup(v) for k, v in charts(paper).items()}
    lang = paper.lang
    return template.render(
        p=paper, _=paper.t, lang=lang, svg=svg, links=links, other=OTHER[lang],
        money=lambda fen: numbers.money(fen, lang), usd=lambda c: usd(c, lang),
        percent=lambda r: numbers.percent(r, signed=True), signed=signed,
        when=numbers.beijing_time, count=lambda n: numbers.number(n),
        reasons=("closed", "moved_away", "listed", "data_missing", "criterion_failed"),
    )  # fmt: skip
