"""Lifecycle stages: the rules (YAML, first match wins) and the lifecycle_stage field."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from highland.enterprises.portrait.facts import (
    DEFAULT_LIFECYCLE_PATH,
    LIFECYCLE_FIELDS,
    LIFECYCLE_STAGES,
    Derived,
    Joined,
    Phrase,
)
from highland.enterprises.portrait.numbers import input_label

# --------------------------------------------------------------------------- lifecycle rules

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_OP_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
_FIGURE_BASED = frozenset({"rd_intensity", "revenue_growth", "revenue_cagr_3y"})


class LifecycleRulesError(ValueError):
    """Lifecycle rules that cannot be used: bad YAML, unknown stage or field, bad op or value."""


@dataclass(frozen=True)
class LifecycleRule:
    """'stage if field op value', or 'otherwise stage' when otherwise is True."""

    stage: str
    field: str | None = None
    op: str | None = None
    value: Decimal | None = None
    otherwise: bool = False

    def describe(self) -> str:
        """The rule in words, e.g. 'growth if revenue_cagr_3y ≥ 0.2'."""
        if self.otherwise:
            return f"otherwise {self.stage}"
        return f"{self.stage} if {self.field} {_OP_SYMBOLS[self.op or '']} {self.value}"

    def phrase(self) -> Phrase:
        """The rule in catalogue words, for pages in the reader's language."""
        stage = Phrase(f"stage.{self.stage}")
        if self.otherwise:
            return Phrase("portrait.lifecycle.otherwise", {"stage": stage})
        return Phrase(
            "portrait.lifecycle.rule",
            {
                "stage": stage,
                "field": input_label(self.field or ""),
                "op": _OP_SYMBOLS[self.op or ""],
                "value": self.value,
            },
        )


@dataclass(frozen=True)
class LifecycleRules:
    """Ordered lifecycle rules; the first rule that matches decides the stage."""

    rules: tuple[LifecycleRule, ...]
    source: str = "<mapping>"


def load_lifecycle_rules(path: Path | None = None) -> LifecycleRules:
    """Load and validate lifecycle rules from YAML; the packaged defaults when path is None."""
    source = path if path is not None else DEFAULT_LIFECYCLE_PATH
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LifecycleRulesError(f"{source}: not valid YAML ({exc})") from exc
    return lifecycle_rules_from_mapping(data, str(source))


def lifecycle_rules_from_mapping(data: object, source: str = "<mapping>") -> LifecycleRules:
    """Validate already-parsed rules ({'rules': [...]}) and build LifecycleRules."""
    if not isinstance(data, Mapping) or set(data) != {"rules"}:
        raise LifecycleRulesError(f"{source}: expected a mapping with the single key 'rules'")
    raw = data["rules"]
    if not isinstance(raw, list) or not raw:
        raise LifecycleRulesError(f"{source}: 'rules' must be a non-empty list")
    rules = tuple(_parse_rule(item, f"{source}: rule {i}") for i, item in enumerate(raw, 1))
    if any(rule.otherwise for rule in rules[:-1]):
        raise LifecycleRulesError(f"{source}: only the last rule may be an 'otherwise' rule")
    return LifecycleRules(rules, source)


def _parse_rule(item: object, where: str) -> LifecycleRule:
    """One validated rule; `where` prefixes every error message."""
    if not isinstance(item, Mapping):
        raise LifecycleRulesError(f"{where}: expected a mapping, got {item!r}")
    stage = item.get("stage")
    if stage not in LIFECYCLE_STAGES:
        raise LifecycleRulesError(
            f"{where}: unknown stage {stage!r}; expected one of {', '.join(LIFECYCLE_STAGES)}"
        )
    expected = {"stage", "otherwise"} if "otherwise" in item else {"stage", "field", "op", "value"}
    if set(item) != expected:
        raise LifecycleRulesError(
            f"{where}: keys must be exactly {', '.join(sorted(expected))}; got "
            f"{', '.join(sorted(map(str, item)))}"
        )
    if "otherwise" in item:
        if item["otherwise"] is not True:
            raise LifecycleRulesError(f"{where}: 'otherwise' must be true")
        return LifecycleRule(stage, otherwise=True)
    return LifecycleRule(stage, *_parse_condition(item, where))


def _parse_condition(item: Mapping[Any, Any], where: str) -> tuple[str, str, Decimal]:
    field_name, op, value = item["field"], item["op"], item["value"]
    if field_name not in LIFECYCLE_FIELDS:
        raise LifecycleRulesError(
            f"{where}: unknown field {field_name!r}; expected one of {', '.join(LIFECYCLE_FIELDS)}"
        )
    if op not in _OPS:
        raise LifecycleRulesError(
            f"{where}: bad op {op!r}; expected one of {', '.join(_OPS)} (quote it in YAML)"
        )
    # bool is an int in Python, but 'value: true' is surely a mistake.
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric or not math.isfinite(value):
        raise LifecycleRulesError(f"{where}: value must be a finite number, got {value!r}")
    # Through str so that 0.2 becomes Decimal('0.2'), not the binary float's expansion.
    return field_name, op, Decimal(str(value))


@functools.lru_cache(maxsize=1)
def default_lifecycle_rules() -> LifecycleRules:
    return load_lifecycle_rules()


def lifecycle_field(
    derived: Mapping[str, Derived], rules: LifecycleRules, year: int | None
) -> Derived:
    """Apply the rules in order; a missing field before any match makes the stage missing."""
    consulted: dict[str, object | None] = {}
    reasons: list[tuple[str, Phrase]] = []  # (English, catalogue words)
    for rule in rules.rules:
        if rule.otherwise:
            last = ("no earlier rule matched", Phrase("portrait.lifecycle.no_earlier"))
            return _stage(rules, rule.stage, consulted, year, [*reasons, last])
        name, op = rule.field or "", rule.op or ""
        value = consulted[name] = derived[name].value
        if value is None:
            gone = Phrase("portrait.lifecycle.field_missing", {"field": input_label(name)})
            return _stage(rules, None, consulted, year, [(f"{name} is missing", gone)], [name])
        shown = f"{name} {value} {_OP_SYMBOLS[op]} {rule.value}"
        compared = Phrase(
            "portrait.lifecycle.compare",
            {
                "field": input_label(name),
                "value": value,
                "op": _OP_SYMBOLS[op],
                "bound": rule.value,
            },
        )
        if _OPS[op](value, rule.value):
            return _stage(rules, rule.stage, consulted, year, [*reasons, (shown, compared)])
        reasons.append((f"not {shown}", Phrase("portrait.lifecycle.not", {"comparison": compared})))
    no_rule = ("no rule matched", Phrase("portrait.lifecycle.no_rule"))
    return _stage(rules, None, consulted, year, [no_rule, *reasons])


def _stage(
    rules: LifecycleRules,
    stage: str | None,
    consulted: dict[str, object | None],
    year: int | None,
    why: list[tuple[str, Phrase]],
    missing: Sequence[str] = (),
) -> Derived:
    """The lifecycle Derived; inputs gain figures_year when a consulted field came from figures."""
    spec = "; ".join(rule.describe() for rule in rules.rules)
    rule_text = (
        f"first matching rule wins: {spec}; a missing field makes the stage missing unless an "
        f"earlier rule matched; result {stage or 'missing'} because "
        f"{'; '.join(text for text, _ in why)}"
    )
    words = (
        Phrase(
            "portrait.rule.lifecycle_stage",
            {"rules": Joined("sep.list", tuple(rule.phrase() for rule in rules.rules))},
        ),
        Phrase(
            "portrait.lifecycle.result",
            {
                "stage": Phrase(f"stage.{stage}" if stage else "missing"),
                "why": Joined("sep.list", tuple(phrase for _, phrase in why)),
            },
        ),
    )
    inputs = dict(consulted)
    if _FIGURE_BASED.intersection(consulted):
        inputs = {"figures_year": year, **consulted}
    key = f"lifecycle_stage.{stage or 'undecided'}"
    return Derived("lifecycle_stage", stage, inputs, rule_text, key, list(missing), words)
