"""The amount expression of a support policy, such as ``min(rd_spend * 0.10, 2000000)``.

A small recursive-descent parser (never Python's eval) turns the text into a tree of frozen
nodes; two evaluators then compute the same exact result: per enterprise in Python with
Fractions, and set-based in Polars with Int128 numerator/denominator pairs. Both round once,
half-up, to the policy's unit. Polars Int128 arithmetic wraps silently on overflow, so the
parser proves from the catalogue bounds that no intermediate value can exceed 2**126.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TypeAlias

import polars as pl

from highland.policies.rules.fields import FIELDS, NUMERIC_BOUNDS, NUMERIC_SCALES

UNITS: dict[str, int] = {"fen": 1, "yuan": 100, "wan": 1_000_000}  # fen per unit
FUNCTIONS = ("min", "max")
MAX_LENGTH = 500
MAX_DECIMALS = 6
MAX_NESTING = 32
# Headroom below Int128's 2**127 so that a final sign flip or sum of two checked values is safe.
INT128_LIMIT = 2**126
INT64_MAX = 2**63 - 1
# Polars expands shared sub-expressions into a tree; min/max and division reference operands
# twice, so deep nesting grows exponentially and is refused before planning gets slow.
MAX_REFS = 512
FEN_PER_YUAN = 100
OUTPUT_NAME = "amount_fen"


class AmountSyntaxError(ValueError):
    """An amount expression that cannot be accepted, with the 1-based column at fault."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


# --- tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Num:
    value: Fraction
    column: int


@dataclass(frozen=True)
class _Ref:
    name: str
    scale: int
    bound: int
    column: int


@dataclass(frozen=True)
class _Neg:
    operand: _Node
    column: int


@dataclass(frozen=True)
class _BinOp:
    op: str
    left: _Node
    right: _Node
    column: int


@dataclass(frozen=True)
class _Call:
    func: str
    args: tuple[_Node, ...]
    column: int


_Node: TypeAlias = _Num | _Ref | _Neg | _BinOp | _Call


@dataclass(frozen=True)
class AmountExpr:
    """A parsed, size-checked amount expression."""

    source: str
    fields: tuple[str, ...]
    tree: _Node = field(repr=False)


# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "(", ")", ",", "end"
    text: str
    column: int


_DIGITS = frozenset(string.digits)
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_CHARS = _NAME_START | _DIGITS
_WORD_CHARS = _NAME_CHARS | {"."}
_NUMBER = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def _scan(text: str, start: int, chars: frozenset[str]) -> int:
    end = start
    while end < len(text) and text[end] in chars:
        end += 1
    return end


def _number(text: str, start: int) -> _Token:
    word = text[start : _scan(text, start, _WORD_CHARS)]
    column = start + 1
    match = _NUMBER.fullmatch(word)
    if match is None:
        raise AmountSyntaxError(f"malformed number {word!r}", column)
    whole, decimals = match.group(1), match.group(2) or ""
    if len(whole) > 1 and whole[0] == "0":
        # Usually a thousands separator gone wrong: min(1,000,000, x) reads as min(1, 000, ...).
        raise AmountSyntaxError(
            f"number {word!r} has a leading zero (thousands separators are not allowed)", column
        )
    if len(decimals) > MAX_DECIMALS:
        raise AmountSyntaxError(f"number {word!r} has more than {MAX_DECIMALS} decimals", column)
    return _Token("num", word, column)


def _name(text: str, start: int) -> _Token:
    end = _scan(text, start, _NAME_CHARS)
    if end < len(text) and text[end] == ".":
        raise AmountSyntaxError(
            f"attribute access is not allowed after {text[start:end]!r}", end + 1
        )
    return _Token("name", text[start:end], start + 1)


def _symbol(text: str, start: int) -> _Token:
    ch, pair, column = text[start], text[start : start + 2], start + 1
    if pair in ("**", "//"):
        raise AmountSyntaxError(f"operator {pair!r} is not allowed", column)
    if ch in "+-*/":
        return _Token("op", ch, column)
    if ch in "(),":
        return _Token(ch, ch, column)
    if ch in "'\"":
        raise AmountSyntaxError("strings are not allowed", column)
    if ch == "." and start + 1 < len(text) and text[start + 1] in _DIGITS:
        raise AmountSyntaxError("malformed number: write a digit before '.', like 0.5", column)
    raise AmountSyntaxError(f"unexpected character {ch!r}", column)


def _tokenize(text: str) -> Iterator[_Token]:
    # Lazy, so that the leftmost error is reported whether it is lexical or grammatical.
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch in _DIGITS:
            token = _number(text, pos)
        elif ch in _NAME_START:
            token = _name(text, pos)
        else:
            token = _symbol(text, pos)
        yield token
        pos += len(token.text)
    while True:
        yield _Token("end", "", len(text) + 1)


# --- constant folding while building the tree ---------------------------------------------


def _apply(op: str, left: Fraction, right: Fraction) -> Fraction:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return left / right


def _binary(op: str, left: _Node, right: _Node, column: int) -> _Node:
    if op == "/" and isinstance(right, _Num) and right.value == 0:
        raise AmountSyntaxError("division by zero", column)
    if isinstance(left, _Num) and isinstance(right, _Num):
        return _Num(_apply(op, left.value, right.value), column)
    return _BinOp(op, left, right, column)


def _negate(node: _Node, column: int) -> _Node:
    if isinstance(node, _Num):
        return _Num(-node.value, column)
    return _Neg(node, column)


def _call(func: str, args: list[_Node], column: int) -> _Node:
    values = [a.value for a in args if isinstance(a, _Num)]
    if len(values) == len(args):
        return _Num(min(values) if func == "min" else max(values), column)
    return _Call(func, tuple(args), column)


# --- parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, scales: Mapping[str, int], bounds: Mapping[str, int]) -> None:
        self.tokens = _tokenize(text)
        self.current = next(self.tokens)
        self.previous: _Token | None = None
        self.depth = 0
        self.scales = scales
        self.bounds = bounds
        self.names: set[str] = set()

    def peek(self) -> _Token:
        return self.current

    def advance(self) -> _Token:
        self.previous, self.current = self.current, next(self.tokens)
        return self.previous

    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise AmountSyntaxError("empty expression", 1)
        node = self.expr()
        token = self.peek()
        if token.kind == ")":
            raise AmountSyntaxError("unmatched ')'", token.column)
        if token.kind == ",":
            raise AmountSyntaxError(
                "unexpected ',' (thousands separators are not allowed; ',' only separates "
                "the arguments of min() and max())",
                token.column,
            )
        if token.kind != "end":
            raise AmountSyntaxError(f"expected an operator but found {token.text!r}", token.column)
        return node

    def expr(self) -> _Node:
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.advance()
            node = _binary(op.text, node, self.term(), op.column)
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in "*/":
            op = self.advance()
            node = _binary(op.text, node, self.unary(), op.column)
        return node

    def unary(self) -> _Node:
        # Iterative so that a long run of '-' cannot exhaust the Python stack.
        minuses: list[_Token] = []
        while self.peek().kind == "op" and self.peek().text == "-":
            minuses.append(self.advance())
        node = self.atom()
        return _negate(node, minuses[0].column) if len(minuses) % 2 else node

    def atom(self) -> _Node:
        token = self.peek()
        if token.kind == "num":
            self.advance()
            return _Num(Fraction(token.text), token.column)
        if token.kind == "name":
            return self.name()
        if token.kind == "(":
            return self.group()
        raise self.expected_value(token)

    def expected_value(self, token: _Token) -> AmountSyntaxError:
        before = self.previous
        if token.kind == "end":
            after = f" after {before.text!r}" if before else ""
            message = f"expression ends where a value is expected{after}"
            return AmountSyntaxError(message, token.column)
        if token.kind == "op" and before is not None and before.kind == "op":
            return AmountSyntaxError(
                f"operator {token.text!r} follows {before.text!r} with no value between them",
                token.column,
            )
        return AmountSyntaxError(
            f"expected a number, field or '(' but found {token.text!r}", token.column
        )

    def open(self) -> _Token:
        token = self.advance()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise AmountSyntaxError(
                f"expression nested too deeply (more than {MAX_NESTING} levels)", token.column
            )
        return token

    def close(self, opening: _Token, expected: str) -> None:
        token = self.peek()
        if token.kind == "end":
            raise AmountSyntaxError("unclosed '('", opening.column)
        if token.kind != ")":
            raise AmountSyntaxError(f"expected {expected} but found {token.text!r}", token.column)
        self.advance()
        self.depth -= 1

    def group(self) -> _Node:
        opening = self.open()
        node = self.expr()
        self.close(opening, "')'")
        return node

    def name(self) -> _Node:
        token = self.advance()
        if self.peek().kind == "(":
            return self.call(token)
        if token.text in FUNCTIONS:
            raise AmountSyntaxError(
                f"{token.text}() needs its arguments in parentheses, like {token.text}(a, b)",
                token.column,
            )
        return self.field_ref(token)

    def call(self, name: _Token) -> _Node:
        if name.text in self.scales or name.text in FIELDS:
            raise AmountSyntaxError(f"{name.text!r} is a field, not a function", name.column)
        if name.text not in FUNCTIONS:
            raise AmountSyntaxError(f"unknown function {name.text!r}", name.column)
        opening = self.open()
        args: list[_Node] = []
        if self.peek().kind != ")":
            args.append(self.expr())
            while self.peek().kind == ",":
                self.advance()
                args.append(self.expr())
        self.close(opening, "',' or ')'")
        if len(args) < 2:
            raise AmountSyntaxError(f"{name.text}() needs at least 2 arguments", name.column)
        return _call(name.text, args, name.column)

    def field_ref(self, token: _Token) -> _Node:
        name = token.text
        if name not in self.scales:
            spec = FIELDS.get(name)
            if spec is not None and not spec.numeric:
                raise AmountSyntaxError(f"field {name!r} is not a number", token.column)
            raise AmountSyntaxError(f"unknown field {name!r}", token.column)
        self.names.add(name)
        return _Ref(name, self.scales[name], self.bounds[name], token.column)


def parse_amount(
    text: str,
    scales: Mapping[str, int] = NUMERIC_SCALES,
    bounds: Mapping[str, int] = NUMERIC_BOUNDS,
) -> AmountExpr:
    """Parse an amount expression and prove that its exact Int128 evaluation cannot overflow."""
    if len(text) > MAX_LENGTH:
        raise AmountSyntaxError(
            f"expression is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1
        )
    parser = _Parser(text, scales, bounds)
    tree = parser.parse()
    _rounded(_compile(tree), max(UNITS.values()), tree.column)  # raises when too large
    return AmountExpr(text, tuple(sorted(parser.names)), tree)


# --- exact evaluation in Python -----------------------------------------------------------


def _value(node: _Node, values: Mapping[str, int]) -> Fraction:
    if isinstance(node, _Num):
        return node.value
    if isinstance(node, _Ref):
        return Fraction(values[node.name], node.scale)
    if isinstance(node, _Neg):
        return -_value(node.operand, values)
    if isinstance(node, _BinOp):
        return _apply(node.op, _value(node.left, values), _value(node.right, values))
    args = [_value(a, values) for a in node.args]
    return min(args) if node.func == "min" else max(args)


def evaluate_amount(expr: AmountExpr, values: Mapping[str, int | None]) -> Fraction | None:
    """The exact amount in yuan, or None when a used field is missing or a divisor is zero."""
    known: dict[str, int] = {}
    for name in expr.fields:
        value = values.get(name)
        if value is None:
            return None
        known[name] = value
    try:
        return _value(expr.tree, known)
    except ZeroDivisionError:
        return None


def _unit_fen(unit: str) -> int:
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}") from None


def _half_up(numerator: int, denominator: int) -> int:
    # Round |n/d| half-up and reapply the sign: ties go away from zero.
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def round_to_unit(value: Fraction, unit: str) -> int:
    """Round an exact yuan value once, half-up, to a whole number of `unit`; result in fen."""
    unit_fen = _unit_fen(unit)
    in_units = value * FEN_PER_YUAN / unit_fen
    return _half_up(in_units.numerator, in_units.denominator) * unit_fen


def amount_fen(expr: AmountExpr, values: Mapping[str, int | None], unit: str) -> int | None:
    """The amount rounded to `unit`, in fen; None when missing or when it does not fit Int64."""
    value = evaluate_amount(expr, values)
    if value is None:
        return None
    fen = round_to_unit(value, unit)
    # Polars returns Int64; both evaluators treat an amount beyond it as not computable.
    return fen if _fits_int64(fen) else None


def _fits_int64(value: int) -> bool:
    return -(2**63) <= value <= INT64_MAX


# --- exact evaluation in Polars -----------------------------------------------------------

# An int is a value known statically, kept out of Polars for as long as possible.
_Term: TypeAlias = int | pl.Expr


@dataclass(frozen=True)
class _Pair:
    """num/den with den > 0; the value is null exactly when num is null.

    The *_refs count column references once Polars expands the shared sub-expressions into a
    tree: planning time grows with them, and min/max and division reference operands twice.
    """

    num: _Term
    den: _Term
    num_max: int  # bound on |num|
    den_max: int
    num_refs: int
    den_refs: int


def _lit(term: _Term) -> pl.Expr:
    return pl.lit(term, dtype=pl.Int128) if isinstance(term, int) else term


def _mul(x: _Term, y: _Term) -> _Term:
    if isinstance(x, int) and isinstance(y, int):
        return x * y
    # Multiplying by zero stays in Polars so that a null operand still yields null.
    if isinstance(y, int) and y == 1:
        return x
    if isinstance(x, int) and x == 1:
        return y
    return _lit(x) * _lit(y)


def _add(x: _Term, y: _Term, sign: int) -> _Term:
    if isinstance(x, int) and isinstance(y, int):
        return x + sign * y
    return _lit(x) + _lit(y) if sign > 0 else _lit(x) - _lit(y)


def _neg(x: _Term) -> _Term:
    # Polars 2.1 has no unary negation for Int128; subtraction from zero works.
    return -x if isinstance(x, int) else pl.lit(0, dtype=pl.Int128) - x


def _fit(value: int, column: int) -> int:
    if value > INT128_LIMIT:
        raise AmountSyntaxError(
            "expression too large to evaluate exactly (intermediate values could exceed 2**126)",
            column,
        )
    return value


def _affordable(refs: int, column: int) -> None:
    if refs > MAX_REFS:
        raise AmountSyntaxError("expression too complex (too many nested min/max or /)", column)


def _static(value: Fraction, column: int) -> _Pair:
    num, den = value.numerator, value.denominator
    return _Pair(num, den, _fit(abs(num), column), _fit(den, column), 0, 0)


def _sum(x: _Pair, y: _Pair, sign: int, column: int) -> _Pair:
    if isinstance(x.den, int) and isinstance(y.den, int):
        # A common static denominator keeps the numbers far smaller than cross multiplication.
        den = math.lcm(x.den, y.den)
        fx, fy = den // x.den, den // y.den
        num = _add(_mul(x.num, fx), _mul(y.num, fy), sign)
        num_max = _fit(x.num_max * fx + y.num_max * fy, column)
        return _Pair(num, den, num_max, _fit(den, column), x.num_refs + y.num_refs, 0)
    num = _add(_mul(x.num, y.den), _mul(y.num, x.den), sign)
    return _Pair(
        num,
        _mul(x.den, y.den),
        _fit(x.num_max * y.den_max + y.num_max * x.den_max, column),
        _fit(x.den_max * y.den_max, column),
        _all_refs(x) + _all_refs(y),
        x.den_refs + y.den_refs,
    )


def _all_refs(pair: _Pair) -> int:
    return pair.num_refs + pair.den_refs


def _cancel(num: _Term, num_max: int, den: _Term, den_max: int) -> _Pair:
    if isinstance(num, int) and isinstance(den, int) and num:
        g = math.gcd(num, den)
        return _Pair(num // g, den // g, abs(num) // g, den // g, 0, 0)
    return _Pair(num, den, num_max, den_max, 0, 0)


def _product(x: _Pair, y: _Pair, column: int) -> _Pair:
    a = _cancel(x.num, x.num_max, y.den, y.den_max)  # x.num over y.den
    b = _cancel(y.num, y.num_max, x.den, x.den_max)  # y.num over x.den
    return _Pair(
        _mul(a.num, b.num),
        _mul(b.den, a.den),
        _fit(a.num_max * b.num_max, column),
        _fit(a.den_max * b.den_max, column),
        x.num_refs + y.num_refs,
        x.den_refs + y.den_refs,
    )


def _quotient(x: _Pair, y: _Pair, column: int) -> _Pair:
    if isinstance(y.num, int):
        if y.num == 0:
            raise AmountSyntaxError("division by zero", column)
        return _product(x, _static(1 / Fraction(y.num, _static_den(y)), column), column)
    # A zero divisor becomes null, which then propagates: a division by zero has no amount.
    nonzero = pl.when(y.num != 0).then(y.num)
    return _Pair(
        _lit(_mul(x.num, y.den)) * nonzero.sign(),  # the sign moves up: den stays positive
        _mul(x.den, nonzero.abs()),
        _fit(x.num_max * y.den_max, column),
        _fit(x.den_max * y.num_max, column),
        x.num_refs + y.den_refs + y.num_refs,
        x.den_refs + y.num_refs,
    )


def _static_den(pair: _Pair) -> int:
    assert isinstance(pair.den, int), "a static numerator always has a static denominator"
    return pair.den


def _extreme(func: str, x: _Pair, y: _Pair, column: int) -> _Pair:
    if isinstance(x.den, int) and isinstance(y.den, int):
        return _extreme_static(func, x, y, x.den, y.den, column)
    _fit(x.num_max * y.den_max, column)
    _fit(y.num_max * x.den_max, column)
    left, right = _lit(_mul(x.num, y.den)), _lit(_mul(y.num, x.den))
    first = left <= right if func == "min" else left >= right
    # Two whens and no otherwise: a null comparison (null operand) gives a null result.
    num = pl.when(first).then(_lit(x.num)).when(first.not_()).then(_lit(y.num))
    den = pl.when(first).then(_lit(x.den)).otherwise(_lit(y.den))
    refs = _all_refs(x) + _all_refs(y)
    return _Pair(
        num,
        den,
        max(x.num_max, y.num_max),
        max(x.den_max, y.den_max),
        2 * refs + x.num_refs + y.num_refs,
        refs + x.den_refs + y.den_refs,
    )


def _extreme_static(func: str, x: _Pair, y: _Pair, xden: int, yden: int, column: int) -> _Pair:
    # Over a common static denominator only the numerators matter, and
    # min/max(a, c) = (a + c -/+ |a - c|) / 2 references each side twice instead of three times
    # and lets nulls propagate by themselves.
    den = math.lcm(xden, yden)
    fx, fy = den // xden, den // yden
    a, c = _mul(x.num, fx), _mul(y.num, fy)
    if isinstance(a, int) and isinstance(c, int):
        return _static(Fraction(min(a, c) if func == "min" else max(a, c), den), column)
    num_max = _fit(max(x.num_max * fx, y.num_max * fy), column)
    _fit(2 * num_max, column)
    spread = _lit(_add(a, c, -1)).abs()
    twice = _add(_add(a, c, 1), spread, -1 if func == "min" else 1)
    num = _lit(twice) // pl.lit(2, dtype=pl.Int128)  # exact: twice is always even
    refs = 2 * (x.num_refs + y.num_refs)
    return _Pair(num, den, num_max, _fit(den, column), refs, 0)


_BINARY: dict[str, Callable[[_Pair, _Pair, int], _Pair]] = {
    "+": lambda x, y, column: _sum(x, y, 1, column),
    "-": lambda x, y, column: _sum(x, y, -1, column),
    "*": _product,
    "/": _quotient,
}


def _compile(node: _Node) -> _Pair:
    if isinstance(node, _Num):
        return _static(node.value, node.column)
    if isinstance(node, _Ref):
        column = pl.col(node.name).cast(pl.Int128)
        return _Pair(column, node.scale, node.bound, node.scale, 1, 0)
    if isinstance(node, _Neg):
        inner = _compile(node.operand)
        return replace(inner, num=_neg(inner.num))
    if isinstance(node, _BinOp):
        pair = _BINARY[node.op](_compile(node.left), _compile(node.right), node.column)
    else:
        pair = _fold_extreme(node.func, [_compile(a) for a in node.args], node.column)
    _affordable(_all_refs(pair), node.column)
    return pair


def _fold_extreme(func: str, pairs: Sequence[_Pair], column: int) -> _Pair:
    result = pairs[0]
    for pair in pairs[1:]:
        result = _extreme(func, result, pair, column)
        _affordable(_all_refs(result), column)
    return result


def _rounded(pair: _Pair, unit_fen: int, column: int) -> pl.Expr:
    num, den = _mul(pair.num, FEN_PER_YUAN), _mul(pair.den, unit_fen)
    num_max, den_max = pair.num_max * FEN_PER_YUAN, pair.den_max * unit_fen
    _fit(2 * num_max + den_max, column)
    _fit(2 * den_max, column)
    _affordable(2 * _all_refs(pair), column)
    if isinstance(num, int) and isinstance(den, int):
        exact = _half_up(num, den) * unit_fen
        return pl.lit(exact if _fits_int64(exact) else None, dtype=pl.Int64)
    # Half-up on the magnitude, then the sign back; both operands of // are non-negative, so
    # Polars' floor division cannot differ from truncation here.
    magnitude = (_lit(num).abs() * 2 + _lit(den)) // (_lit(den) * 2)
    fen = _lit(_mul(magnitude * _lit(num).sign(), unit_fen))
    # A non-strict cast turns an amount beyond Int64 into null, as amount_fen returns None.
    return fen.cast(pl.Int64, strict=False)


def polars_amount_fen(expr: AmountExpr, unit: str) -> pl.Expr:
    """A Polars Int64 expression, named 'amount_fen', equal to `amount_fen` on every row."""
    unit_fen = _unit_fen(unit)
    return _rounded(_compile(expr.tree), unit_fen, expr.tree.column).alias(OUTPUT_NAME)
