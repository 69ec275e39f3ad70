"""Criteria and amount formulas as sentences in the page's language.

A criterion reads as a person would say it — 所在区为雨花台区, 研发投入强度不低于 6%,
具有高新技术企业资质, 未上市 — and an amount formula as the benefit it describes — 研发费用的 10%，
最高 200 万元. Every word comes from the catalogue (messages/explain.yaml); codes are named by
their vocabularies (districts by the region names, qualifications, ownership, industries).
The rule as written (field names, operators, the formula) stays for analysts behind the
policy page's "规则原文" toggle.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from highland.platform.web.i18n import has, pick
from highland.policies.rules.amount import AmountExpr
from highland.policies.rules.amount.syntax import BinOp, Call, Neg, Num, Ref
from highland.policies.rules.amount.syntax import Node as AmountNode
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.model import Criterion, Value

# The comparison's key, and the one it becomes under `not`.
COMPARE = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne"}
INVERSE = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "==",
           "in": "not_in", "not_in": "in"}  # fmt: skip
# Count fields an amount can be "per": the unit one of them counts.
PER_UNIT = {"employees": "person", "rd_staff": "person", "invention_patents": "patent"}


class Words(Protocol):
    """What the sentences need of the page's formatter (present.Formatter)."""

    lang: str

    def t(self, key: str, **params: object) -> str: ...

    def field(self, name: str, capital: bool = False) -> str: ...

    def written(self, name: str, value: Value) -> str: ...

    def code(self, name: str, code: str) -> str: ...


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def money(w: Words, yuan: Decimal) -> str:
    """An amount of yuan as each language counts it: 200 万元 / 1.5 亿元 in Chinese (from 10,000
    yuan up), ¥2,000,000 in English."""
    plain = w.t("explain.money.yuan", n=f"{yuan.normalize():,f}")
    if abs(yuan) >= 100_000_000 and yuan % 10_000_000 == 0:  # 1.5 亿元, not 15,000 万元
        counted = w.t("explain.money.yi", n=f"{(yuan / 100_000_000).normalize():,f}")
    elif abs(yuan) >= 10_000:
        counted = w.t("explain.money.wan", n=f"{(yuan / 10_000).normalize():,f}")
    else:
        return plain
    return str(pick(w.lang, counted, plain))


def _value(w: Words, name: str, value: Value) -> str:
    """A threshold in human units; money in 万元."""
    spec = FIELDS[name]
    if spec.kind == "money" and isinstance(value, Decimal):
        return money(w, value)
    if name in PER_UNIT and isinstance(value, Decimal):
        return w.t(f"explain.count.{PER_UNIT[name]}", n=w.written(name, value))
    return w.written(name, value)


def _items(w: Words, name: str, value: Value, joiner: str) -> tuple[str, int]:
    """A list of codes by their names, and how many there are: A、B或C / A, B or C (the last
    pair joined by `joiner`: 或 / 和; sep.enum joins them all)."""
    items = value if isinstance(value, tuple) else (value,)
    names = [_value(w, name, v) for v in items]
    if len(names) < 2:
        return "".join(names), len(names)
    head = w.t("sep.enum").join(names[:-1])
    return head + w.t(joiner) + names[-1], len(names)


def criterion(w: Words, c: Criterion) -> str:
    """A criterion resolved for a date as a sentence (its `not`, if any, folded in)."""
    return predicate(w, c.field, c.predicate.op, c.threshold, c.negated)


def predicate(w: Words, name: str, op: str, value: Value | None, negated: bool = False) -> str:
    """`field op value` (as written, human units) as a sentence."""
    if value is None:
        return w.field(name, True)
    spec = FIELDS[name]
    if negated:
        flipped = _negated(w, name, op, value)
        if flipped is not None:
            return flipped
        return w.t("pol.negated", text=predicate(w, name, op, value))
    field = w.field(name)
    if op == "exists":
        return _capital(w.t("explain.exists" if value is True else "explain.missing", field=field))
    if spec.kind == "bool" and op in ("==", "!=") and isinstance(value, bool):
        answer = "yes" if value == (op == "==") else "no"
        key = f"explain.bool.{name}.{answer}"
        if has(key):
            return w.t(key)
        return w.t(f"explain.bool.{answer}", field=_capital(field))
    if spec.kind == "set":
        return _set(w, name, op, value)
    if op == "between" and isinstance(value, tuple):
        low, high = (_value(w, name, v) for v in value)
        return _capital(w.t("explain.between", field=field, low=low, high=high))
    if op in ("in", "not_in"):
        joined, n = _items(w, name, value, "explain.or" if op == "in" else "sep.enum")
        key = ("explain.eq" if op == "in" else "explain.ne") if n == 1 else f"explain.{op}"
        return _capital(w.t(key, field=field, value=joined))
    return _capital(w.t(f"explain.{COMPARE[op]}", field=field, value=_value(w, name, value)))


def _negated(w: Words, name: str, op: str, value: Value) -> str | None:
    """A criterion under `not` said positively where the language allows (not ≥ → below)."""
    if op == "exists":
        return predicate(w, name, op, not value)
    if op == "between" and isinstance(value, tuple):
        low, high = (_value(w, name, v) for v in value)
        return _capital(w.t("explain.not_between", field=w.field(name), low=low, high=high))
    if op == "contains" and (not isinstance(value, tuple) or len(value) == 1):
        return predicate(w, name, "not_in", value)
    if op in INVERSE:
        return predicate(w, name, INVERSE[op], value)
    return None


def _set(w: Words, name: str, op: str, value: Value) -> str:
    """Sets: qualifications held (by their names), chains and segments belonged to."""
    field = w.field(name)
    single = not isinstance(value, tuple) or len(value) == 1
    if op == "contains":
        joined, _ = _items(w, name, value, "explain.and")
        how = "all"
    elif op == "in":
        joined, _ = _items(w, name, value, "explain.or")
        how = "all" if single else "any"
    else:
        joined, _ = _items(w, name, value, "sep.enum")
        how = "none"
    kind = "qualification" if name == "qualifications" else "member"
    return _capital(w.t(f"explain.{kind}.{how}", field=field, value=joined))


# --------------------------------------------------------------------------- amounts


def amount(w: Words, expr: AmountExpr) -> str:
    """An amount formula as the benefit it describes: 研发费用的 10%，最高 200 万元."""
    return _capital(_amount(w, expr.tree, money_context=True))


def _number(node: AmountNode) -> Fraction | None:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


def _amount(w: Words, node: AmountNode, money_context: bool) -> str:
    """One node of the formula in words; a bare number is money where the result is money."""
    number = _number(node)
    if number is not None:
        return money(w, _dec(number)) if money_context else _plain(_dec(number))
    if isinstance(node, Ref):
        return w.field(node.name)
    if isinstance(node, Call):
        return _call(w, node, money_context)
    if isinstance(node, Neg):
        return w.t("explain.amount.neg", x=_amount(w, node.operand, money_context))
    assert isinstance(node, BinOp)
    if node.op == "*":
        share = _share(w, node.left, node.right) or _share(w, node.right, node.left)
        if share is not None:
            return share
    left = _operand(w, node.left, node.op, money_context and node.op in "+-")
    right = _operand(w, node.right, node.op, money_context and node.op in "+-")
    symbol = {"+": "+", "-": "−", "*": "×", "/": "÷"}[node.op]
    return f"{left} {symbol} {right}"


def _operand(w: Words, node: AmountNode, op: str, money_context: bool) -> str:
    text = _amount(w, node, money_context)
    if isinstance(node, BinOp) and op in "*/" and node.op in "+-":
        return f"({text})"
    return text


def _share(w: Words, part: AmountNode, rate: AmountNode) -> str | None:
    """`money field × 0.1` → 研发费用的 10%; `rd_staff × 3000` → 研发人员每人 3,000 元."""
    k = _number(rate)
    if k is None:
        return None
    if isinstance(part, Ref) and FIELDS[part.name].kind in ("money", "usd") and 0 < k < 1:
        pct = _plain(_dec(k) * 100)
        return w.t("explain.amount.share", field=w.field(part.name), pct=pct)
    if isinstance(part, Ref) and part.name in PER_UNIT:
        unit = w.t(f"explain.unit.{PER_UNIT[part.name]}")
        each = money(w, _dec(k))
        return w.t("explain.amount.per", field=w.field(part.name), unit=unit, money=each)
    inner = _amount(w, part, money_context=False)
    if isinstance(part, BinOp) and 0 < k < 1:  # a formula's percentage: (…) 的 2%
        pct = _plain(_dec(k) * 100)
        return w.t("explain.amount.share", field=f"({inner})" if part.op in "+-" else inner,
                   pct=pct)  # fmt: skip
    return None


def _call(w: Words, node: Call, money_context: bool) -> str:
    """min(x, cap) → x，最高 cap; max(x, floor) → x，最低 floor; else the lesser / greater of."""
    numbers = [a for a in node.args if _number(a) is not None]
    others = [a for a in node.args if _number(a) is None]
    if len(numbers) == 1 and len(others) == 1:
        key = "explain.amount.at_most" if node.func == "min" else "explain.amount.at_least"
        bound = money(w, _dec(_number(numbers[0]) or Fraction(0))) if money_context else (
            _plain(_dec(_number(numbers[0]) or Fraction(0))))  # fmt: skip
        return w.t(key, x=_amount(w, others[0], money_context), bound=bound)
    parts = [_amount(w, a, money_context) for a in node.args]
    key = "explain.amount.lesser" if node.func == "min" else "explain.amount.greater"
    return w.t(key, items=w.t("sep.enum").join(parts))
