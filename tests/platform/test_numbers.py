"""Numbers as a bureau writes them (highland.platform.kit.numbers, docs/numbers.md): money in
万元 / 亿元 with the exact yuan on hover, one rule for percentages, units on counts, Beijing
time to the minute, and the header sets of exports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from highland.platform.errors import InvalidInput
from highland.platform.kit import numbers
from highland.platform.web.i18n import error_text

YI = 10_000 * 10_000 * 100  # 1 亿元 in fen


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (None, "—"),  # missing is a dash, never 0
        (0, "0.0 万元"),
        (12_345_678_900, "1.23 亿元"),  # 123,456,789 yuan
        (123_456_789, "123.5 万元"),  # 1,234,567.89 yuan
        (1_000_000, "1.0 万元"),
        (999_999, "9,999.99 元"),  # under 1 万元: the yuan themselves, never "0.0 万元"
        (300_000, "3,000 元"),
        (1_050, "10.50 元"),  # fen: to the fen
        (-123_456_789, "-123.5 万元"),  # negative
        (-300_000, "-3,000 元"),
        (9_999_940_000, "9,999.9 万元"),  # 9,999.94 万 rounds down: still 万元
        (9_999_950_000, "1.00 亿元"),  # 9,999.95 万 rounds to 10,000.0 万: written in 亿元
        (9_999_990_000, "1.00 亿元"),  # 9,999.99 万
        (YI, "1.00 亿元"),
        (3_077_802_019_952, "307.78 亿元"),  # ¥30,778,020,199.52 on chain trends
        (1_050_000, "1.1 万元"),  # 1.05 万: half-up, not banker's (1.0)
        (1_150_000, "1.2 万元"),  # 1.15 万 → 1.2 (half-up)
        (-1_050_000, "-1.1 万元"),  # half away from zero
    ],
)
def test_money(fen: int | None, text: str) -> None:
    assert numbers.money(fen, "zh-CN") == text


def test_money_in_english_and_exact_yuan_on_hover() -> None:
    assert numbers.money(123_456_789, "en") == "123.5 × 10k yuan"
    assert numbers.money(2 * YI, "en") == "2.00 × 100m yuan"
    assert numbers.yuan(3_077_802_019_952, "zh-CN") == "30,778,020,199.52 元"
    assert numbers.yuan(None, "zh-CN") == "—"
    assert numbers.yuan_exact(123_456_789) == Decimal("1234567.89")
    assert numbers.yuan_exact(None) is None
    html = numbers.money_html(123_456_789, "zh-CN")
    assert html == '<span class="money" title="1,234,567.89 元">123.5 万元</span>'
    assert numbers.money_html(None, "zh-CN") == "—"
    assert numbers.wan_number(12_000_000_000) == 12_000.0 and numbers.wan_number(None) is None


def test_money_written_keeps_a_rules_digits() -> None:
    assert numbers.money_written(2_000_000_00, "zh-CN") == "200 万元"
    assert numbers.money_written(1_234_567_800, "zh-CN") == "1,234.5678 万元"
    assert numbers.money_written(300_000, "zh-CN") == "3,000 元"
    assert numbers.money_written(YI * 3, "zh-CN") == "3 亿元"


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (None, "—"),
        (Decimal("0.07"), "7.0%"),
        (Decimal("0.003"), "0.3%"),
        (Decimal("0.005719"), "0.6%"),  # was 0.5719 %
        (Decimal("0.05705"), "5.7%"),  # was 5.705 %
        (Decimal("0.00049"), "0.0%"),
        (Decimal("0.00005"), "0.0%"),
        (Decimal("0.0005"), "0.1%"),  # half-up
        (Decimal("-0.0525"), "-5.3%"),  # negative: half away from zero
        (Decimal("-0.0004"), "0.0%"),  # no "-0.0%"
        (0.1, "10.0%"),  # a float through its shortest repr
        (Decimal("12.345"), "1,234.5%"),
        (Fraction(2, 3), "66.7%"),  # an exact share
    ],
)
def test_percent_one_rule(ratio: Decimal | float | None, text: str) -> None:
    assert numbers.percent(ratio) == text


def test_percent_variants_and_points() -> None:
    assert numbers.percent(Decimal("0.07"), signed=True) == "+7.0%"
    assert numbers.percent(Decimal("-0.07"), signed=True) == "-7.0%"
    assert numbers.percent_of(Decimal("5.705")) == "5.7%" and numbers.percent_of(None) == "—"
    assert numbers.percent_written(Decimal("0.04")) == "4%"
    assert numbers.percent_written(Decimal("0.035")) == "3.5%"
    assert numbers.points(Decimal("0.065657"), "zh-CN") == "6.6 个百分点"  # was 6.5657
    assert numbers.points(Decimal("0.065657"), "en") == "6.6 percentage points"
    assert numbers.points(None, "zh-CN") == "—"


def test_counts_carry_their_unit() -> None:
    assert numbers.count(7, "years", "zh-CN") == "7 年"  # 成立年限 7 had no unit
    assert numbers.count(1234, "firms", "zh-CN") == "1,234 家"
    assert numbers.count(3, "items", "zh-CN") == "3 项"
    assert numbers.count(2, "demands", "en") == "2 demands"
    assert numbers.count(None, "firms", "zh-CN") == "—"
    assert numbers.number(1234567) == "1,234,567" and numbers.number(None) == "—"
    assert numbers.number(Decimal("2.345"), 2) == "2.35"


def test_chart_axis_numbers() -> None:
    assert numbers.axis(12_000.0) == "12,000"  # was 12,000.0 万元
    assert numbers.axis(12.25) == "12.3" and numbers.axis(3.0) == "3" and numbers.axis(0) == "0"
    assert numbers.axis(-150.4) == "-150"
    # Below 1, two decimals: the ticks of a range of 0–0.33 亿元 stay apart.
    assert [numbers.axis(t) for t in (0.02, 0.04, 0.25, 0.3)] == ["0.02", "0.04", "0.25", "0.30"]


def test_beijing_time_to_the_minute() -> None:
    moment = datetime(2026, 12, 7, 6, 24, 22, 172230, tzinfo=UTC)
    assert numbers.beijing_time(moment) == "2026-12-07 14:24"
    assert numbers.beijing_time("2026-12-07T06:24:22.172230+00:00") == "2026-12-07 14:24"
    assert numbers.beijing_time(datetime(2026, 12, 7, 6, 24)) == "2026-12-07 14:24"  # naive: UTC
    assert numbers.beijing_time(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027-01-01 00:00"
    assert numbers.beijing_time(date(2026, 12, 7)) == "2026-12-07"
    assert numbers.beijing_time("2026-05-20") == "2026-05-20"  # a date text stays a date
    assert numbers.beijing_time("2024") == "2024"
    assert numbers.beijing_time(None) == "—" and numbers.beijing_time("") == "—"


def test_header_sets_and_their_refusal() -> None:
    assert numbers.header_set(None) == "zh" and numbers.header_set("") == "zh"
    assert numbers.header_set("zh") == "zh" and numbers.header_set("codes") == "codes"
    with pytest.raises(InvalidInput) as caught:
        numbers.header_set("english")
    exc = caught.value
    assert exc.status_code == 422 and exc.code == "export.bad_headers" and exc.field == "headers"
    assert "zh or codes" in exc.message
    assert error_text("zh-CN", exc).startswith("headers 参数“english”无效")
    assert error_text("en", exc).startswith("headers: 'english' is not a header set")
