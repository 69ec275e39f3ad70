"""One YAML document as a policy, a package or test cases: keys, texts, dates, choices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from highland.platform.kit.yaml_lines import LineDict, LineList
from highland.policies.rules.amount import AmountSyntaxError, parse_amount
from highland.policies.rules.fields import LIFECYCLE_STAGES
from highland.policies.rules.loader.criteria import read_node
from highland.policies.rules.loader.library import (
    BENEFIT_KEYS,
    ID_RE,
    PACKAGE_KEYS,
    POLICY_KEYS,
    Doc,
    Library,
    TestDoc,
    as_date,
    unknown_keys,
)
from highland.policies.rules.model import (
    BENEFIT_TYPES,
    LEVELS,
    ROUNDINGS,
    Benefit,
    Node,
    Not,
    Package,
    Policy,
    Predicate,
)


def _text(data: LineDict, key: str, doc: Doc, required: bool = True) -> str | None:
    if key not in data or data[key] is None:
        if required:
            doc.error(data.line, f"missing {key!r}", code="missing", key=key)
        return None
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        doc.error(data.lines[key], f"{key!r} must be text", code="not_text", key=key)
        return None
    text = str(value).strip()
    if required and not text:
        doc.error(data.lines[key], f"{key!r} is empty", code="empty", key=key)
    return text or None


def _date(data: LineDict, key: str, doc: Doc, required: bool = True) -> date | None:
    if key not in data or data[key] is None:
        if required:
            doc.error(data.line, f"missing {key!r} (a date such as 2025-01-01)",
                      code="missing_date", key=key)  # fmt: skip
        return None
    return as_date(data[key], data.lines[key], key, doc)


def _identifier(data: LineDict, doc: Doc) -> str | None:
    ident = _text(data, "id", doc)
    if ident is not None and not ID_RE.match(ident):
        doc.error(data.lines["id"], f"id {ident!r} must be 2–64 lowercase letters, digits or "
                  "'-', starting with a letter or digit", code="bad_id", id=ident)  # fmt: skip
        return None
    return ident


def _choice(data: LineDict, key: str, allowed: Sequence[str], doc: Doc, default: str | None
            ) -> str | None:  # fmt: skip
    if key not in data:
        if default is None:
            doc.error(data.line, f"missing {key!r} (one of {', '.join(allowed)})",
                      code="missing_choice", key=key, choices=", ".join(allowed))  # fmt: skip
        return default
    value = data[key]
    if value not in allowed:
        doc.error(data.lines[key], f"{key} {value!r} is not one of {', '.join(allowed)}",
                  code="not_choice", key=key, value=str(value)[:80],
                  choices=", ".join(allowed))  # fmt: skip
        return default
    return str(value)


def read_policy(data: LineDict, doc: Doc) -> Policy | None:
    unknown_keys(data, POLICY_KEYS, "a policy", doc)
    ident = _identifier(data, doc)
    title = _text(data, "title", doc)
    issuer = _text(data, "issuer", doc)
    # 主管部门/执行单位: optional (files written before it load unchanged), never blank when given.
    authority = _text(data, "authority", doc, required="authority" in data)
    level = _choice(data, "level", LEVELS, doc, None)
    effective = _date(data, "effective", doc)
    expires = _date(data, "expires", doc, required=False)
    if effective and expires and expires < effective:
        doc.error(data.lines["expires"], f"expires {expires} is before effective {effective}",
                  code="expires_early", expires=expires.isoformat(),
                  effective=effective.isoformat())  # fmt: skip
    stages = _string_list(data, "stages", doc, LIFECYCLE_STAGES)
    excludes = _string_list(data, "excludes", doc, None)
    if ident and ident in excludes:
        doc.error(data.lines["excludes"], "a policy cannot exclude itself", code="excludes_self")
    no_application = data.get("no_application", False)
    if not isinstance(no_application, bool):
        doc.error(data.lines["no_application"], "no_application must be true or false",
                  code="no_application")  # fmt: skip
    benefit = _benefit(data, doc)
    counter = [0]
    eligibility = None
    if "eligibility" not in data:
        doc.error(data.line, "missing 'eligibility'", code="missing", key="eligibility")
    else:
        eligibility = read_node(data["eligibility"], data.lines["eligibility"], doc, counter,
                            effective)  # fmt: skip
    if doc.failed or None in (ident, title, issuer, level, effective, benefit, eligibility):
        return None
    assert ident and title and issuer and level and effective and benefit and eligibility
    policy = Policy(
        id=ident, title=title, issuer=issuer, authority=authority, level=level,
        effective=effective, benefit=benefit, eligibility=eligibility,
        title_en=_text(data, "title_en", doc, False),
        document=_text(data, "document", doc, False), article=_text(data, "article", doc, False),
        expires=expires, package=_text(data, "package", doc, False), stages=tuple(stages),
        no_application=bool(no_application), excludes=tuple(excludes),
    )  # fmt: skip
    return replace(policy, criteria=tuple(_predicates(eligibility)))


def _predicates(node: Node) -> Iterable[Predicate]:
    if isinstance(node, Predicate):
        yield node
    elif isinstance(node, Not):
        yield from _predicates(node.child)
    else:
        for child in node.children:
            yield from _predicates(child)


def _string_list(data: LineDict, key: str, doc: Doc, allowed: Sequence[str] | None
                 ) -> list[str]:  # fmt: skip
    if key not in data or data[key] is None:
        return []
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        doc.error(data.lines[key], f"{key} must be a list of names, e.g. [a, b]",
                  code="name_list", key=key)  # fmt: skip
        return []
    for v in value:
        if allowed is not None and v not in allowed:
            doc.error(data.lines[key], f"{key}: {v!r} is not one of {', '.join(allowed)}",
                      code="not_choice", key=key, value=v[:80],
                      choices=", ".join(allowed))  # fmt: skip
    return list(value)


def _benefit(data: LineDict, doc: Doc) -> Benefit | None:
    raw = data.get("benefit")
    line = data.lines.get("benefit", data.line)
    if not isinstance(raw, LineDict):
        doc.error(line, "benefit must be a mapping with type, and optionally amount and rounding",
                  code="benefit_mapping")  # fmt: skip
        return None
    unknown_keys(raw, BENEFIT_KEYS, "benefit", doc)
    kind = _choice(raw, "type", BENEFIT_TYPES, doc, None)
    rounding = _choice(raw, "rounding", ROUNDINGS, doc, "fen") or "fen"
    amount = None
    if raw.get("amount") is not None:
        text = raw["amount"]
        if isinstance(text, bool) or not isinstance(text, (str, int, Decimal)):
            doc.error(raw.lines["amount"], "benefit.amount must be an expression in quotes",
                      code="amount_quotes")  # fmt: skip
        else:
            try:
                amount = parse_amount(str(text))
            except AmountSyntaxError as exc:
                doc.error(raw.lines["amount"], f"benefit.amount: {exc}", exc)
    note = _text(raw, "note", doc, False)
    return Benefit(kind, amount, rounding, note) if kind else None


def read_package(data: LineDict, doc: Doc) -> Package | None:
    unknown_keys(data, PACKAGE_KEYS, "a package", doc)
    ident = _identifier(data, doc)
    title = _text(data, "title", doc)
    cap = data.get("cap")
    cap_fen = None
    if cap is not None:
        if isinstance(cap, bool) or not isinstance(cap, (int, Decimal)) or cap <= 0:
            doc.error(data.lines["cap"], "cap must be a positive amount in yuan", code="cap")
        elif (cap * 100) != int(cap * 100):
            doc.error(data.lines["cap"], "cap must be a whole number of fen", code="cap_fen")
        else:
            cap_fen = int(cap * 100)
    if ident is None or title is None or doc.failed:
        return None
    return Package(
        id=ident, title=title, title_en=_text(data, "title_en", doc, False),
        issuer=_text(data, "issuer", doc, False), document=_text(data, "document", doc, False),
        cap_fen=cap_fen,
    )  # fmt: skip


def read_tests(data: LineDict, doc: Doc, lib: Library) -> None:
    as_of = _date(data, "as_of", doc, required=False)
    cases = data.get("cases")
    if not isinstance(cases, LineList) or not cases:
        doc.error(data.lines.get("cases", data.line), "tests need a non-empty list of cases",
                  code="no_cases")  # fmt: skip
        return
    lines = [ln + doc.offset - 1 for ln in cases.lines]
    if not doc.failed:
        lib.tests.append(TestDoc(doc.path, data.line + doc.offset - 1, as_of, list(cases), lines))
