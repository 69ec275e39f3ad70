"""Numbers as a bureau writes them: the one formatting module of pages, charts, exports and
reports (docs/numbers.md).

- Money (integer fen in): 万元 with one decimal; from 1 亿元 (10,000 万元 after rounding) 亿元
  with two decimals; the exact yuan (two decimals) for exports and the hover title.
- Percentages (a ratio in: 0.0705 is 7.1%): ONE rule, one decimal, rounded half-up; the gap
  between two percentages is in 个百分点 with the same one decimal.
- Counts carry their unit (家, 项, 件, 年…); times are Beijing time to the minute,
  `2026-12-07 14:24`.
- Missing (None) is "—", never 0. Rounding is half-up on Decimal; no float is formatted
  (a float from a chart is turned into a Decimal through its shortest repr first).

The words (units) come from the catalogue (`num.*` in messages/numbers.yaml); the functions
are pure apart from reading the catalogue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from html import escape

from highland.platform.errors import InvalidInput
from highland.platform.kit.clock import CITY_TZ
from highland.platform.web.i18n import translate

MISSING = "—"
WAN_FEN = 1_000_000  # 1 万元 in fen
YI_WAN = Decimal(10_000)  # 1 亿元 in 万元
ONE = Decimal("0.1")
TWO = Decimal("0.01")
COUNT_UNITS = ("firms", "items", "demands", "years", "people", "projects", "policies")


Number = int | float | Decimal | Fraction | str


def _dec(value: Number) -> Decimal:
    """A Decimal of a number (a float through its shortest repr: what was meant, not its
    binary tail)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Fraction):  # exact shares (chains): enough digits for any rounding
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def _round(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _grouped(value: Decimal) -> str:
    """Thousands separators, the digits the Decimal has, no "-0.0"."""
    text = f"{value:,f}"
    return text[1:] if text.startswith("-") and value == 0 else text


# --------------------------------------------------------------------------- money


def money_scale(fen: int) -> tuple[Decimal, str]:
    """The amount in the unit a bureau would write it in: (number, "yuan" | "wan" | "yi").
    Under 1 万元 (and not zero) the yuan themselves, whole or to the fen, so that a small
    amount never reads `0.0 万元`; 万元 to one decimal; from 1 亿元 after rounding, 亿元 to two."""
    if 0 < abs(fen) < WAN_FEN:
        whole = Decimal(fen) / 100
        return whole.quantize(TWO if fen % 100 else Decimal(1)), "yuan"
    wan = _round(Decimal(fen) / WAN_FEN, ONE)
    if abs(wan) >= YI_WAN:
        return _round(Decimal(fen) / (WAN_FEN * 10_000), TWO), "yi"
    return wan, "wan"


def money(fen: int | None, lang: str) -> str:
    """Fen as `1,234.5 万元`, `12.35 亿元` from 1 亿元, `3,000 元` under 1 万元; "—" for
    missing."""
    if fen is None:
        return MISSING
    number, unit = money_scale(int(fen))
    return translate(lang, f"num.money.{unit}", n=_grouped(number))


def money_written(fen: int, lang: str) -> str:
    """A threshold quoted from a rule, in the same units but with exactly the digits it has:
    `200 万元`, `1,234.5678 万元`, `3,000 元` (never rounded: a rule's number is law)."""
    if 0 < abs(fen) < WAN_FEN or fen == 0:
        return translate(lang, "num.money.yuan", n=_grouped(_plain(Decimal(fen) / 100)))
    wan = Decimal(fen) / WAN_FEN
    if abs(wan) >= YI_WAN:
        return translate(lang, "num.money.yi", n=_grouped(_plain(wan / YI_WAN)))
    return translate(lang, "num.money.wan", n=_grouped(_plain(wan)))


def _plain(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros or exponent (4.00 → 4, 1E+2 → 100)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def yuan_exact(fen: int | None) -> Decimal | None:
    """Fen as exact yuan with two decimals (exports); None stays None."""
    if fen is None:
        return None
    return (Decimal(int(fen)) / 100).quantize(TWO)


def yuan(fen: int | None, lang: str) -> str:
    """Fen as exact yuan for reading: `30,778,020,199.52 元`; "—" for missing."""
    value = yuan_exact(fen)
    return MISSING if value is None else translate(lang, "num.money.yuan", n=_grouped(value))


def money_html(fen: int | None, lang: str) -> str:
    """The money text in a span whose title (the hover) is the exact yuan: escaped HTML."""
    if fen is None:
        return MISSING
    return (
        f'<span class="money" title="{escape(yuan(fen, lang))}">{escape(money(fen, lang))}</span>'
    )


def wan_number(fen: int | None) -> float | None:
    """Fen as a number of 万元 for a chart's axis (the chart's unit says 万元)."""
    return None if fen is None else float(Decimal(int(fen)) / WAN_FEN)


# --------------------------------------------------------------------------- percent


def percent_number(ratio: Number | None) -> Decimal | None:
    """A ratio as a percentage with the one rule's decimals (0.05719 → 5.7)."""
    return None if ratio is None else _round(_dec(ratio) * 100, ONE)


def percent(ratio: Number | None, signed: bool = False) -> str:
    """A ratio as `7.1%` (one decimal, half-up); `+7.1%` when signed; "—" for missing."""
    value = percent_number(ratio)
    if value is None:
        return MISSING
    text = _grouped(value)
    return f"+{text}%" if signed and value > 0 else f"{text}%"


def percent_written(ratio: Number) -> str:
    """A threshold ratio quoted from a rule, with exactly its digits: 0.04 → `4%`."""
    return f"{_grouped(_plain(_dec(ratio) * 100))}%"


def percent_of(value: Number | None) -> str:
    """A number that is already in percent (5.705 → `5.7%`)."""
    return MISSING if value is None else percent(_dec(value) / 100)


def points(ratio: Number | None, lang: str) -> str:
    """A difference of two ratios in percentage points: `6.6 个百分点` (one decimal)."""
    value = percent_number(ratio)
    return MISSING if value is None else translate(lang, "num.points", n=_grouped(value))


# --------------------------------------------------------------------------- counts


def count(n: Number | None, unit: str, lang: str) -> str:
    """A count with its unit from the catalogue: `1,234 家`, `7 年`; "—" for missing."""
    if n is None:
        return MISSING
    return translate(lang, f"num.count.{unit}", n=_grouped(_dec(n)))


def number(n: Number | None, digits: int | None = None) -> str:
    """A plain number with thousands separators (the unit is beside it, e.g. in a header);
    `digits` decimals half-up when given; "—" for missing."""
    if n is None:
        return MISSING
    value = _dec(n)
    if digits is not None:
        value = _round(value, Decimal(1).scaleb(-digits))
    return _grouped(value)


def axis(value: Number) -> str:
    """A chart axis or tooltip number: whole from 100, one decimal from 1, two below 1 (so the
    ticks of a small range stay apart: 0.05, 0.10, …), no trailing zeros on whole values (the
    axis title carries the unit)."""
    d = _dec(value)
    if abs(d) >= 100 or d == d.to_integral_value():
        return _grouped(_round(d, Decimal(1)))
    return _grouped(_round(d, ONE if abs(d) >= 1 else TWO))


# --------------------------------------------------------------------------- time


def beijing_time(value: datetime | date | str | None) -> str:
    """A moment as Beijing time to the minute: `2026-12-07 14:24` (naive = UTC, as stored;
    an ISO text is read first); a date stays a date; "—" for missing."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        if len(value) <= 10:  # a date or a year: no time to convert
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return beijing_time(moment)
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- exports

HEADER_SETS = ("zh", "codes")


def header_set(value: str | None) -> str:
    """Which headers an export gets: `zh` (Chinese headers and values, machine codes in their
    own columns; the default) or `codes` (the English machine headers and values scripts
    read). Anything else is refused with a coded error (422), not a 500."""
    if value is None or value == "" or value == "zh":
        return "zh"
    if value == "codes":
        return "codes"
    raise InvalidInput(
        f"headers: '{value[:40]}' is not a header set; use zh or codes",
        field="headers",
        code="export.bad_headers",
        params={"value": value[:40]},
    )
