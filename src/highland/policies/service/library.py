"""The policy library: reading stored versions, checking and loading rule files, retiring.

Services flush, never commit: the request, CLI command or job owns the transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.platform.audit import service as audit
from highland.platform.audit.service import Actor, Change
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput, NotFound
from highland.policies.models import (
    PackageHead,
    PackageVersion,
    PolicyHead,
    PolicyVersion,
)
from highland.policies.rules.loader import (
    Library,
    RuleError,
    check_references,
    read_paths,
    read_text,
)
from highland.policies.rules.model import Package, Policy

ENGINE = "highland-rules/1"
DEMO_LIBRARY = Path(__file__).resolve().parent.parent / "demo"


# --------------------------------------------------------------------------- reading versions

# Keyed by sha too: SQLite may hand a rolled-back version's id to a different text.
_parsed: dict[tuple[str, int, str], Policy | Package] = {}


def parse_version(row: PolicyVersion | PackageVersion) -> Policy | Package:
    """The stored YAML of a version, parsed (versions never change, so this is cached)."""
    key = ("policy" if isinstance(row, PolicyVersion) else "package", row.id, row.sha256)
    if key not in _parsed:
        name = row.policy_id if isinstance(row, PolicyVersion) else row.package_id
        lib = read_text(row.source, f"{name}@v{row.version}")
        if lib.errors:  # stored only after validation, so this means a corrupted row
            raise InvalidInput(
                f"stored {key[0]} {name} v{row.version} no longer parses: {lib.errors[0]}",
                code="policies.stored_unreadable",
                params={"id": name, "version": row.version, "problem": str(lib.errors[0])},
            )
        parsed: Policy | Package = (
            next(iter(lib.policies.values()))
            if key[0] == "policy"
            else next(iter(lib.packages.values()))
        )
        _parsed[key] = parsed
    return _parsed[key]


def current_versions(session: Session, include_retired: bool = False) -> list[PolicyVersion]:
    """The current version of every policy, by id."""
    stmt = select(PolicyVersion).join(PolicyHead, PolicyHead.version_id == PolicyVersion.id)
    if not include_retired:
        stmt = stmt.where(PolicyHead.retired.is_(False))
    return list(session.scalars(stmt.order_by(PolicyVersion.policy_id)))


def current_policies(session: Session) -> list[tuple[PolicyVersion, Policy]]:
    """Current versions with their parsed policies."""
    return [(v, parsed_policy(v)) for v in current_versions(session)]


def parsed_policy(v: PolicyVersion) -> Policy:
    parsed = parse_version(v)
    assert isinstance(parsed, Policy)
    return parsed


def current_packages(session: Session) -> dict[str, tuple[PackageVersion, Package]]:
    """Current version of every package, by id."""
    stmt = select(PackageVersion).join(PackageHead, PackageHead.version_id == PackageVersion.id)
    out: dict[str, tuple[PackageVersion, Package]] = {}
    for v in session.scalars(stmt.order_by(PackageVersion.package_id)):
        parsed = parse_version(v)
        assert isinstance(parsed, Package)
        out[v.package_id] = (v, parsed)
    return out


def get_version(session: Session, policy_id: str, version: int | None = None) -> PolicyVersion:
    """A policy's current (or given) version; NotFound if there is none."""
    if version is None:
        row = session.scalar(
            select(PolicyVersion)
            .join(PolicyHead, PolicyHead.version_id == PolicyVersion.id)
            .where(PolicyHead.id == policy_id)
        )
    else:
        row = session.scalar(
            select(PolicyVersion).where(
                PolicyVersion.policy_id == policy_id, PolicyVersion.version == version
            )
        )
    if row is None:
        raise NotFound(
            f"no policy {policy_id!r}" + (f" version {version}" if version else ""),
            code="policies.no_version" if version else "policies.no_policy",
            params={"id": policy_id[:64], "version": version or ""},
        )
    return row


def history(session: Session, policy_id: str) -> list[PolicyVersion]:
    """Every version of a policy, newest first."""
    rows = list(
        session.scalars(
            select(PolicyVersion)
            .where(PolicyVersion.policy_id == policy_id)
            .order_by(PolicyVersion.version.desc())
        )
    )
    if not rows:
        raise NotFound(
            f"no policy {policy_id!r}", code="policies.no_policy", params={"id": policy_id[:64]}
        )
    return rows


# --------------------------------------------------------------------------- check and load


def check_library(session: Session, lib: Library) -> Library:
    """Check references against the library itself and what is already stored."""
    known = [v.policy_id for v in current_versions(session)]
    check_references(lib, known, list(current_packages(session)))
    return lib


def check_paths(session: Session, paths: Sequence[Path]) -> Library:
    """Read and check files and folders."""
    return check_library(session, read_paths(paths))


def check_text(session: Session, text: str, name: str = "upload.yaml") -> Library:
    """Read and check one YAML text (a form or an API body)."""
    if not text.strip():
        lib = Library()
        lib.errors.append(_empty(name))
        return lib
    lib = check_library(session, read_text(text, name))
    if not (lib.errors or lib.policies or lib.packages or lib.tests):  # only comments
        lib.errors.append(_empty(name))
    return lib


def _empty(name: str) -> RuleError:
    return RuleError(name, 1, "no policy or package in the text")


@dataclass
class LoadReport:
    """What a load did: ids created, given a new version, or unchanged."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]
    tests: int = 0


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def store(session: Session, lib: Library, actor: Actor) -> LoadReport:
    """Store a checked library: new ids and changed texts become new versions; audited."""
    if lib.errors:
        raise InvalidInput(
            f"{len(lib.errors)} error(s) in the rules; nothing was stored: {lib.errors[0]}",
            code="policies.not_stored",
            params={"n": len(lib.errors), "first": str(lib.errors[0])},
        )
    report = LoadReport([], [], [], len(lib.tests))
    changes: list[Change] = []
    for package in lib.packages.values():
        _store_package(session, package, actor, report, changes)
    for policy in lib.policies.values():
        _store_policy(session, policy, actor, report, changes)
    session.flush()
    audit.record_many(session, actor, changes)
    return report


def _store_policy(session: Session, p: Policy, actor: Actor, report: LoadReport,
                  changes: list[Change]) -> None:  # fmt: skip
    head = session.get(PolicyHead, p.id)
    sha = _sha(p.source)
    previous = session.get(PolicyVersion, head.version_id) if head else None
    if previous is not None and previous.sha256 == sha and head and not head.retired:
        report.unchanged.append(p.id)
        return
    row = PolicyVersion(
        policy_id=p.id, version=(previous.version + 1) if previous else 1, title=p.title,
        title_en=p.title_en, issuer=p.issuer, level=p.level, document=p.document,
        effective=p.effective, expires=p.expires, package_id=p.package,
        benefit_type=p.benefit.type, no_application=p.no_application, source=p.source,
        sha256=sha, created_by=actor.name,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if head is None:
        session.add(PolicyHead(id=p.id, version_id=row.id))
        report.created.append(p.id)
    else:
        head.version_id, head.retired, head.updated_at = row.id, False, utcnow()
        report.updated.append(p.id)
    before = {"version": previous.version, "sha256": previous.sha256} if previous else None
    after = {"version": row.version, "sha256": sha, "title": p.title}
    changes.append(Change("create" if previous is None else "update", "policy", p.id, before,
                          after, f"policy {p.id} v{row.version}"))  # fmt: skip


def _store_package(session: Session, p: Package, actor: Actor, report: LoadReport,
                   changes: list[Change]) -> None:  # fmt: skip
    head = session.get(PackageHead, p.id)
    sha = _sha(p.source)
    previous = session.get(PackageVersion, head.version_id) if head else None
    if previous is not None and previous.sha256 == sha:
        report.unchanged.append(p.id)
        return
    row = PackageVersion(
        package_id=p.id, version=(previous.version + 1) if previous else 1, title=p.title,
        cap_fen=p.cap_fen, source=p.source, sha256=sha, created_by=actor.name,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if head is None:
        session.add(PackageHead(id=p.id, version_id=row.id))
        report.created.append(p.id)
    else:
        head.version_id, head.updated_at = row.id, utcnow()
        report.updated.append(p.id)
    changes.append(Change("create" if previous is None else "update", "policy_package", p.id,
                          None, {"version": row.version, "sha256": sha},
                          f"package {p.id} v{row.version}"))  # fmt: skip


def load_demo_library(session: Session, actor: Actor) -> LoadReport:
    """Load the shipped demo policies (idempotent)."""
    lib = check_paths(session, [DEMO_LIBRARY])
    return store(session, lib, actor)


def retire(session: Session, policy_id: str, actor: Actor) -> None:
    """Take a policy out of matching; its versions stay for replay."""
    head = session.get(PolicyHead, policy_id)
    if head is None:
        raise NotFound(
            f"no policy {policy_id!r}", code="policies.no_policy", params={"id": policy_id[:64]}
        )
    head.retired, head.updated_at = True, utcnow()
    audit.record(session, actor, Change("update", "policy", policy_id, {"retired": False},
                                        {"retired": True}))  # fmt: skip


def with_source(policy: Policy, text: str) -> Policy:
    """A policy with its source replaced (for forms that show the text)."""
    return replace(policy, source=text)
