"""Amount expressions: parsing, errors, exact evaluation, rounding, and Polars agreement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from highland.policies.rules.amount import (
    UNITS,
    AmountExpr,
    AmountSyntaxError,
    amount_fen,
    evaluate_amount,
    parse_amount,
    polars_amount_fen,
    round_to_unit,
)
from highland.policies.rules.fields import NUMERIC_BOUNDS, NUMERIC_SCALES

YUAN = 100  # fen
MILLION = 1_000_000


def ev(text: str, **values: int | None) -> Fraction | None:
    return evaluate_amount(parse_amount(text), values)


def polars_rows(expr: AmountExpr, rows: list[dict[str, int | None]], unit: str) -> list[object]:
    schema = {name: pl.Int64 for name in NUMERIC_SCALES}
    frame = pl.DataFrame(rows, schema=schema)
    return frame.with_columns(polars_amount_fen(expr, unit)).get_column("amount_fen").to_list()


# --- parsing and evaluation --------------------------------------------------------------


def test_typical_policy_amount() -> None:
    expr = parse_amount("min(rd_spend * 0.10, 2000000)")
    assert expr.source == "min(rd_spend * 0.10, 2000000)"
    assert expr.fields == ("rd_spend",)
    assert evaluate_amount(expr, {"rd_spend": 5_000_000 * YUAN}) == 500_000
    assert evaluate_amount(expr, {"rd_spend": 50_000_000 * YUAN}) == 2_000_000
    assert evaluate_amount(expr, {"rd_spend": 123_45}) == Fraction(12345, 1000)


def test_fields_are_sorted_and_unique() -> None:
    expr = parse_amount("rd_spend + revenue * 0 + rd_spend + employees")
    assert expr.fields == ("employees", "rd_spend", "revenue")
    assert parse_amount("300000").fields == ()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("100 / 10 / 5", 2),
        ("2 * 3 / 4", Fraction(3, 2)),
        ("-2 * 3", -6),
        ("- -2", 2),
        ("1 - -2", 3),
        ("-(1 + 2) * -2", 6),
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("min(max(1, 5), max(2, 4))", 4),
        ("max(min(10, 20) - 15, 0)", 0),
        ("1 / 3 * 3", 1),
        ("0.10", Fraction(1, 10)),
        ("1.5 * 2", 3),
        ("0.000001 * 1000000", 1),
        ("  7 \t*\n2 ", 14),
    ],
)
def test_constant_arithmetic(text: str, want: Fraction | int) -> None:
    assert ev(text) == want


def test_fields_in_human_units() -> None:
    # revenue in fen, rd_intensity in millionths, valuation in cents, employees plain.
    assert ev("revenue", revenue=123_456_78) == Fraction(12345678, 100)
    assert ev("rd_intensity * 1000", rd_intensity=40_000) == 40
    assert ev("valuation_usd * 7", valuation_usd=1_00) == 7
    assert ev("employees * 5000", employees=12) == 60_000


def test_policy_shapes() -> None:
    grow = "min(max(revenue - 50000000, 0) * 0.02, 3000000)"
    assert ev(grow, revenue=40_000_000 * YUAN) == 0
    assert ev(grow, revenue=60_000_000 * YUAN) == 200_000
    assert ev(grow, revenue=900_000_000 * YUAN) == 3_000_000
    assert ev("rd_spend * 0.2 / 2", rd_spend=1_000_000 * YUAN) == 100_000
    assert ev("min(last_round_usd * 0.01 * 7, 5000000)", last_round_usd=10**7 * YUAN) == 700_000
    assert ev("rd_spend / employees", rd_spend=1_000 * YUAN, employees=3) == Fraction(1000, 3)


def test_division_by_zero_value_is_none() -> None:
    assert ev("rd_spend / employees", rd_spend=100, employees=0) is None
    assert ev("min(rd_spend / employees, 5)", rd_spend=100, employees=0) is None
    assert ev("rd_spend / (employees - rd_staff)", rd_spend=1, employees=4, rd_staff=4) is None


def test_missing_field_is_none() -> None:
    assert ev("rd_spend * 0.1", rd_spend=None) is None
    assert ev("rd_spend * 0.1") is None  # absent counts as missing
    # Even where min() would not need it, a missing field leaves the amount open.
    assert ev("min(rd_spend, 0 * revenue)", rd_spend=5, revenue=None) is None


def test_custom_catalogue() -> None:
    expr = parse_amount("x * 2", scales={"x": 10}, bounds={"x": 1000})
    assert evaluate_amount(expr, {"x": 15}) == 3
    with pytest.raises(AmountSyntaxError, match="unknown field 'revenue'"):
        parse_amount("revenue", scales={"x": 10}, bounds={"x": 1000})


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("", 1, "empty expression"),
        ("   ", 1, "empty expression"),
        ("1 + * 2", 5, "operator '*' follows '+' with no value between them"),
        ("1 +", 4, "expression ends where a value is expected after '+'"),
        ("+1", 1, "expected a number, field or '(' but found '+'"),
        ("1 % 2", 3, "unexpected character '%'"),
        ("rd_spend ＊ 2", 10, "unexpected character '＊'"),
        ("１", 1, "unexpected character '１'"),
        ("1 ** 2", 3, "operator '**' is not allowed"),
        ("7 // 2", 3, "operator '//' is not allowed"),
        ("foo * 2", 1, "unknown field 'foo'"),
        ("2 * district", 5, "field 'district' is not a number"),
        ("listed", 1, "field 'listed' is not a number"),
        ("qualifications + 1", 1, "field 'qualifications' is not a number"),
        ("pow(rd_spend, 2)", 1, "unknown function 'pow'"),
        ("abs(1, 2)", 1, "unknown function 'abs'"),
        ("rd_spend(1, 2)", 1, "'rd_spend' is a field, not a function"),
        ("min(5)", 1, "min() needs at least 2 arguments"),
        ("1 + max()", 5, "max() needs at least 2 arguments"),
        ("min", 1, "min() needs its arguments in parentheses, like min(a, b)"),
        ("min(1,)", 7, "expected a number, field or '(' but found ')'"),
        ("min(1 2)", 7, "expected ',' or ')' but found '2'"),
        ("(1 + 2", 1, "unclosed '('"),
        ("min(1, (2 + 3)", 4, "unclosed '('"),
        ("1 + * 'x'", 5, "operator '*' follows '+'"),
        ("1 + 2)", 6, "unmatched ')'"),
        ("(1, 2)", 3, "expected ')' but found ','"),
        ("1 2", 3, "expected an operator but found '2'"),
        ("rd_spend revenue", 10, "expected an operator but found 'revenue'"),
        ("0.1234567", 1, "number '0.1234567' has more than 6 decimals"),
        ("2,000,000", 2, "unexpected ',' (thousands separators are not allowed"),
        ("min(1,000,000, x)", 7, "number '000' has a leading zero (thousands separators"),
        ("1,5", 2, "unexpected ','"),
        ("2_000_000", 1, "malformed number '2_000_000'"),
        ("1e6", 1, "malformed number '1e6'"),
        ("1.", 1, "malformed number '1.'"),
        ("1.2.3", 1, "malformed number '1.2.3'"),
        (".5", 1, "malformed number: write a digit before '.', like 0.5"),
        ("a.b", 2, "attribute access is not allowed after 'a'"),
        ("rd_spend.real", 9, "attribute access is not allowed after 'rd_spend'"),
        ("'rd_spend'", 1, "strings are not allowed"),
        ('"1"', 1, "strings are not allowed"),
        ("rd_spend / 0", 10, "division by zero"),
        ("rd_spend / (2 - 2)", 10, "division by zero"),
        ("__import__('os')", 1, "unknown function '__import__'"),
        ("rd_spend if 1 else 2", 10, "expected an operator but found 'if'"),
        ("[1]", 1, "unexpected character '['"),
    ],
)
def test_errors(text: str, column: int, message: str) -> None:
    with pytest.raises(AmountSyntaxError) as info:
        parse_amount(text)
    error = info.value
    assert error.column == column
    assert error.message.startswith(message)
    assert str(error).startswith(f"column {column}: {message}")
    assert isinstance(error, ValueError)


def test_too_long() -> None:
    parse_amount("1" + " " * 499)
    with pytest.raises(AmountSyntaxError) as info:
        parse_amount("1" + " " * 500)
    assert info.value.column == 501
    assert "longer than 500 characters" in info.value.message


def test_nesting_limit() -> None:
    parse_amount("(" * 32 + "1" + ")" * 32)
    with pytest.raises(AmountSyntaxError, match="nested too deeply") as info:
        parse_amount("(" * 33 + "1" + ")" * 33)
    assert info.value.column == 33
    assert ev("-" * 301 + "2") == -2  # a long run of unary minus needs no recursion


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("rd_spend * revenue * employees", 20),
        ("revenue * revenue_growth * revenue_growth", 26),
        ("100000000000000000000000000000000000000000", 1),
        ("revenue * revenue * revenue", 19),
    ],
)
def test_too_large(text: str, column: int) -> None:
    with pytest.raises(AmountSyntaxError, match="expression too large to evaluate exactly") as info:
        parse_amount(text)
    assert info.value.column == column


@pytest.mark.parametrize(
    "text",
    [
        "min(rd_spend * 0.10, 2000000)",
        "min(max(revenue - 50000000, 0) * 0.02, 3000000)",
        "rd_spend * 0.2 / 2",
        "300000",
        "employees * 5000",
        "min(last_round_usd * 0.01 * 7, 5000000)",
        "revenue * revenue_growth * 0.1",
        "min(rd_spend / employees * 100, revenue / rd_staff, 5000000)",
        "1000000 / rd_intensity",
    ],
)
def test_typical_expressions_fit(text: str) -> None:
    parse_amount(text)


def test_too_complex() -> None:
    text = "rd_spend"
    for limit in range(8):
        text = f"min({text}, {limit})"
    parse_amount(text)
    with pytest.raises(AmountSyntaxError, match="expression too complex") as info:
        parse_amount(f"max({text}, 9)")
    assert info.value.column == 1


# --- rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "fen"),
    [
        (Fraction("1234.565"), "fen", 123457),
        (Fraction("1234.565"), "yuan", 123500),
        (Fraction("1234.5"), "yuan", 123500),
        (Fraction("1234.49"), "yuan", 123400),
        (Fraction("1234.564"), "fen", 123456),
        (Fraction(15000), "wan", 2_000_000),
        (Fraction(14999), "wan", 1_000_000),
        (Fraction(5000), "wan", 1_000_000),
        (Fraction(4999), "wan", 0),
        (Fraction("-0.005"), "fen", -1),
        (Fraction("-0.004"), "fen", 0),
        (Fraction("-1234.5"), "yuan", -123500),
        (Fraction("-15000"), "wan", -2_000_000),
        (Fraction(1, 3), "fen", 33),
        (Fraction(2, 3), "fen", 67),
        (Fraction(0), "wan", 0),
    ],
)
def test_round_to_unit(value: Fraction, unit: str, fen: int) -> None:
    assert round_to_unit(value, unit) == fen


def test_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown unit 'cent'"):
        round_to_unit(Fraction(1), "cent")
    with pytest.raises(ValueError, match="unknown unit"):
        polars_amount_fen(parse_amount("1"), "cent")


def test_amount_fen_rounds_once() -> None:
    expr = parse_amount("rd_spend * 0.10")
    # 12345.65 * 0.10 = 1234.565 yuan: rounded once, not first to fen and then to yuan.
    assert amount_fen(expr, {"rd_spend": 1234565}, "fen") == 123457
    assert amount_fen(expr, {"rd_spend": 1234565}, "yuan") == 123500
    assert amount_fen(expr, {"rd_spend": 1234565}, "wan") == 0
    assert amount_fen(expr, {"rd_spend": None}, "fen") is None


def test_amount_beyond_int64_is_none() -> None:
    expr = parse_amount("revenue * revenue_growth")
    values: dict[str, int | None] = {"revenue": 10**17, "revenue_growth": 10**15}
    assert evaluate_amount(expr, values) == Fraction(10**24)
    assert amount_fen(expr, values, "yuan") is None
    rows: list[dict[str, int | None]] = [values, {"revenue": 100, "revenue_growth": 10**6}]
    assert polars_rows(expr, rows, "yuan") == [None, 100]


# --- Polars agreement ---------------------------------------------------------------------


def test_polars_examples() -> None:
    expr = parse_amount("min(max(revenue - 50000000, 0) * 0.02, 3000000) / employees")
    rows: list[dict[str, int | None]] = [
        {"revenue": 60_000_000 * YUAN, "employees": 3},
        {"revenue": 60_000_000 * YUAN, "employees": -7},
        {"revenue": 60_000_000 * YUAN, "employees": 0},
        {"revenue": None, "employees": 3},
        {"revenue": -(10**17), "employees": 10**9},
    ]
    for unit in UNITS:
        assert polars_rows(expr, rows, unit) == [amount_fen(expr, r, unit) for r in rows]
    assert polars_rows(expr, rows, "fen") == [6666667, -2857143, None, None, 0]


def test_polars_constant_and_name() -> None:
    expr = parse_amount("1234.565")
    rows: list[dict[str, int | None]] = [{}, {}]
    assert polars_rows(expr, rows, "fen") == [123457, 123457]
    schema = polars_amount_fen(expr, "wan").meta.output_name()
    assert schema == "amount_fen"


GRID = (None, 0, 1, -1, 2, -3, 7, 150, -299, 10**6, -(10**9))


@pytest.mark.parametrize(
    "text",
    [
        "min(rd_spend / employees, revenue / rd_staff)",
        "max(rd_spend / employees, 0.5, -revenue / rd_staff)",
        "(rd_spend - revenue) / (employees - rd_staff) * 0.333",
        "min(rd_spend, revenue) / max(employees, rd_staff)",
        "1 / (rd_spend / employees + revenue / rd_staff)",
        "-max(-rd_spend * 0.5, revenue / 3)",
    ],
)
def test_polars_grid(text: str) -> None:
    expr = parse_amount(text)
    rows: list[dict[str, int | None]] = [
        {"rd_spend": a, "employees": b, "revenue": c, "rd_staff": d}
        for a in GRID
        for b in GRID
        for c in GRID[:6]
        for d in GRID[:6]
    ]
    for unit in UNITS:
        assert polars_rows(expr, rows, unit) == [amount_fen(expr, r, unit) for r in rows]


def test_polars_ties_and_negatives() -> None:
    expr = parse_amount("rd_spend * 0.5")
    rows: list[dict[str, int | None]] = [{"rd_spend": v} for v in (-3, -1, 1, 3, -299, 299, 0)]
    for unit in UNITS:
        assert polars_rows(expr, rows, unit) == [amount_fen(expr, r, unit) for r in rows]
    assert polars_rows(expr, rows, "fen") == [-2, -1, 1, 2, -150, 150, 0]


# A tiny expression generator: the text, and an independent Fraction oracle for it.
Oracle = Callable[[Mapping[str, Fraction]], Fraction]
Gen = tuple[str, Oracle]
GEN_FIELDS = ("revenue", "rd_spend", "employees", "rd_intensity", "valuation_usd")


def _field(name: str) -> Gen:
    return name, lambda v: v[name]


def _constant(digits: int, decimals: int) -> Gen:
    text = str(digits)
    if decimals:
        text = text.rjust(decimals + 1, "0")
        text = f"{text[:-decimals]}.{text[-decimals:]}"
    value = Fraction(digits, 10**decimals)
    return text, lambda v: value


def _binary(op: str, left: Gen, right: Gen) -> Gen:
    lf, rf = left[1], right[1]
    funcs: dict[str, Oracle] = {
        "+": lambda v: lf(v) + rf(v),
        "-": lambda v: lf(v) - rf(v),
        "*": lambda v: lf(v) * rf(v),
        "/": lambda v: lf(v) / rf(v),
    }
    return f"({left[0]} {op} {right[0]})", funcs[op]


def _call(func: str, args: list[Gen]) -> Gen:
    pick = min if func == "min" else max
    text = f"{func}({', '.join(a[0] for a in args)})"
    return text, lambda v: pick(a[1](v) for a in args)


def _negated(inner: Gen) -> Gen:
    return f"-{inner[0]}", lambda v: -inner[1](v)


FIELD_LEAVES = st.sampled_from(GEN_FIELDS).map(_field)
# Fields listed twice: expressions without any field say little about the Polars side.
LEAVES = st.one_of(
    FIELD_LEAVES,
    FIELD_LEAVES,
    st.builds(_constant, st.integers(0, 10**7), st.integers(0, 3)),
)


def _expressions(depth: int) -> st.SearchStrategy[Gen]:
    if depth == 0:
        return LEAVES
    child = _expressions(depth - 1)
    binary = st.builds(_binary, st.sampled_from("+-*/"), child, child)
    return st.one_of(
        LEAVES,
        binary,
        binary,
        st.builds(_call, st.sampled_from(("min", "max")), st.lists(child, min_size=2, max_size=3)),
        child.map(_negated),
    )


def _value(name: str) -> st.SearchStrategy[int | None]:
    bound = NUMERIC_BOUNDS[name]
    return st.one_of(st.none(), st.just(0), st.integers(-1000, 1000), st.integers(-bound, bound))


ROWS = st.lists(
    st.fixed_dictionaries({name: _value(name) for name in GEN_FIELDS}), min_size=1, max_size=25
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gen=_expressions(4), rows=ROWS)
def test_polars_agrees_with_python(gen: Gen, rows: list[dict[str, int | None]]) -> None:
    text, oracle = gen
    try:
        expr = parse_amount(text)
    except AmountSyntaxError as error:
        assert error.message.startswith(("expression too", "division by zero")), error
        return
    for row in rows:
        human = {n: Fraction(v, NUMERIC_SCALES[n]) for n, v in row.items() if v is not None}
        try:
            want = None if set(expr.fields) - set(human) else oracle(human)
        except ZeroDivisionError:
            want = None
        assert evaluate_amount(expr, row) == want
    for unit in UNITS:
        assert polars_rows(expr, rows, unit) == [amount_fen(expr, r, unit) for r in rows]
