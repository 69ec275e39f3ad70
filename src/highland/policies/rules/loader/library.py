"""What reading rule files gives (policies, packages, test documents and every error with its
line), the YAML reader that keeps lines and reads numbers as Decimal, and the checks every
document shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from highland.platform.kit.yaml_lines import LineDict, line_loader
from highland.policies.rules.model import (
    Package,
    Policy,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_BOUND = 2**62  # integer representation of a threshold must stay far inside Int64
_DOC_SPLIT = re.compile(r"^(---|\.\.\.)(\s.*)?$")
POLICY_KEYS = {
    "kind", "id", "title", "title_en", "issuer", "authority", "level", "document", "article",
    "effective", "expires", "package", "stages", "no_application", "benefit", "eligibility",
    "excludes", "note",
}  # fmt: skip
PACKAGE_KEYS = {"kind", "id", "title", "title_en", "issuer", "document", "cap", "note"}
BENEFIT_KEYS = {"type", "amount", "rounding", "note"}
PREDICATE_KEYS = {"field", "op", "value", "cite"}


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule file: where, and what is wrong."""

    path: str
    line: int
    message: str
    # The catalogue entry error.<code> (with its parameters) that pages show in the reader's
    # language; None for problems that have only the English message.
    code: str | None = field(default=None, compare=False)
    params: dict[str, Any] = field(default_factory=dict, compare=False)

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


LineLoader = line_loader("duplicate key {key!r}")  # LineDict / LineList with their lines


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


LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
LineLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


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


class Doc:
    """Collects the errors of one document while it is read."""

    def __init__(self, path: str, offset: int, errors: list[RuleError]):
        self.path, self.offset, self.errors = path, offset, errors
        self.failed = False

    def error(
        self,
        line: int,
        message: str,
        problem: Exception | None = None,
        *,
        code: str | None = None,
        **params: Any,
    ) -> None:
        """Record a problem at a line of the document with its catalogue code
        (`error.rules.<code>`) and parameters, or those of `problem` (a RuleProblem)."""
        self.failed = True
        if code is not None:
            code = f"rules.{code}"
        else:
            code, params = getattr(problem, "code", None), getattr(problem, "params", None) or {}
        at = line + self.offset - 1
        self.errors.append(RuleError(self.path, at, message, code, dict(params or {})))


# Where an unknown key was found, as catalogue keys (a page names it in its own language).
_WHERE = {
    "a policy": "@rules.where.policy",
    "a package": "@rules.where.package",
    "a criterion": "@rules.where.criterion",
    "benefit": "@rules.where.benefit",
}


def unknown_keys(data: LineDict, allowed: set[str], what: str, doc: Doc) -> None:
    for key in data:
        if key not in allowed:
            doc.error(data.lines[key], f"unknown key {key!r} in {what}", code="unknown_key",
                      key=str(key), where=_WHERE.get(what, what))  # fmt: skip


def as_date(value: object, line: int, what: str, doc: Doc) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    doc.error(line, f"{what}: {value!r} is not a date (write YYYY-MM-DD, e.g. 2025-01-01)",
              code="not_date", where=what, value=str(value)[:80])  # fmt: skip
    return None
