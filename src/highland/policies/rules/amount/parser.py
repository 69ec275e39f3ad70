"""A small recursive-descent parser (never Python's eval) from text to the tree, folding
constants as it builds and checking every field reference against the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from highland.policies.rules.amount.syntax import (
    FUNCTIONS,
    MAX_LENGTH,
    MAX_NESTING,
    UNITS,
    AmountExpr,
    AmountSyntaxError,
    BinOp,
    Call,
    Neg,
    Node,
    Num,
    Ref,
    Token,
    apply_op,
    tokenize,
)
from highland.policies.rules.amount.vector import compile_pair, rounded
from highland.policies.rules.fields import FIELDS, NUMERIC_BOUNDS, NUMERIC_SCALES

# --- constant folding while building the tree ---------------------------------------------


def _binary(op: str, left: Node, right: Node, column: int) -> Node:
    if op == "/" and isinstance(right, Num) and right.value == 0:
        raise AmountSyntaxError("division by zero", column, "division_by_zero")
    if isinstance(left, Num) and isinstance(right, Num):
        return Num(apply_op(op, left.value, right.value), column)
    return BinOp(op, left, right, column)


def _negate(node: Node, column: int) -> Node:
    if isinstance(node, Num):
        return Num(-node.value, column)
    return Neg(node, column)


def _call(func: str, args: list[Node], column: int) -> Node:
    values = [a.value for a in args if isinstance(a, Num)]
    if len(values) == len(args):
        return Num(min(values) if func == "min" else max(values), column)
    return Call(func, tuple(args), column)


# --- parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, scales: Mapping[str, int], bounds: Mapping[str, int]) -> None:
        self.tokens = tokenize(text)
        self.current = next(self.tokens)
        self.previous: Token | None = None
        self.depth = 0
        self.scales = scales
        self.bounds = bounds
        self.names: set[str] = set()

    def peek(self) -> Token:
        return self.current

    def advance(self) -> Token:
        self.previous, self.current = self.current, next(self.tokens)
        return self.previous

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise AmountSyntaxError("empty expression", 1, "empty")
        node = self.expr()
        token = self.peek()
        if token.kind == ")":
            raise AmountSyntaxError("unmatched ')'", token.column, "unmatched")
        if token.kind == ",":
            raise AmountSyntaxError(
                "unexpected ',' (thousands separators are not allowed; ',' only separates "
                "the arguments of min() and max())",
                token.column,
                "comma",
            )
        if token.kind != "end":
            raise AmountSyntaxError(
                f"expected an operator but found {token.text!r}",
                token.column,
                "expected_operator",
                found=token.text,
            )
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.advance()
            node = _binary(op.text, node, self.term(), op.column)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in "*/":
            op = self.advance()
            node = _binary(op.text, node, self.unary(), op.column)
        return node

    def unary(self) -> Node:
        # Iterative so that a long run of '-' cannot exhaust the Python stack.
        minuses: list[Token] = []
        while self.peek().kind == "op" and self.peek().text == "-":
            minuses.append(self.advance())
        node = self.atom()
        return _negate(node, minuses[0].column) if len(minuses) % 2 else node

    def atom(self) -> Node:
        token = self.peek()
        if token.kind == "num":
            self.advance()
            return Num(Fraction(token.text), token.column)
        if token.kind == "name":
            return self.name()
        if token.kind == "(":
            return self.group()
        raise self.expected_value(token)

    def expected_value(self, token: Token) -> AmountSyntaxError:
        before = self.previous
        if token.kind == "end":
            after = f" after {before.text!r}" if before else ""
            message = f"expression ends where a value is expected{after}"
            if before is None:
                return AmountSyntaxError(message, token.column, "ends")
            return AmountSyntaxError(message, token.column, "ends_after", after=before.text)
        if token.kind == "op" and before is not None and before.kind == "op":
            return AmountSyntaxError(
                f"operator {token.text!r} follows {before.text!r} with no value between them",
                token.column,
                "two_operators",
                op=token.text,
                before=before.text,
            )
        return AmountSyntaxError(
            f"expected a number, field or '(' but found {token.text!r}",
            token.column,
            "expected_value",
            found=token.text,
        )

    def open(self) -> Token:
        token = self.advance()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise AmountSyntaxError(
                f"expression nested too deeply (more than {MAX_NESTING} levels)",
                token.column,
                "too_deep",
                max=MAX_NESTING,
            )
        return token

    def close(self, opening: Token, expected: str) -> None:
        token = self.peek()
        if token.kind == "end":
            raise AmountSyntaxError("unclosed '('", opening.column, "unclosed")
        if token.kind != ")":
            raise AmountSyntaxError(
                f"expected {expected} but found {token.text!r}",
                token.column,
                "expected_close",
                expected=expected,
                found=token.text,
            )
        self.advance()
        self.depth -= 1

    def group(self) -> Node:
        opening = self.open()
        node = self.expr()
        self.close(opening, "')'")
        return node

    def name(self) -> Node:
        token = self.advance()
        if self.peek().kind == "(":
            return self.call(token)
        if token.text in FUNCTIONS:
            raise AmountSyntaxError(
                f"{token.text}() needs its arguments in parentheses, like {token.text}(a, b)",
                token.column,
                "call_parentheses",
                func=token.text,
            )
        return self.field_ref(token)

    def call(self, name: Token) -> Node:
        if name.text in self.scales or name.text in FIELDS:
            raise AmountSyntaxError(
                f"{name.text!r} is a field, not a function",
                name.column,
                "field_call",
                name=name.text,
            )
        if name.text not in FUNCTIONS:
            raise AmountSyntaxError(
                f"unknown function {name.text!r}", name.column, "unknown_function", name=name.text
            )
        opening = self.open()
        args: list[Node] = []
        if self.peek().kind != ")":
            args.append(self.expr())
            while self.peek().kind == ",":
                self.advance()
                args.append(self.expr())
        self.close(opening, "',' or ')'")
        if len(args) < 2:
            raise AmountSyntaxError(
                f"{name.text}() needs at least 2 arguments",
                name.column,
                "arguments",
                func=name.text,
            )
        return _call(name.text, args, name.column)

    def field_ref(self, token: Token) -> Node:
        name = token.text
        if name not in self.scales:
            spec = FIELDS.get(name)
            if spec is not None and not spec.numeric:
                raise AmountSyntaxError(
                    f"field {name!r} is not a number", token.column, "not_numeric", name=name
                )
            raise AmountSyntaxError(
                f"unknown field {name!r}", token.column, "unknown_field", name=name
            )
        self.names.add(name)
        return Ref(name, self.scales[name], self.bounds[name], token.column)


def parse_amount(
    text: str,
    scales: Mapping[str, int] = NUMERIC_SCALES,
    bounds: Mapping[str, int] = NUMERIC_BOUNDS,
) -> AmountExpr:
    """Parse an amount expression and prove that its exact Int128 evaluation cannot overflow."""
    if len(text) > MAX_LENGTH:
        raise AmountSyntaxError(
            f"expression is longer than {MAX_LENGTH} characters",
            MAX_LENGTH + 1,
            "too_long",
            max=MAX_LENGTH,
        )
    parser = _Parser(text, scales, bounds)
    tree = parser.parse()
    rounded(compile_pair(tree), max(UNITS.values()), tree.column)  # raises when too large
    return AmountExpr(text, tuple(sorted(parser.names)), tree)
