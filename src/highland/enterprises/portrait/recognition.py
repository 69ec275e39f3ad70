"""What the recognitions test (高新技术企业, 科技型中小企业, 专精特新, 小巨人): sums and ratios
over the years ending in figures_year, the shares of staff and revenue, the 科技型中小企业
evaluation score and the years in a niche market.

Exact: ratios are Decimal rounded half-up to 6 places, money integer fen. A missing input
makes a field missing, never 0; a ratio over 0 is undefined (missing). The set-based twin of
every rule is `enterprises/recognition_frame.py`; the two give identical values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from highland.enterprises.portrait.facts import Derived, Phrase, YearFigures
from highland.enterprises.portrait.numbers import _round_ratio, as_int, missing_phrase

# The yearly figures of figures_year a rule reads as they are.
RECOGNITION_FIGURES = ("main_revenue", "hightech_revenue", "tech_staff", "ip_class1", "ip_class2")
INT64 = (-(2**63), 2**63 - 1)
# Main business revenue at or beyond this many fen (10^15 yuan) is more than an import takes
# (15 digits of yuan); the growth's exact integer arithmetic is bounded by it.
GROWTH_LIMIT = 10**17

# 国科发政〔2022〕67号 附件 评价指标: (lowest share in millionths, points), highest first.
TECH_STAFF_POINTS = ((300_000, 20), (250_000, 16), (200_000, 12), (150_000, 8), (100_000, 4))
RD_POINTS = ((60_000, 50), (50_000, 40), (40_000, 30), (30_000, 20), (20_000, 10))
IP_CLASS1_POINTS = 30
IP_CLASS2_POINTS = ((4, 24), (3, 18), (2, 12), (1, 6))

Inputs = dict[str, object | None]
# A field's computation on complete inputs: its value, or None with why it is undefined
# (the English reason for `rule` and the phrase for `why`).
Outcome = tuple[object | None, tuple[str, Phrase] | None]

RULES: dict[str, str] = {
    "equity_raised_2y": "sum of equity_raised over figures_year and the year before",
    "equity_raised_3y": "sum of equity_raised over the three years ending in figures_year",
    "rd_spend_2y": "rd_spend of figures_year + rd_spend of the year before",
    "rd_intensity_3y": (
        "sum of rd_spend / sum of revenue over the three years ending in figures_year (from "
        "the founding year when founded later), rounded half-up to 6 decimal places; "
        "undefined when the revenue sum is 0"
    ),
    "rd_intensity_min_2y": (
        "the smaller of rd_spend / revenue of figures_year and of the year before, rounded "
        "half-up to 6 decimal places; undefined when either revenue is 0"
    ),
    "tech_staff_share": "tech_staff / employees of figures_year, rounded half-up to 6 places",
    "rd_staff_share": "rd_staff / employees of figures_year, rounded half-up to 6 places",
    "hightech_revenue_share": (
        "hightech_revenue / revenue of figures_year, rounded half-up to 6 places"
    ),
    "main_revenue_share": "main_revenue / revenue of figures_year, rounded half-up to 6 places",
    "main_revenue_growth_2y": (
        "mean of the growths of main_revenue over the last two years ((m0/m1 - 1) + (m1/m2 - 1))"
        " / 2, rounded half-up to 6 places; undefined when a base ≤ 0"
    ),
    "niche_years": "as_of year - niche_since (the years up to the end of last year)",
    "tech_sme_score": (
        "国科发政〔2022〕67号 evaluation: S&T staff share (20), R&D over sales (50), "
        "Class I / Class II IP (30)"
    ),
}


def _clamp(value: int) -> int:
    """Held at the Int64 limits, as the set-based frame holds them."""
    return min(max(value, INT64[0]), INT64[1])


def _key(name: str, back: int) -> str:
    """The input name of a figure `back` years before figures_year (revenue, revenue_y1 …)."""
    return name if back == 0 else f"{name}_y{back}"


def _window(
    by_year: Mapping[int, YearFigures], year: int | None, names: tuple[str, ...], span: int
) -> Inputs:
    """figures_year and the named figures of the `span` years ending in it."""
    inputs: Inputs = {"figures_year": year}
    for back in range(span):
        row = by_year.get(year - back) if year is not None else None
        for name in names:
            inputs[_key(name, back)] = getattr(row, name) if row else None
    return inputs


def _derived(
    name: str, inputs: Inputs, compute: Callable[[Inputs], Outcome], money: bool = False
) -> Derived:
    """A field from its inputs: missing when one is, else computed (or undefined); a money
    result is said in yuan."""
    rule = RULES[name]
    missing = [k for k, v in inputs.items() if v is None]
    value: object | None = None
    if missing:
        rule += f"; missing because {', '.join(missing)} missing"
        outcome = missing_phrase(missing)
    else:
        value, undefined = compute(inputs)
        if undefined is not None:
            rule += f"; undefined because {undefined[0]}"
            outcome = undefined[1]
        else:
            rule += f"; result {value}"
            outcome = Phrase("portrait.why.result", {"value": value})
            if money:
                yuan = Decimal(as_int(value)).scaleb(-2).quantize(Decimal("0.01"))
                outcome = Phrase("portrait.why.result_yuan", {"value": yuan})
    why = (Phrase(f"portrait.rule.{name}"), outcome)
    return Derived(name, value, inputs, rule, f"{name}.recognition", missing, why)


def _ints(inputs: Inputs, *names: str) -> list[int]:
    return [as_int(inputs[n]) for n in names]


def _sum_field(name: str, figure: str, span: int, by_year: Mapping[int, YearFigures],
               year: int | None) -> Derived:  # fmt: skip
    inputs = _window(by_year, year, (figure,), span)
    keys = [_key(figure, back) for back in range(span)]
    return _derived(name, inputs, lambda i: (_clamp(sum(_ints(i, *keys))), None), money=True)


def _zero(what: str) -> tuple[str, Phrase]:
    return f"{what} is 0", Phrase("portrait.why.zero_denominator", {"field": Phrase(
        f"portrait.input.{what}")})  # fmt: skip


def _share(name: str, part: str, whole: str, figs: YearFigures | None,
           year: int | None) -> Derived:  # fmt: skip
    inputs: Inputs = {
        "figures_year": year,
        part: getattr(figs, part) if figs else None,
        whole: getattr(figs, whole) if figs else None,
    }

    def compute(i: Inputs) -> Outcome:
        p, w = _ints(i, part, whole)
        return (None, _zero(whole)) if w == 0 else (_round_ratio(p, w), None)

    return _derived(name, inputs, compute)


def _rd_intensity_3y(
    by_year: Mapping[int, YearFigures], year: int | None, founded_on: date
) -> Derived:
    # 国科发火〔2016〕32号 第十一条(四): a firm that has operated for less than three years
    # counts the years it has operated.
    span = 3 if year is None else max(1, min(3, year - founded_on.year + 1))
    inputs = _window(by_year, year, ("rd_spend", "revenue"), span)

    def compute(i: Inputs) -> Outcome:
        rd = sum(_ints(i, *(_key("rd_spend", b) for b in range(span))))
        revenue = sum(_ints(i, *(_key("revenue", b) for b in range(span))))
        return (None, _zero("revenue")) if revenue == 0 else (_round_ratio(rd, revenue), None)

    return _derived("rd_intensity_3y", {**inputs, "founded_on": founded_on}, compute)


def _rd_intensity_min_2y(by_year: Mapping[int, YearFigures], year: int | None) -> Derived:
    inputs = _window(by_year, year, ("rd_spend", "revenue"), 2)

    def compute(i: Inputs) -> Outcome:
        rd0, rev0, rd1, rev1 = _ints(i, "rd_spend", "revenue", "rd_spend_y1", "revenue_y1")
        if rev0 == 0:
            return None, _zero("revenue")
        if rev1 == 0:
            return None, _zero("revenue_y1")
        return min(_round_ratio(rd0, rev0), _round_ratio(rd1, rev1)), None

    return _derived("rd_intensity_min_2y", inputs, compute)


def mean_growth_2y(m0: int, m1: int, m2: int) -> Decimal:
    """((m0/m1 - 1) + (m1/m2 - 1)) / 2 rounded half-up to 6 places, exactly (m1, m2 > 0)."""
    return _round_ratio(m0 * m2 + m1 * m1 - 2 * m1 * m2, 2 * m1 * m2)


def _main_revenue_growth_2y(by_year: Mapping[int, YearFigures], year: int | None) -> Derived:
    inputs = _window(by_year, year, ("main_revenue",), 3)

    def compute(i: Inputs) -> Outcome:
        m0, m1, m2 = _ints(i, "main_revenue", "main_revenue_y1", "main_revenue_y2")
        for base in (m1, m2):
            if base <= 0:
                phrase = Phrase("portrait.why.main_base_not_positive", {"base": base})
                return None, (f"a base main_revenue {base} ≤ 0", phrase)
        if max(abs(m0), m1, m2) >= GROWTH_LIMIT:
            phrase = Phrase("portrait.why.beyond_range", {"limit": GROWTH_LIMIT // 100})
            return None, (f"a main_revenue beyond {GROWTH_LIMIT} fen", phrase)
        return mean_growth_2y(m0, m1, m2), None

    return _derived("main_revenue_growth_2y", inputs, compute)


def _niche_years(niche_since: int | None, as_of: date) -> Derived:
    inputs: Inputs = {"niche_since": niche_since, "as_of": as_of}

    def compute(i: Inputs) -> Outcome:
        since = as_int(i["niche_since"])
        if since > as_of.year:
            phrase = Phrase("portrait.why.niche_after", {"year": since, "as_of": as_of})
            return None, (f"niche_since {since} is after as_of {as_of}", phrase)
        return as_of.year - since, None

    return _derived("niche_years", inputs, compute)


def _points(value: int, table: tuple[tuple[int, int], ...]) -> int:
    return next((points for low, points in table if value >= low), 0)


def tech_sme_points(share: int, rd: int, ip1: int, ip2: int) -> int:
    """The 科技型中小企业 score from the S&T staff share and R&D intensity (millionths) and
    the counts of Class I and Class II intellectual property."""
    ip = IP_CLASS1_POINTS if ip1 >= 1 else _points(ip2, IP_CLASS2_POINTS)
    return _points(share, TECH_STAFF_POINTS) + _points(rd, RD_POINTS) + ip


def _millionths(value: object) -> int:
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal, got {value!r}")
    return int(value * 1_000_000)


def _tech_sme_score(share: Derived, rd: Derived, figs: YearFigures | None) -> Derived:
    inputs: Inputs = {
        "tech_staff_share": share.value,
        "rd_intensity": rd.value,
        "ip_class1": figs.ip_class1 if figs else None,
        "ip_class2": figs.ip_class2 if figs else None,
    }

    def compute(i: Inputs) -> Outcome:
        s, r = _millionths(i["tech_staff_share"]), _millionths(i["rd_intensity"])
        return tech_sme_points(s, r, *_ints(i, "ip_class1", "ip_class2")), None

    return _derived("tech_sme_score", inputs, compute)


def recognition_fields(
    by_year: Mapping[int, YearFigures],
    year: int | None,
    founded_on: date,
    niche_since: int | None,
    as_of: date,
    rd_intensity: Derived,
) -> list[Derived]:
    """The recognition criteria of an enterprise as of a date, from the figures of
    figures_year (`year`) and the years before it."""
    figs = by_year.get(year) if year is not None else None
    share = _share("tech_staff_share", "tech_staff", "employees", figs, year)
    return [
        share,
        _share("rd_staff_share", "rd_staff", "employees", figs, year),
        _share("hightech_revenue_share", "hightech_revenue", "revenue", figs, year),
        _share("main_revenue_share", "main_revenue", "revenue", figs, year),
        _rd_intensity_3y(by_year, year, founded_on),
        _rd_intensity_min_2y(by_year, year),
        _sum_field("rd_spend_2y", "rd_spend", 2, by_year, year),
        _main_revenue_growth_2y(by_year, year),
        _sum_field("equity_raised_2y", "equity_raised", 2, by_year, year),
        _sum_field("equity_raised_3y", "equity_raised", 3, by_year, year),
        _niche_years(niche_since, as_of),
        _tech_sme_score(share, rd_intensity, figs),
    ]
