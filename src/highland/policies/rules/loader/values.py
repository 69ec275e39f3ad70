"""A criterion's value checked and normalised for its field and operator; portraits written in
human units (test cases, what-if) turned into the integer representation."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader.library import MAX_BOUND
from highland.policies.rules.model import Value
from highland.policies.rules.problems import RuleProblem


def check_value(name: str, op: str, value: object) -> Value:
    """The value normalised for the field and operator; ValueError says what is wrong."""
    spec = FIELDS[name]
    if op == "exists":
        if not isinstance(value, bool):
            raise RuleProblem(
                f"{name} exists: value must be true or false", "value.exists_bool", field=name
            )
        return value
    if spec.kind == "set":
        return _set_value(name, op, value, spec.choices)
    if op == "contains":
        raise RuleProblem(
            f"{name}: 'contains' applies to set fields only (qualifications, chains, segments)",
            "value.contains_set",
            field=name,
        )
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise RuleProblem(
                f"{name} {op}: value must be a non-empty list, e.g. [a, b]",
                "value.list",
                field=name,
                op=op,
            )
        return tuple(_scalar(name, op, v) for v in value)  # type: ignore[misc]
    if op == "between":
        if not spec.numeric:
            raise RuleProblem(
                f"{name} between: needs a number field; {name} is a {spec.kind}",
                "value.needs_number",
                field=name,
                op=op,
                kind=spec.kind,
            )
        if not isinstance(value, list) or len(value) != 2:
            raise RuleProblem(
                f"{name} between: value must be [low, high]", "value.between_pair", field=name
            )
        low, high = (_scalar(name, op, v) for v in value)
        if low > high:  # type: ignore[operator]
            raise RuleProblem(
                f"{name} between: low {low} is above high {high}",
                "value.between_order",
                field=name,
                low=str(low),
                high=str(high),
            )
        return (low, high)  # type: ignore[return-value]
    if op in ("<", "<=", ">", ">=") and not spec.numeric:
        raise RuleProblem(
            f"{name} {op}: '{op}' needs a number field; {name} is a {spec.kind}",
            "value.needs_number",
            field=name,
            op=op,
            kind=spec.kind,
        )
    return _scalar(name, op, value)


def _scalar(name: str, op: str, value: object) -> Value:
    """One value checked against the field's type (ValueError says what is wrong)."""
    spec = FIELDS[name]
    if spec.numeric:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise RuleProblem(
                f'{name} {op}: {value!r} is not a number (write 0.04, not "0.04")',
                "value.not_number",
                field=name,
                op=op,
                value=str(value)[:80],
            )
        number = Decimal(value)
        if abs(number * spec.scale) >= MAX_BOUND:
            raise RuleProblem(
                f"{name} {op}: {value} is too large",
                "value.too_large",
                field=name,
                op=op,
                value=str(value)[:80],
            )
        return number
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise RuleProblem(
                f"{name} {op}: value must be true or false, not {value!r}",
                "value.not_bool",
                field=name,
                op=op,
                value=str(value)[:80],
            )
        return value
    if not isinstance(value, str):
        unquoted = isinstance(value, (int, Decimal))
        hint = f' (quote codes: "{value}")' if unquoted else ""
        raise RuleProblem(
            f"{name} {op}: value must be a text code{hint}",
            "value.quote_code" if unquoted else "value.not_code",
            field=name,
            op=op,
            value=str(value)[:80],
        )
    _check_code(name, op, value)
    return value


def _check_code(name: str, op: str, value: str) -> None:
    spec = FIELDS[name]
    if spec.choices and value not in spec.choices:
        raise RuleProblem(
            f"{name} {op}: {value!r} is not one of {', '.join(spec.choices)}",
            "value.not_choice",
            field=name,
            op=op,
            value=value[:80],
            choices=", ".join(spec.choices),
        )
    pattern = {
        "industry_section": r"[A-T]", "industry_division": r"\d{2}", "industry": r"\d{2,4}",
        "country": r"[A-Z]{2}", "district": r"[0-9A-Za-z_-]{2,20}",
        "zone": r"[0-9A-Za-z_-]{2,20}", "growth_category": r"[a-z0-9-]{1,40}",
    }.get(name)  # fmt: skip
    if pattern and not re.fullmatch(pattern, value):
        raise RuleProblem(
            f"{name} {op}: {value!r} is not a valid {spec.label_en} code",
            "value.bad_code",
            field=name,
            op=op,
            value=value[:80],
        )


def _set_value(name: str, op: str, value: object, choices: Sequence[str]) -> Value:
    if op not in ("contains", "in", "not_in"):
        raise RuleProblem(
            f"{name} {op}: a set field takes contains, in, not_in or exists",
            "value.set_op",
            field=name,
            op=op,
        )
    items = [value] if isinstance(value, str) and op == "contains" else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise RuleProblem(
            f"{name} {op}: value must be a code or a non-empty list of codes",
            "value.set_codes",
            field=name,
            op=op,
        )
    for v in items:
        if choices and v not in choices:
            raise RuleProblem(
                f"{name} {op}: {v!r} is not one of {', '.join(choices)}",
                "value.not_choice",
                field=name,
                op=op,
                value=v[:80],
                choices=", ".join(choices),
            )
    return value if isinstance(value, str) else tuple(items)


def portrait_from_human(values: Mapping[str, object]) -> dict[str, object]:
    """A portrait written in human units (yuan, fractions) in the integer representation.

    Used by YAML test cases and the what-if form; raises ValueError naming the field.
    """
    out: dict[str, object] = dict.fromkeys(FIELDS)
    for name, value in values.items():
        if name not in FIELDS:
            raise RuleProblem(f"unknown field {name!r}", "portrait.unknown_field", field=name)
        spec = FIELDS[name]
        if value is None:
            out[name] = None
        elif spec.numeric:
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                raise RuleProblem(
                    f"{name}: {value!r} is not a number",
                    "portrait.not_number",
                    field=name,
                    value=str(value)[:80],
                )
            scaled = Decimal(value) * spec.scale
            if scaled != scaled.to_integral_value():
                raise RuleProblem(
                    f"{name}: {value} has more decimals than the field keeps",
                    "portrait.decimals",
                    field=name,
                    value=str(value)[:80],
                )
            out[name] = int(scaled)
        elif spec.kind == "set":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RuleProblem(f"{name}: must be a list of codes", "portrait.codes", field=name)
            out[name] = sorted(value)
        elif spec.kind == "bool":
            if not isinstance(value, bool):
                raise RuleProblem(f"{name}: must be true or false", "portrait.bool", field=name)
            out[name] = value
        else:
            if not isinstance(value, str):
                raise RuleProblem(
                    f"{name}: must be a text code (quote it)", "portrait.code", field=name
                )
            out[name] = value
    return out
