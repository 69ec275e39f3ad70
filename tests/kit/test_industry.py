"""GB/T 4754-2017 sections and divisions, scalar parsing and the vectorised Polars check."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from highland.platform.kit.industry import (
    DIVISIONS,
    SECTION_RANGES,
    SECTIONS,
    Industry,
    IndustryError,
    industry_error_expr,
    industry_parts_expr,
    parse_industry,
    section_of,
)

# --- tables ---------------------------------------------------------------------------------


def test_counts() -> None:
    assert len(SECTIONS) == 20
    assert list(SECTIONS) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert len(DIVISIONS) == 97
    # The 2017 edition numbers its 97 divisions 01-97 without gaps.
    assert sorted(DIVISIONS) == [f"{n:02d}" for n in range(1, 98)]
    assert set(SECTION_RANGES) == set(SECTIONS)


def test_every_division_in_exactly_one_section() -> None:
    for code, (section, zh, en) in DIVISIONS.items():
        containing = [s for s, (lo, hi) in SECTION_RANGES.items() if lo <= code <= hi]
        assert containing == [section], code
        assert section_of(code) == section
        assert zh and en


def test_ranges_are_contiguous() -> None:
    ordered = sorted(SECTION_RANGES.values())
    assert ordered[0][0] == "01" and ordered[-1][1] == "97"
    for (_, hi), (lo, _) in zip(ordered, ordered[1:], strict=False):
        assert int(lo) == int(hi) + 1


@pytest.mark.parametrize(
    ("code", "section", "zh"),
    [
        ("01", "A", "农业"),
        ("05", "A", "农、林、牧、渔专业及辅助性活动"),
        ("11", "B", "开采专业及辅助性活动"),
        ("13", "C", "农副食品加工业"),
        ("25", "C", "石油、煤炭及其他燃料加工业"),
        ("27", "C", "医药制造业"),
        ("36", "C", "汽车制造业"),
        ("39", "C", "计算机、通信和其他电子设备制造业"),
        ("43", "C", "金属制品、机械和设备修理业"),
        ("44", "D", "电力、热力生产和供应业"),
        ("58", "G", "多式联运和运输代理业"),
        ("63", "I", "电信、广播电视和卫星传输服务"),
        ("64", "I", "互联网和相关服务"),
        ("65", "I", "软件和信息技术服务业"),
        ("70", "K", "房地产业"),
        ("73", "M", "研究和试验发展"),
        ("79", "N", "土地管理业"),
        ("83", "P", "教育"),
        ("94", "S", "社会保障"),
        ("97", "T", "国际组织"),
    ],
)
def test_known_divisions(code: str, section: str, zh: str) -> None:
    assert DIVISIONS[code][:2] == (section, zh)


def test_section_names() -> None:
    assert SECTIONS["C"] == ("制造业", "Manufacturing")
    assert SECTIONS["I"][0] == "信息传输、软件和信息技术服务业"
    assert SECTIONS["S"][0] == "公共管理、社会保障和社会组织"


# --- scalar parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("C3562", "3562"),
        ("c3562", "3562"),
        ("3562", "3562"),
        ("356", "356"),
        ("35", "35"),
        (" 35 ", "35"),
        ("\u3000C35\u00a0", "35"),
        ("C35\n", "35"),
    ],
)
def test_parse_ok(raw: str, code: str) -> None:
    assert parse_industry(raw) == Industry(code=code, section="C", division="35")


@pytest.mark.parametrize("division", sorted(DIVISIONS))
def test_every_division_parses(division: str) -> None:
    section = DIVISIONS[division][0]
    assert parse_industry(f"{section}{division}10") == Industry(
        code=f"{division}10", section=section, division=division
    )


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        ("99", "unknown_division", "unknown division '99' (GB/T 4754-2017 has no division 99)"),
        ("0012", "unknown_division", "unknown division '00' (GB/T 4754-2017 has no division 00)"),
        (
            "A35",
            "section_mismatch",
            "section letter 'A' does not match division 35, which is in section C",
        ),
        (
            "z3562",
            "section_mismatch",
            "section letter 'Z' does not match division 35, which is in section C",
        ),
        (
            "3",
            "format",
            "industry code must be 2–4 digits, optionally after the section letter, got '3'",
        ),
        (
            "35621",
            "format",
            "industry code must be 2–4 digits, optionally after the section letter, got '35621'",
        ),
        (
            " C ",
            "format",
            "industry code must be 2–4 digits, optionally after the section letter, got 'C'",
        ),
        ("", "format", None),
        ("C 35", "format", None),
        ("CC35", "format", None),
        ("35C", "format", None),
        ("３５", "format", None),  # full-width digits are not accepted
        ("C-35", "format", None),
    ],
)
def test_parse_errors(raw: str, reason: str, message: str | None) -> None:
    with pytest.raises(IndustryError) as info:
        parse_industry(raw)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)
    if message is not None:
        assert str(info.value) == message


def test_section_of_unknown() -> None:
    with pytest.raises(IndustryError, match="no division 98"):
        section_of("98")


# --- vectorised -----------------------------------------------------------------------------


def _scalar(raw: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    if raw is None:
        return None, None, None, None
    try:
        ind = parse_industry(raw)
    except IndustryError as exc:
        return str(exc), None, None, None
    return None, ind.code, ind.section, ind.division


def _vector(raws: list[str | None]) -> list[tuple[str | None, ...]]:
    frame = pl.DataFrame({"industry": raws}, schema={"industry": pl.String})
    col = pl.col("industry")
    out = frame.select(industry_error_expr(col), *industry_parts_expr(col))
    return [tuple(row) for row in out.rows()]


def test_expr_examples() -> None:
    raws = ["C3562", "c3562", " 35 ", "A35", "99", "3", "", None, "\u300065\u3000", "I6510"]
    assert _vector(list(raws)) == [_scalar(r) for r in raws]
    assert _vector(["I6510"]) == [(None, "6510", "I", "65")]


def test_expr_output_names() -> None:
    frame = pl.DataFrame({"industry_code": ["C35"]})
    col = pl.col("industry_code")
    out = frame.select(industry_error_expr(col), *industry_parts_expr(col))
    names = ["industry_error", "industry_code", "industry_section", "industry_division"]
    assert out.columns == names


_SPACE = st.sampled_from(["", " ", "\t", "\u3000", "\u00a0", "\n", "\x1c"])
_LETTER = st.sampled_from(["", *"ACIMSTZcitz", "Ｃ", "ı", "-", " "])
_DIGITS = st.text(st.sampled_from(list("0123456789１")), max_size=5)
_shaped = st.builds(lambda a, b, c, d: a + b + c + d, _SPACE, _LETTER, _DIGITS, _SPACE)
_noise = st.text(st.sampled_from(list("0123456789CcZ \t\u3000中-ſß")), max_size=7)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_shaped, _noise, st.none()), min_size=1, max_size=40))
def test_expr_agrees_with_parse_industry(raws: list[str | None]) -> None:
    assert _vector(list(raws)) == [_scalar(r) for r in raws]
