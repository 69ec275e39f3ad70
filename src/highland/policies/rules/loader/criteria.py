"""A policy's eligibility tree: all/any/not nodes and predicates, with dated values."""

from __future__ import annotations

from datetime import date

from highland.platform.kit.yaml_lines import LineDict, LineList
from highland.policies.rules.fields import FIELDS
from highland.policies.rules.loader.library import PREDICATE_KEYS, Doc, as_date, unknown_keys
from highland.policies.rules.loader.values import check_value
from highland.policies.rules.model import (
    OPERATORS,
    AllOf,
    AnyOf,
    Node,
    Not,
    Predicate,
    Value,
)

# --------------------------------------------------------------------------- eligibility


def read_node(raw: object, line: int, doc: Doc, counter: list[int], effective: date | None
          ) -> Node | None:  # fmt: skip
    if not isinstance(raw, LineDict):
        doc.error(line, "a criterion must be a mapping: {field, op, value} or all/any/not",
                  code="criterion_mapping")  # fmt: skip
        return None
    combinators = [k for k in ("all", "any", "not") if k in raw]
    if combinators:
        if len(raw) != 1:
            doc.error(raw.line, f"{combinators[0]!r} must stand alone in its mapping; found "
                      f"{', '.join(map(str, raw))}", code="combinator_alone", key=combinators[0],
                      found=", ".join(map(str, raw)))  # fmt: skip
            return None
        key = combinators[0]
        if key == "not":
            child = read_node(raw["not"], raw.lines["not"], doc, counter, effective)
            return Not(child) if child is not None else None
        items = raw[key]
        if not isinstance(items, LineList) or not items:
            doc.error(raw.lines[key], f"{key!r} needs a non-empty list of criteria",
                      code="combinator_list", key=key)  # fmt: skip
            return None
        children = [
            read_node(item, item_line, doc, counter, effective)
            for item, item_line in zip(items, items.lines, strict=True)
        ]
        if any(c is None for c in children):
            return None
        group = AllOf if key == "all" else AnyOf
        return group(tuple(c for c in children if c is not None))
    return _predicate(raw, doc, counter, effective)


def _predicate(raw: LineDict, doc: Doc, counter: list[int], effective: date | None
               ) -> Predicate | None:  # fmt: skip
    unknown_keys(raw, PREDICATE_KEYS, "a criterion", doc)
    name, op = raw.get("field"), raw.get("op")
    if name not in FIELDS:
        if "field" in raw:
            doc.error(raw.lines["field"], f"unknown field {name!r}", code="unknown_field",
                      field=str(name))  # fmt: skip
        else:
            doc.error(raw.line, "criterion without 'field'", code="no_field")
        return None
    if op not in OPERATORS:
        known = " ".join(OPERATORS)
        message = (
            f"unknown operator {op!r}; use one of {known}"
            if "op" in raw
            else ("criterion without 'op'")
        )
        if "op" in raw:
            doc.error(raw.lines["op"], message, code="unknown_op", op=str(op), known=known)
        else:
            doc.error(raw.line, message, code="no_op")
        return None
    if "value" not in raw:
        doc.error(raw.line, f"{name} {op}: missing 'value'", code="no_value", field=name, op=op)
        return None
    values = _dated_values(raw, str(name), str(op), doc, effective)
    cite = raw.get("cite")
    if values is None:
        return None
    counter[0] += 1
    return Predicate(str(name), str(op), values, str(cite) if cite is not None else None,
                     raw.line + doc.offset - 1, counter[0] - 1)  # fmt: skip


def _dated_values(raw: LineDict, name: str, op: str, doc: Doc, effective: date | None
                  ) -> tuple[tuple[date, Value], ...] | None:  # fmt: skip
    value, line = raw["value"], raw.lines["value"]
    if not isinstance(value, LineDict):
        try:
            return ((date.min, check_value(name, op, value)),)
        except ValueError as exc:
            doc.error(line, str(exc), exc)
            return None
    pairs: list[tuple[date, Value]] = []
    for key, item in value.items():
        since = as_date(key, value.lines[key], f"{name}: dated value key", doc)
        try:
            checked = check_value(name, op, item)
        except ValueError as exc:
            doc.error(value.lines[key], str(exc), exc)
            continue
        if since is not None:
            pairs.append((since, checked))
    if doc.failed or not pairs:
        if not pairs and not doc.failed:
            doc.error(line, f"{name}: a dated value needs at least one date: value",
                      code="dated_empty", field=name)  # fmt: skip
        return None
    pairs.sort()
    if effective and pairs[0][0] > effective:
        doc.error(line, f"{name}: the first dated value starts {pairs[0][0]}, after the policy's "
                  f"effective date {effective}", code="dated_late", field=name,
                  first=pairs[0][0].isoformat(), effective=effective.isoformat())  # fmt: skip
        return None
    return tuple(pairs)
