"""The amount language's limits, its error, its tree of frozen nodes and its tokens."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeAlias

from highland.policies.rules.problems import RuleProblem

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


class AmountSyntaxError(RuleProblem):
    """An amount expression that cannot be accepted, with the 1-based column at fault."""

    def __init__(self, message: str, column: int, code: str = "invalid", **params: Any) -> None:
        super().__init__(f"column {column}: {message}", f"amount.{code}", column=column, **params)
        self.message = message
        self.column = column


# --- tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: Fraction
    column: int


@dataclass(frozen=True)
class Ref:
    name: str
    scale: int
    bound: int
    column: int


@dataclass(frozen=True)
class Neg:
    operand: Node
    column: int


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node
    column: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]
    column: int


Node: TypeAlias = Num | Ref | Neg | BinOp | Call


@dataclass(frozen=True)
class AmountExpr:
    """A parsed, size-checked amount expression."""

    source: str
    fields: tuple[str, ...]
    tree: Node = field(repr=False)


# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
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


def _number(text: str, start: int) -> Token:
    word = text[start : _scan(text, start, _WORD_CHARS)]
    column = start + 1
    match = _NUMBER.fullmatch(word)
    if match is None:
        raise AmountSyntaxError(f"malformed number {word!r}", column, "malformed_number", word=word)
    whole, decimals = match.group(1), match.group(2) or ""
    if len(whole) > 1 and whole[0] == "0":
        # Usually a thousands separator gone wrong: min(1,000,000, x) reads as min(1, 000, ...).
        raise AmountSyntaxError(
            f"number {word!r} has a leading zero (thousands separators are not allowed)",
            column,
            "leading_zero",
            word=word,
        )
    if len(decimals) > MAX_DECIMALS:
        raise AmountSyntaxError(
            f"number {word!r} has more than {MAX_DECIMALS} decimals",
            column,
            "too_many_decimals",
            word=word,
            max=MAX_DECIMALS,
        )
    return Token("num", word, column)


def _name(text: str, start: int) -> Token:
    end = _scan(text, start, _NAME_CHARS)
    if end < len(text) and text[end] == ".":
        raise AmountSyntaxError(
            f"attribute access is not allowed after {text[start:end]!r}",
            end + 1,
            "attribute",
            word=text[start:end],
        )
    return Token("name", text[start:end], start + 1)


def _symbol(text: str, start: int) -> Token:
    ch, pair, column = text[start], text[start : start + 2], start + 1
    if pair in ("**", "//"):
        raise AmountSyntaxError(f"operator {pair!r} is not allowed", column, "operator", op=pair)
    if ch in "+-*/":
        return Token("op", ch, column)
    if ch in "(),":
        return Token(ch, ch, column)
    if ch in "'\"":
        raise AmountSyntaxError("strings are not allowed", column, "string")
    if ch == "." and start + 1 < len(text) and text[start + 1] in _DIGITS:
        raise AmountSyntaxError(
            "malformed number: write a digit before '.', like 0.5", column, "leading_dot"
        )
    raise AmountSyntaxError(f"unexpected character {ch!r}", column, "character", char=ch)


def tokenize(text: str) -> Iterator[Token]:
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
        yield Token("end", "", len(text) + 1)


def apply_op(op: str, left: Fraction, right: Fraction) -> Fraction:
    """The exact value of one arithmetic operator on two constants."""
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return left / right
