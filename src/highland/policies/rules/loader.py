"""Read policy YAML into validated policies, packages and test documents, with every error.

Every problem is reported with its file and line, and reading goes on after an error so that
a whole folder can be fixed in one pass. Numbers are read as Decimal straight from the text
(never through float) and codes must be strings, so that `0.1` means exactly one tenth and
`320115` cannot silently be compared as a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from highland.platform.kit.yaml_lines import LineDict, LineList, line_loader
from highland.policies.rules.amount import AmountSyntaxError, parse_amount
from highland.policies.rules.fields import FIELDS, LIFECYCLE_STAGES
from highland.policies.rules.model import (
    BENEFIT_TYPES,
    LEVELS,
    OPERATORS,
    ROUNDINGS,
    AllOf,
    AnyOf,
    Benefit,
    Node,
    Not,
    Package,
    Policy,
    Predicate,
    Value,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_BOUND = 2**62  # integer representation of a threshold must stay far inside Int64
_DOC_SPLIT = re.compile(r"^(---|\.\.\.)(\s.*)?$")
_POLICY_KEYS = {
    "kind", "id", "title", "title_en", "issuer", "level", "document", "article", "effective",
    "expires", "package", "stages", "no_application", "benefit", "eligibility", "excludes",
    "note",
}  # fmt: skip
_PACKAGE_KEYS = {"kind", "id", "title", "title_en", "issuer", "document", "cap", "note"}
_BENEFIT_KEYS = {"type", "amount", "rounding", "note"}
_PREDICATE_KEYS = {"field", "op", "value", "cite"}


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule file: where, and what is wrong."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class TestDoc:
    """A document of policy test cases (`kind: tests`)."""

    path: str
    line: int
    as_of: date | None
    cases: list[dict[str, Any]]
    lines: list[int]


@dataclass
class Library:
    """Everything read from a set of rule files, and the errors found."""

    policies: dict[str, Policy] = field(default_factory=dict)
    packages: dict[str, Package] = field(default_factory=dict)
    tests: list[TestDoc] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no errors were found."""
        return not self.errors


# --------------------------------------------------------------------------- YAML with lines


_Loader = line_loader("duplicate key {key!r}")  # LineDict / LineList with their lines


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise yaml.MarkedYAMLError(
            problem=f"{text!r} is not a finite number", problem_mark=node.start_mark
        )
    return value


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        # Kept as text: the reader then says "not a date" at the key's line and goes on, so
        # the document's other errors are reported in the same pass.
        return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


def split_documents(text: str) -> list[tuple[int, str]]:
    """Split a YAML stream at `---` lines: (first line number, text) of each document."""
    docs: list[tuple[int, str]] = []
    start, current = 1, list[str]()
    for number, raw in enumerate(text.splitlines(), 1):
        if _DOC_SPLIT.match(raw):
            docs.append((start, "\n".join(current)))
            start, current = number + 1, []
        else:
            current.append(raw)
    docs.append((start, "\n".join(current)))
    return [(s, t) for s, t in docs if t.strip() and not _only_comments(t)]


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines())


# --------------------------------------------------------------------------- reading


class _Doc:
    """Collects the errors of one document while it is read."""

    def __init__(self, path: str, offset: int, errors: list[RuleError]):
        self.path, self.offset, self.errors = path, offset, errors
        self.failed = False

    def error(self, line: int, message: str) -> None:
        self.failed = True
        self.errors.append(RuleError(self.path, line + self.offset - 1, message))


def read_text(text: str, path: str, library: Library | None = None) -> Library:
    """Read one file's text into a library (or into `library`), collecting errors."""
    lib = library if library is not None else Library()
    for start, chunk in split_documents(text):
        doc = _Doc(path, start, lib.errors)
        try:
            data = yaml.load(chunk, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            doc.error((mark.line + 1) if mark else 1, f"YAML: {exc.problem or exc}")
            continue
        except (yaml.YAMLError, ValueError) as exc:
            doc.error(1, f"YAML: {exc}")
            continue
        if not isinstance(data, LineDict):
            doc.error(1, "a document must be a mapping (id: …, title: …)")
            continue
        _read_document(data, chunk, doc, lib)
    return lib


def _read_document(data: LineDict, chunk: str, doc: _Doc, lib: Library) -> None:
    kind = data.get("kind", "policy")
    if kind == "policy":
        policy = _policy(data, doc)
        if policy is not None and not doc.failed:
            _add(lib.policies, replace(policy, source=chunk.strip() + "\n"), doc, data, lib)
    elif kind == "package":
        package = _package(data, doc)
        if package is not None and not doc.failed:
            _add(lib.packages, replace(package, source=chunk.strip() + "\n"), doc, data, lib)
    elif kind == "tests":
        _tests(data, doc, lib)
    else:
        doc.error(data.lines.get("kind", data.line), f"unknown kind {kind!r}: use policy, "
                  "package or tests")  # fmt: skip


def _add(into: dict[str, Any], item: Any, doc: _Doc, data: LineDict, lib: Library) -> None:
    if item.id in into:
        first = into[item.id]
        doc.error(data.lines["id"], f"duplicate id {item.id!r} (first at {first.path}:"
                  f"{first.line})")  # fmt: skip
        return
    into[item.id] = replace(item, path=doc.path, line=data.line + doc.offset - 1)


def read_paths(paths: Iterable[Path], library: Library | None = None) -> Library:
    """Read YAML files and folders (recursively, *.yaml / *.yml), then check references."""
    lib = library if library is not None else Library()
    for path in paths:
        files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
        if path.is_dir() and not files:
            lib.errors.append(RuleError(str(path), 0, "no .yaml files in this folder"))
        if not path.exists():
            lib.errors.append(RuleError(str(path), 0, "no such file or folder"))
            continue
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                lib.errors.append(RuleError(str(file), 0, f"cannot read: {exc}"))
                continue
            read_text(text, str(file), lib)
    return lib


def check_references(
    lib: Library, known_policies: Iterable[str] = (), known_packages: Iterable[str] = ()
) -> None:
    """Report `excludes` and `package` naming nothing (in the library or already stored)."""
    policies = set(lib.policies) | set(known_policies)
    packages = set(lib.packages) | set(known_packages)
    for p in lib.policies.values():
        if p.package and p.package not in packages:
            lib.errors.append(RuleError(p.path, p.line, f"{p.id}: package {p.package!r} is not "
                                        "defined (add a `kind: package` document)"))  # fmt: skip
        for other in p.excludes:
            if other not in policies:
                lib.errors.append(
                    RuleError(p.path, p.line, f"{p.id}: excludes {other!r}, which names no policy")
                )
    lib.errors.sort(key=lambda e: (e.path, e.line))


def load_library(paths: Sequence[Path], known_policies: Iterable[str] = ()) -> Library:
    """Read files and folders and check cross-references in one go."""
    lib = read_paths(paths)
    check_references(lib, known_policies)
    return lib


# --------------------------------------------------------------------------- documents


def _unknown_keys(data: LineDict, allowed: set[str], what: str, doc: _Doc) -> None:
    for key in data:
        if key not in allowed:
            doc.error(data.lines[key], f"unknown key {key!r} in {what}")


def _text(data: LineDict, key: str, doc: _Doc, required: bool = True) -> str | None:
    if key not in data or data[key] is None:
        if required:
            doc.error(data.line, f"missing {key!r}")
        return None
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        doc.error(data.lines[key], f"{key!r} must be text")
        return None
    text = str(value).strip()
    if required and not text:
        doc.error(data.lines[key], f"{key!r} is empty")
    return text or None


def _date(data: LineDict, key: str, doc: _Doc, required: bool = True) -> date | None:
    if key not in data or data[key] is None:
        if required:
            doc.error(data.line, f"missing {key!r} (a date such as 2025-01-01)")
        return None
    return _as_date(data[key], data.lines[key], key, doc)


def _as_date(value: object, line: int, what: str, doc: _Doc) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    doc.error(line, f"{what}: {value!r} is not a date (write YYYY-MM-DD, e.g. 2025-01-01)")
    return None


def _identifier(data: LineDict, doc: _Doc) -> str | None:
    ident = _text(data, "id", doc)
    if ident is not None and not ID_RE.match(ident):
        doc.error(data.lines["id"], f"id {ident!r} must be 2–64 lowercase letters, digits or "
                  "'-', starting with a letter or digit")  # fmt: skip
        return None
    return ident


def _choice(data: LineDict, key: str, allowed: Sequence[str], doc: _Doc, default: str | None
            ) -> str | None:  # fmt: skip
    if key not in data:
        if default is None:
            doc.error(data.line, f"missing {key!r} (one of {', '.join(allowed)})")
        return default
    value = data[key]
    if value not in allowed:
        doc.error(data.lines[key], f"{key} {value!r} is not one of {', '.join(allowed)}")
        return default
    return str(value)


def _policy(data: LineDict, doc: _Doc) -> Policy | None:
    _unknown_keys(data, _POLICY_KEYS, "a policy", doc)
    ident = _identifier(data, doc)
    title = _text(data, "title", doc)
    issuer = _text(data, "issuer", doc)
    level = _choice(data, "level", LEVELS, doc, None)
    effective = _date(data, "effective", doc)
    expires = _date(data, "expires", doc, required=False)
    if effective and expires and expires < effective:
        doc.error(data.lines["expires"], f"expires {expires} is before effective {effective}")
    stages = _string_list(data, "stages", doc, LIFECYCLE_STAGES)
    excludes = _string_list(data, "excludes", doc, None)
    if ident and ident in excludes:
        doc.error(data.lines["excludes"], "a policy cannot exclude itself")
    no_application = data.get("no_application", False)
    if not isinstance(no_application, bool):
        doc.error(data.lines["no_application"], "no_application must be true or false")
    benefit = _benefit(data, doc)
    counter = [0]
    eligibility = None
    if "eligibility" not in data:
        doc.error(data.line, "missing 'eligibility'")
    else:
        eligibility = _node(data["eligibility"], data.lines["eligibility"], doc, counter,
                            effective)  # fmt: skip
    if doc.failed or None in (ident, title, issuer, level, effective, benefit, eligibility):
        return None
    assert ident and title and issuer and level and effective and benefit and eligibility
    policy = Policy(
        id=ident, title=title, issuer=issuer, level=level, effective=effective,
        benefit=benefit, eligibility=eligibility, title_en=_text(data, "title_en", doc, False),
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


def _string_list(data: LineDict, key: str, doc: _Doc, allowed: Sequence[str] | None
                 ) -> list[str]:  # fmt: skip
    if key not in data or data[key] is None:
        return []
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        doc.error(data.lines[key], f"{key} must be a list of names, e.g. [a, b]")
        return []
    for v in value:
        if allowed is not None and v not in allowed:
            doc.error(data.lines[key], f"{key}: {v!r} is not one of {', '.join(allowed)}")
    return list(value)


def _benefit(data: LineDict, doc: _Doc) -> Benefit | None:
    raw = data.get("benefit")
    line = data.lines.get("benefit", data.line)
    if not isinstance(raw, LineDict):
        doc.error(line, "benefit must be a mapping with type, and optionally amount and rounding")
        return None
    _unknown_keys(raw, _BENEFIT_KEYS, "benefit", doc)
    kind = _choice(raw, "type", BENEFIT_TYPES, doc, None)
    rounding = _choice(raw, "rounding", ROUNDINGS, doc, "fen") or "fen"
    amount = None
    if raw.get("amount") is not None:
        text = raw["amount"]
        if isinstance(text, bool) or not isinstance(text, (str, int, Decimal)):
            doc.error(raw.lines["amount"], "benefit.amount must be an expression in quotes")
        else:
            try:
                amount = parse_amount(str(text))
            except AmountSyntaxError as exc:
                doc.error(raw.lines["amount"], f"benefit.amount: {exc}")
    note = _text(raw, "note", doc, False)
    return Benefit(kind, amount, rounding, note) if kind else None


def _package(data: LineDict, doc: _Doc) -> Package | None:
    _unknown_keys(data, _PACKAGE_KEYS, "a package", doc)
    ident = _identifier(data, doc)
    title = _text(data, "title", doc)
    cap = data.get("cap")
    cap_fen = None
    if cap is not None:
        if isinstance(cap, bool) or not isinstance(cap, (int, Decimal)) or cap <= 0:
            doc.error(data.lines["cap"], "cap must be a positive amount in yuan")
        elif (cap * 100) != int(cap * 100):
            doc.error(data.lines["cap"], "cap must be a whole number of fen")
        else:
            cap_fen = int(cap * 100)
    if ident is None or title is None or doc.failed:
        return None
    return Package(
        id=ident, title=title, title_en=_text(data, "title_en", doc, False),
        issuer=_text(data, "issuer", doc, False), document=_text(data, "document", doc, False),
        cap_fen=cap_fen,
    )  # fmt: skip


def _tests(data: LineDict, doc: _Doc, lib: Library) -> None:
    as_of = _date(data, "as_of", doc, required=False)
    cases = data.get("cases")
    if not isinstance(cases, LineList) or not cases:
        doc.error(data.lines.get("cases", data.line), "tests need a non-empty list of cases")
        return
    lines = [ln + doc.offset - 1 for ln in cases.lines]
    if not doc.failed:
        lib.tests.append(TestDoc(doc.path, data.line + doc.offset - 1, as_of, list(cases), lines))


# --------------------------------------------------------------------------- eligibility


def _node(raw: object, line: int, doc: _Doc, counter: list[int], effective: date | None
          ) -> Node | None:  # fmt: skip
    if not isinstance(raw, LineDict):
        doc.error(line, "a criterion must be a mapping: {field, op, value} or all/any/not")
        return None
    combinators = [k for k in ("all", "any", "not") if k in raw]
    if combinators:
        if len(raw) != 1:
            doc.error(raw.line, f"{combinators[0]!r} must stand alone in its mapping; found "
                      f"{', '.join(map(str, raw))}")  # fmt: skip
            return None
        key = combinators[0]
        if key == "not":
            child = _node(raw["not"], raw.lines["not"], doc, counter, effective)
            return Not(child) if child is not None else None
        items = raw[key]
        if not isinstance(items, LineList) or not items:
            doc.error(raw.lines[key], f"{key!r} needs a non-empty list of criteria")
            return None
        children = [
            _node(item, item_line, doc, counter, effective)
            for item, item_line in zip(items, items.lines, strict=True)
        ]
        if any(c is None for c in children):
            return None
        group = AllOf if key == "all" else AnyOf
        return group(tuple(c for c in children if c is not None))
    return _predicate(raw, doc, counter, effective)


def _predicate(raw: LineDict, doc: _Doc, counter: list[int], effective: date | None
               ) -> Predicate | None:  # fmt: skip
    _unknown_keys(raw, _PREDICATE_KEYS, "a criterion", doc)
    name, op = raw.get("field"), raw.get("op")
    if name not in FIELDS:
        doc.error(raw.lines.get("field", raw.line), f"unknown field {name!r}" if "field" in raw
                  else "criterion without 'field'")  # fmt: skip
        return None
    if op not in OPERATORS:
        known = " ".join(OPERATORS)
        message = (
            f"unknown operator {op!r}; use one of {known}"
            if "op" in raw
            else ("criterion without 'op'")
        )
        doc.error(raw.lines.get("op", raw.line), message)
        return None
    if "value" not in raw:
        doc.error(raw.line, f"{name} {op}: missing 'value'")
        return None
    values = _dated_values(raw, str(name), str(op), doc, effective)
    cite = raw.get("cite")
    if values is None:
        return None
    counter[0] += 1
    return Predicate(str(name), str(op), values, str(cite) if cite is not None else None,
                     raw.line + doc.offset - 1, counter[0] - 1)  # fmt: skip


def _dated_values(raw: LineDict, name: str, op: str, doc: _Doc, effective: date | None
                  ) -> tuple[tuple[date, Value], ...] | None:  # fmt: skip
    value, line = raw["value"], raw.lines["value"]
    if not isinstance(value, LineDict):
        try:
            return ((date.min, check_value(name, op, value)),)
        except ValueError as exc:
            doc.error(line, str(exc))
            return None
    pairs: list[tuple[date, Value]] = []
    for key, item in value.items():
        since = _as_date(key, value.lines[key], f"{name}: dated value key", doc)
        try:
            checked = check_value(name, op, item)
        except ValueError as exc:
            doc.error(value.lines[key], str(exc))
            continue
        if since is not None:
            pairs.append((since, checked))
    if doc.failed or not pairs:
        if not pairs and not doc.failed:
            doc.error(line, f"{name}: a dated value needs at least one date: value")
        return None
    pairs.sort()
    if effective and pairs[0][0] > effective:
        doc.error(line, f"{name}: the first dated value starts {pairs[0][0]}, after the policy's "
                  f"effective date {effective}")  # fmt: skip
        return None
    return tuple(pairs)


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
