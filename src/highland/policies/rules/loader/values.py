"""A criterion's value checked and normalised for its field and operator; portraits written in
human units (test cases, what-if) turned into the integer representation."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader.library import MAX_BOUND
from highland.policies.rules.model import (
    Value,
)


def check_value(name: str, op: str, value: object) -> Value:
    """The value normalised for the field and operator; ValueError says what is wrong."""
    spec = FIELDS[name]
    if op == "exists":
        if not isinstance(value, bool):
            raise ValueError(f"{name} exists: value must be true or false")
        return value
    if spec.kind == "set":
        return _set_value(name, op, value, spec.choices)
    if op == "contains":
        raise ValueError(
            f"{name}: 'contains' applies to set fields only (qualifications, chains, segments)"
        )
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{name} {op}: value must be a non-empty list, e.g. [a, b]")
        return tuple(_scalar(name, op, v) for v in value)  # type: ignore[misc]
    if op == "between":
        if not spec.numeric:
            raise ValueError(f"{name} between: needs a number field; {name} is a {spec.kind}")
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(f"{name} between: value must be [low, high]")
        low, high = (_scalar(name, op, v) for v in value)
        if low > high:  # type: ignore[operator]
            raise ValueError(f"{name} between: low {low} is above high {high}")
        return (low, high)  # type: ignore[return-value]
    if op in ("<", "<=", ">", ">=") and not spec.numeric:
        raise ValueError(f"{name} {op}: '{op}' needs a number field; {name} is a {spec.kind}")
    return _scalar(name, op, value)


def _scalar(name: str, op: str, value: object) -> Value:
    """One value checked against the field's type (ValueError says what is wrong)."""
    spec = FIELDS[name]
    if spec.numeric:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise ValueError(f'{name} {op}: {value!r} is not a number (write 0.04, not "0.04")')
        number = Decimal(value)
        if abs(number * spec.scale) >= MAX_BOUND:
            raise ValueError(f"{name} {op}: {value} is too large")
        return number
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{name} {op}: value must be true or false, not {value!r}")
        return value
    if not isinstance(value, str):
        hint = f' (quote codes: "{value}")' if isinstance(value, (int, Decimal)) else ""
        raise ValueError(f"{name} {op}: value must be a text code{hint}")
    problem = _code_problem(name, value)
    if problem:
        raise ValueError(f"{name} {op}: {problem}")
    return value


def _code_problem(name: str, value: str) -> str | None:
    spec = FIELDS[name]
    if spec.choices and value not in spec.choices:
        return f"{value!r} is not one of {', '.join(spec.choices)}"
    pattern = {
        "industry_section": r"[A-T]", "industry_division": r"\d{2}", "industry": r"\d{2,4}",
        "country": r"[A-Z]{2}", "district": r"[0-9A-Za-z_-]{2,20}",
    }.get(name)  # fmt: skip
    if pattern and not re.fullmatch(pattern, value):
        return f"{value!r} is not a valid {spec.label_en} code"
    return None


def _set_value(name: str, op: str, value: object, choices: Sequence[str]) -> Value:
    if op not in ("contains", "in", "not_in"):
        raise ValueError(f"{name} {op}: a set field takes contains, in, not_in or exists")
    items = [value] if isinstance(value, str) and op == "contains" else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise ValueError(f"{name} {op}: value must be a code or a non-empty list of codes")
    for v in items:
        if choices and v not in choices:
            raise ValueError(f"{name} {op}: {v!r} is not one of {', '.join(choices)}")
    return value if isinstance(value, str) else tuple(items)


def portrait_from_human(values: Mapping[str, object]) -> dict[str, object]:
    """A portrait written in human units (yuan, fractions) in the integer representation.

    Used by YAML test cases and the what-if form; raises ValueError naming the field.
    """
    out: dict[str, object] = dict.fromkeys(FIELDS)
    for name, value in values.items():
        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}")
        spec = FIELDS[name]
        if value is None:
            out[name] = None
        elif spec.numeric:
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                raise ValueError(f"{name}: {value!r} is not a number")
            scaled = Decimal(value) * spec.scale
            if scaled != scaled.to_integral_value():
                raise ValueError(f"{name}: {value} has more decimals than the field keeps")
            out[name] = int(scaled)
        elif spec.kind == "set":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{name}: must be a list of codes")
            out[name] = sorted(value)
        elif spec.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name}: must be true or false")
            out[name] = value
        else:
            if not isinstance(value, str):
                raise ValueError(f"{name}: must be a text code (quote it)")
            out[name] = value
    return out
