"""USCC (GB 32100-2015): scalar validation, construction and the vectorised Polars check."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from highland.platform.kit.uscc import (
    ALPHABET,
    USCCError,
    is_valid,
    make_uscc,
    org_check_char,
    uscc_check_char,
    uscc_error_expr,
    validate,
)

# Published codes of well-known firms, checked by hand as well as by the implementation.
# Huawei Technologies Co., Ltd. 914403001922038216:
#   org body 19220382, weights 3 7 9 10 5 8 4 2:
#   3 + 63 + 18 + 20 + 0 + 24 + 32 + 4 = 164; 164 mod 11 = 10; 11 - 10 = 1 -> '1' (char 17).
#   chars 1-17 with weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
#   9 + 3 + 36 + 108 + 0 + 78 + 0 + 0 + 20 + 261 + 50 + 26 + 0 + 72 + 80 + 60 + 28 = 831;
#   831 mod 31 = 25; 31 - 25 = 6 -> '6' (char 18).
HUAWEI = "914403001922038216"
# Shenzhen Tencent Computer Systems Co., Ltd. 9144030071526726XG:
#   org body 71526726: 21 + 7 + 45 + 20 + 30 + 56 + 8 + 12 = 199; 199 mod 11 = 1; 11 - 1 = 10
#   -> 'X'. Weighted sum with X = 29: 234 + 140 + 29 + 125 + 26 + 48 + 168 + 20 + 180 + 812
#   = 1782; 1782 mod 31 = 15; 31 - 15 = 16 -> 'G'.
TENCENT = "9144030071526726XG"
# Built by hand for a rural collective (N2): org body 00000001 sums to 2 -> check 9; the USCC
# sum is 22 + 6 + 27 + 54 + 0 + 26 + 16 + 85 + 30 + 252 = 518, 518 mod 31 = 22 -> '9'.
RURAL = "N23201150000000199"

REAL_CODES = [HUAWEI, TENCENT]
GENERATED = [
    RURAL,
    make_uscc("320115", "00000002", "Y1"),  # other registration authorities
    make_uscc("320115", "00000003", "A1"),  # military
    make_uscc("320102", "MA1XY8K3"),
    make_uscc("320100", "YYYYYYYY", "93"),
    make_uscc("000000", "00000000", "11"),
]
VALID = REAL_CODES + GENERATED


def _reason(code: str) -> str:
    with pytest.raises(USCCError) as info:
        validate(code)
    return info.value.reason


def _message(code: str) -> str | None:
    try:
        validate(code)
    except USCCError as exc:
        return str(exc)
    return None


def _expr_messages(codes: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"uscc": codes}, schema={"uscc": pl.String})
    return frame.select(uscc_error_expr(pl.col("uscc")))["uscc_error"].to_list()


# --- scalar ---------------------------------------------------------------------------------


def test_alphabet() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)
    assert "".join(sorted(ALPHABET)) == ALPHABET


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code: str) -> None:
    assert validate(code) == code
    assert is_valid(code)


def test_prefixes_other_than_digits_are_valid() -> None:
    assert make_uscc("320115", "00000001", "N2") == RURAL
    assert {code[0] for code in GENERATED} >= {"N", "Y", "A"}


def test_check_char_helpers() -> None:
    assert org_check_char("19220382") == "1"
    assert org_check_char("71526726") == "X"
    # Sum 11 * k gives c = 11, written '0'.
    assert org_check_char("00000000") == "0"
    assert uscc_check_char(HUAWEI[:17]) == "6"
    assert uscc_check_char(TENCENT[:17]) == "G"
    with pytest.raises(ValueError):
        org_check_char("1234567")
    with pytest.raises(ValueError):
        org_check_char("1234567-")
    with pytest.raises(ValueError):
        uscc_check_char(HUAWEI)
    with pytest.raises(ValueError):
        uscc_check_char("I" * 17)


def test_normalisation() -> None:
    assert validate("  9144030071526726xg\n") == TENCENT
    assert validate("\t" + RURAL.lower() + " ") == RURAL
    assert is_valid(" " + HUAWEI.lower())


def test_length_errors() -> None:
    for code in ["", "   ", HUAWEI[:17], HUAWEI + "0"]:
        assert _reason(code) == "length"
    assert _message(HUAWEI[:17]) == "a USCC has 18 characters, got 17"


def test_charset_errors() -> None:
    code = "9144I3001922038216"
    assert _reason(code) == "charset"
    assert _message(code) == (
        "character 5 'I' is not allowed (I, O, S, V, Z never appear in a USCC)"
    )
    assert _message("91440300-922038216") == (
        "character 9 '-' is not allowed (a USCC uses only digits 0-9 and capital letters A-Y "
        "except I, O, S, V)"
    )
    # The first offending character is the one reported.
    assert (_message("9144030019220382ZO") or "").startswith("character 17 'Z'")
    assert _reason("91440300192203821中") == "charset"


def test_org_check_error() -> None:
    code = HUAWEI[:16] + "2" + HUAWEI[17]
    assert _reason(code) == "org_check_char"
    assert "character 17) is '2', expected '1'" in (_message(code) or "")


def test_check_char_error() -> None:
    assert _reason(HUAWEI[:17] + "7") == "check_char"
    assert _message(HUAWEI[:17] + "7") == "check character is '7', expected '6'"


def test_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        validate("nope")
    assert not is_valid("nope")


def test_make_uscc_rejects_bad_parts() -> None:
    with pytest.raises(ValueError, match="org_body8"):
        make_uscc("320100", "MA1IXXXX")
    with pytest.raises(ValueError, match="org_body8"):
        make_uscc("320100", "MA1XXXX")
    with pytest.raises(ValueError, match="region6"):
        make_uscc("3201", "MA1XXXXX")
    with pytest.raises(ValueError, match="reg_type"):
        make_uscc("320100", "MA1XXXXX", "9")
    with pytest.raises(ValueError, match="reg_type"):
        make_uscc("320100", "MA1XXXXX", "9Z")


@pytest.mark.parametrize("code", VALID)
def test_every_single_substitution_is_detected(code: str) -> None:
    mutants = [
        code[:i] + ch + code[i + 1 :]
        for i in range(18)
        for ch in ALPHABET + "IOSVZ-"
        if ch != code[i]
    ]
    assert not any(is_valid(m) for m in mutants)
    assert _expr_messages(list(mutants)) == [_message(m) for m in mutants]


def test_adjacent_transpositions_are_mostly_detected() -> None:
    # Weights 3^(i-1) mod 31 differ between neighbours, so swapping two different characters
    # changes the sum by (a - b)(w_i - w_j) != 0 mod 31.
    for code in VALID:
        for i in range(17):
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            if swapped != code:
                assert not is_valid(swapped)


# --- vectorised ----------------------------------------------------------------------------


def test_expr_valid_invalid_and_null() -> None:
    bad = ["", HUAWEI[:17], "9144I3001922038216", HUAWEI[:17] + "7", HUAWEI[:16] + "2" + "6"]
    assert _expr_messages([*VALID, None, *bad]) == [None] * (len(VALID) + 1) + [
        _message(code) for code in bad
    ]


def test_expr_non_ascii_lengths() -> None:
    # 18 bytes but 6 characters, and 18 characters but more than 18 bytes (input is uppercased).
    codes = ["南京市南京市", "中" + HUAWEI[1:], HUAWEI[:17] + "É"]
    assert _expr_messages(list(codes)) == [_message(c) for c in codes]


_WIDE = ALPHABET + "IOSVZ" + "abcxyz" + "-_ ./\t" + "中国ÉéßẞıſＡ１" + "\U0001f600\x00"


def _mutate(code: str, position: int, char: str) -> str:
    return code[:position] + char + code[position + 1 :]


_valid_codes = st.builds(
    make_uscc,
    st.text(ALPHABET, min_size=6, max_size=6),
    st.text(ALPHABET, min_size=8, max_size=8),
    st.text(ALPHABET, min_size=2, max_size=2),
)
_mutants = st.builds(_mutate, _valid_codes, st.integers(0, 17), st.sampled_from(list(_WIDE)))
_random_18 = st.text(st.sampled_from(list(_WIDE)), min_size=18, max_size=18)
_random_any = st.text(st.sampled_from(list(_WIDE)), max_size=20)
_codes = st.one_of(_valid_codes, _mutants, _random_18, _random_any)


@settings(max_examples=200, deadline=None)
@given(st.lists(_codes, min_size=1, max_size=40))
def test_expr_agrees_with_validate(codes: list[str]) -> None:
    # The expression expects stripped, uppercased input; feed it exactly what validate() sees.
    normalised = [c.strip().upper() for c in codes]
    normalised = [n for n in normalised if n.strip().upper() == n]
    assert _expr_messages(list(normalised)) == [_message(n) for n in normalised]


@settings(max_examples=50, deadline=None)
@given(_valid_codes)
def test_generated_codes_are_valid(code: str) -> None:
    assert validate(code) == code
    assert _expr_messages([code]) == [None]


def test_expr_on_a_large_frame_agrees_with_the_scalar_check() -> None:
    """The vectorised check over ~100,000 codes flags exactly the codes the scalar check
    refuses (its speed is measured by the import benchmark, never asserted here)."""
    base = VALID + [_mutate(c, i, "0") for c in VALID for i in range(0, 18, 3)]
    codes = pl.DataFrame({"uscc": base}).select(pl.col("uscc").repeat_by(100_000 // len(base)))
    frame = codes.explode("uscc")
    flagged = frame.select(uscc_error_expr(pl.col("uscc")).is_not_null().sum()).item()
    bad_per_copy = sum(1 for c in base if not is_valid(c))
    assert flagged == bad_per_copy * (100_000 // len(base))
