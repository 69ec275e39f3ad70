"""Policy library use cases: check and load rules, match, what-if, runs and replay.

Services flush, never commit: the request, CLI command or job owns the transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.enterprises import repository as enterprise_repo
from highland.enterprises import snapshot
from highland.platform.audit import service as audit
from highland.platform.audit.service import Actor, Change
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert
from highland.platform.kit.money import fen_to_yuan, yuan_text
from highland.policies.models import (
    MatchCount,
    MatchRun,
    PackageHead,
    PackageVersion,
    PolicyHead,
    PolicyVersion,
    PortraitSnapshot,
)
from highland.policies.rules import stacking
from highland.policies.rules.explain import PolicyResult, evaluate
from highland.policies.rules.loader import (
    Library,
    RuleError,
    check_references,
    read_paths,
    read_text,
)
from highland.policies.rules.model import Compiled, Package, Policy, compile_policy
from highland.policies.rules.vector import Summary, details, prepare, summarise

ENGINE = "highland-rules/1"
DEMO_LIBRARY = Path(__file__).with_name("demo")


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
            raise InvalidInput(f"stored {key[0]} {name} v{row.version} no longer parses: "
                               f"{lib.errors[0]}")  # fmt: skip
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
    return [(v, _policy(v)) for v in current_versions(session)]


def _policy(v: PolicyVersion) -> Policy:
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
        raise NotFound(f"no policy {policy_id!r}" + (f" version {version}" if version else ""))
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
        raise NotFound(f"no policy {policy_id!r}")
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
        raise InvalidInput(f"{len(lib.errors)} error(s) in the rules; nothing was stored: "
                           f"{lib.errors[0]}")  # fmt: skip
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


# --------------------------------------------------------------------------- one enterprise


@dataclass
class EnterpriseMatch:
    """An enterprise's results for every policy in force, with stacking applied."""

    uscc: str
    as_of: date
    values: dict[str, object]
    results: list[tuple[PolicyVersion, PolicyResult]]
    kept: dict[str, tuple[bool, str | None]]  # policy id → (kept, excluded by)
    packages: list[dict[str, object]]  # per package: kept, cap, total
    total_fen: int
    amount_unknown: int


def compiled_in_force(session: Session, as_of: date) -> list[tuple[PolicyVersion, Compiled]]:
    """Current policies in force at a date, compiled for it."""
    return [
        (v, compile_policy(p, as_of)) for v, p in current_policies(session) if p.in_force(as_of)
    ]


def stacking_rules(session: Session) -> stacking.Rules:
    """Exclusions, packages and caps of the current library."""
    policies = current_policies(session)
    packages = current_packages(session)
    return stacking.Rules(
        excludes={p.id: p.excludes for _, p in policies},
        package_of={p.id: p.package for _, p in policies},
        caps={pid: pkg.cap_fen for pid, (_, pkg) in packages.items()},
    )


def enterprise_match(
    session: Session, principal: Principal, uscc: str, as_of: date
) -> EnterpriseMatch:
    """Every policy in force for one enterprise, explained; NotFound when out of scope."""
    # Scoping (404 outside it); the registry's spelling of the USCC, as the lookup normalises.
    uscc = enterprise_repo.get_by_uscc(session, principal, uscc).uscc
    values = snapshot.portrait_values(session, uscc, as_of)
    if values is None:
        raise NotFound(f"no enterprise {uscc}")
    results = [(v, evaluate(c, values)) for v, c in compiled_in_force(session, as_of)]
    order = {"eligible": 0, "unknown": 1, "ineligible": 2}
    results.sort(key=lambda vr: (order[vr[1].status], -(vr[1].amount_fen or 0), vr[0].policy_id))
    long = pl.DataFrame(
        [(uscc, r.policy_id, r.amount_fen) for _, r in results if r.status == "eligible"],
        schema=stacking.LONG_SCHEMA,
        orient="row",
    )
    rules = stacking_rules(session)
    kept_frame = stacking.keep(long, rules)
    kept = {
        row["policy_id"]: (row["kept"], row["excluded_by"])
        for row in kept_frame.iter_rows(named=True)
    }
    totals = stacking.totals(kept_frame, rules)
    packages = totals.to_dicts()
    total = int(totals["total_fen"].sum() or 0)
    unknown = int(totals["amount_unknown"].sum() or 0)
    return EnterpriseMatch(uscc, as_of, values, results, kept, packages, total, unknown)


# --------------------------------------------------------------------------- snapshots


# Keyed by content (sha256), not id: a rolled-back or deleted snapshot's id can come back for
# other data (SQLite reuses ids; tests run two databases in one process).
_frames: OrderedDict[str, pl.DataFrame] = OrderedDict()
_FRAME_CACHE = 2


def _to_parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd")
    return buf.getvalue()


def build_snapshot(session: Session, as_of: date) -> PortraitSnapshot:
    """Freeze the registry's portraits as of a date (reused if identical to a stored one)."""
    frame = snapshot.portrait_frame(session, as_of).sort("uscc")
    data = _to_parquet(frame)
    sha = hashlib.sha256(data).hexdigest()
    row = session.scalar(select(PortraitSnapshot).where(PortraitSnapshot.sha256 == sha))
    if row is None:
        row = PortraitSnapshot(sha256=sha, as_of=as_of, rows=frame.height, data=data)
        session.add(row)
        session.flush()
    _remember(row.sha256, frame)
    return row


_frames_lock = threading.Lock()  # requests run in threads: one change of the cache at a time


def _remember(sha256: str, frame: pl.DataFrame) -> pl.DataFrame:
    prepared = prepare(frame)
    with _frames_lock:
        _frames[sha256] = prepared
        _frames.move_to_end(sha256)
        while len(_frames) > _FRAME_CACHE:
            _frames.popitem(last=False)
    return prepared


def snapshot_frame(session: Session, snap: PortraitSnapshot) -> pl.DataFrame:
    """A stored snapshot as a frame (kept in memory for the next request; each server worker
    keeps its own, keyed by content, so it is never stale and losing it costs one read)."""
    with _frames_lock:
        frame = _frames.get(snap.sha256)
        if frame is not None:
            _frames.move_to_end(snap.sha256)
            return frame
    return _remember(snap.sha256, pl.read_parquet(io.BytesIO(snap.data)))


def latest_snapshot(session: Session, as_of: date) -> PortraitSnapshot | None:
    """The newest stored snapshot for a date."""
    return session.scalar(
        select(PortraitSnapshot)
        .where(PortraitSnapshot.as_of == as_of)
        .order_by(PortraitSnapshot.id.desc())
        .limit(1)
    )


def snapshot_for(session: Session, as_of: date, refresh: bool = False) -> PortraitSnapshot:
    """The snapshot official views read: the newest for the date, built when there is none."""
    snap = None if refresh else latest_snapshot(session, as_of)
    return snap if snap is not None else build_snapshot(session, as_of)


# --------------------------------------------------------------------------- who qualifies


STATUSES = ("eligible", "unknown", "near", "ineligible")


def policy_details(
    session: Session, policy_id: str, as_of: date, refresh: bool = False
) -> tuple[PolicyVersion, Compiled, PortraitSnapshot, pl.DataFrame]:
    """Every enterprise's result for one policy (from the snapshot of the date)."""
    version = get_version(session, policy_id)
    policy = _policy(version)
    if not policy.in_force(as_of):
        expires = policy.expires or "—"
        raise InvalidInput(
            f"policy {policy_id} is not in force on {as_of} (effective {policy.effective}, "
            f"expires {expires})",
            field="as_of",
        )
    compiled = compile_policy(policy, as_of)
    snap = snapshot_for(session, as_of, refresh)
    frame = details(snapshot_frame(session, snap), compiled, extra=("near",))
    return version, compiled, snap, frame


def filter_details(frame: pl.DataFrame, status: str | None) -> pl.DataFrame:
    """Rows of one status; `near` means ineligible but one criterion away."""
    if status is None or status == "all":
        return frame
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    if status == "near":
        return frame.filter(pl.col("near") != "")
    return frame.filter(pl.col("status") == status)


def counts(frame: pl.DataFrame) -> dict[str, int]:
    """Status counts of a details frame, with `near` and the total amount."""
    by = dict(frame.group_by("status").len().iter_rows())
    return {
        "eligible": int(by.get("eligible", 0)),
        "ineligible": int(by.get("ineligible", 0)),
        "unknown": int(by.get("unknown", 0)),
        "near": int((frame["near"] != "").sum()),
        "amount_fen": int(frame["amount_fen"].sum() or 0),
    }


# --------------------------------------------------------------------------- what-if


class RuleErrors(InvalidInput):
    """Rule text that does not validate; `errors` keeps every error with its line."""

    def __init__(self, errors: Sequence[RuleError], field: str | None = None) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]), field=field)
        self.errors = list(errors)


@dataclass
class WhatIf:
    """A policy's reach before and after an unsaved change."""

    before: Summary
    after: Summary
    changed_text: str


def what_if(session: Session, policy_id: str, as_of: date, edited_yaml: str) -> WhatIf:
    """Evaluate an edited (unsaved) version of a policy against the snapshot of the date."""
    version = get_version(session, policy_id)
    lib = read_text(edited_yaml, f"{policy_id} (edited)")
    if lib.errors:
        raise RuleErrors(lib.errors, field="rule")
    if set(lib.policies) != {policy_id}:
        raise InvalidInput(f"the edited text must hold exactly policy {policy_id}", field="rule")
    edited = lib.policies[policy_id]
    original = _policy(version)
    for p in (original, edited):
        if not p.in_force(as_of):
            raise InvalidInput(f"policy {policy_id} is not in force on {as_of}", field="as_of")
    frame = snapshot_frame(session, snapshot_for(session, as_of))
    before, after = summarise(
        frame, [compile_policy(original, as_of), compile_policy(edited, as_of)]
    )
    return WhatIf(before, after, edited.source)


# --------------------------------------------------------------------------- runs and replay


def _result_digest(frames: Iterable[pl.DataFrame]) -> str:
    """SHA-256 of the results as CSV text (stable across library versions, unlike row hashes)."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.sort("uscc").write_csv().encode())
    return digest.hexdigest()


def run_match(session: Session, as_of: date, actor: Actor) -> MatchRun:
    """An official run: freeze the portraits, match every policy in force, keep the counts."""
    started = utcnow()
    snap = build_snapshot(session, as_of)
    frame = snapshot_frame(session, snap)
    pairs = compiled_in_force(session, as_of)
    summaries = summarise(frame, [c for _, c in pairs])
    digest = _result_digest(details(frame, c) for _, c in pairs)
    packages = current_packages(session)
    run = MatchRun(
        as_of=as_of, snapshot_id=snap.id, started_at=started, actor=actor.name,
        policy_versions=json.dumps([v.id for v, _ in pairs]),
        package_versions=json.dumps([pv.id for pv, _ in packages.values()]),
        engine=ENGINE, result_sha256=digest, enterprises=frame.height,
    )  # fmt: skip
    session.add(run)
    session.flush()
    for (v, _), s in zip(pairs, summaries, strict=True):
        session.add(
            MatchCount(
                run_id=run.id,
                policy_version_id=v.id,
                eligible=s.eligible,
                ineligible=s.ineligible,
                unknown=s.unknown,
                near_miss=s.near_miss,
                near_by_criterion=json.dumps(list(s.near_by_criterion)),
                amount_fen=s.amount_fen,
                amount_unknown=s.amount_unknown,
            )  # fmt: skip
        )
    run.finished_at = utcnow()
    session.flush()
    # Enterprises that newly qualify are told (policies/notices.py: who, and "newly").
    from highland.policies import notices as policy_notices

    policy_notices.after_official_run(session, run, frame, pairs)
    audit.record(session, actor, Change("create", "policy_match_run", str(run.id), None,
                 {"as_of": as_of, "policies": len(pairs), "enterprises": frame.height,
                  "snapshot": snap.sha256, "result_sha256": digest}))  # fmt: skip
    return run


def get_run(session: Session, run_id: int) -> MatchRun:
    """A match run; NotFound when there is none."""
    run = session.get(MatchRun, run_id)
    if run is None:
        raise NotFound(f"no match run {run_id}")
    return run


def runs(session: Session, limit: int = 50) -> list[MatchRun]:
    """The newest match runs."""
    return list(session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)))


def run_counts(session: Session, run: MatchRun) -> list[tuple[PolicyVersion, MatchCount]]:
    """A run's stored counts with the policy versions they belong to."""
    rows = session.execute(
        select(PolicyVersion, MatchCount)
        .join(MatchCount, MatchCount.policy_version_id == PolicyVersion.id)
        .where(MatchCount.run_id == run.id)
        .order_by(PolicyVersion.policy_id)
    )
    return [(v, c) for v, c in rows.tuples()]


@dataclass
class Replay:
    """A run recomputed from its stored rule versions and snapshot."""

    run: MatchRun
    frames: dict[str, pl.DataFrame]  # policy id → details
    digest: str

    @property
    def verified(self) -> bool:
        """Whether the recomputed results are exactly those of the run."""
        return self.digest == self.run.result_sha256


def replay(session: Session, run_id: int, policy_id: str | None = None) -> Replay:
    """Recompute a run exactly as it was: the same rule versions over the same snapshot."""
    run = get_run(session, run_id)
    snap = session.get(PortraitSnapshot, run.snapshot_id)
    assert snap is not None
    frame = snapshot_frame(session, snap)
    ids = json.loads(run.policy_versions)
    versions = {v.id: v for v in session.scalars(select(PolicyVersion).where(
        PolicyVersion.id.in_(ids)))}  # fmt: skip
    frames = {}
    for vid in ids:
        v = versions[vid]
        frames[v.policy_id] = details(frame, compile_policy(_policy(v), run.as_of))
    digest = _result_digest(frames.values())
    if policy_id is not None:
        if policy_id not in frames:
            raise NotFound(f"policy {policy_id} was not part of run {run_id}")
        frames = {policy_id: frames[policy_id]}
    return Replay(run, frames, digest)


# --------------------------------------------------------------------------- CSV


def match_csv(
    session: Session,
    as_of: date,
    out: Path,
    policy_id: str | None = None,
    uscc: str | None = None,
) -> dict[str, int]:
    """Write `uscc,policy_id,status,amount,failed,missing` for the registry (or a subset)."""
    pairs = compiled_in_force(session, as_of)
    if policy_id is not None:
        pairs = [(v, c) for v, c in pairs if v.policy_id == policy_id]
        if not pairs:
            get_version(session, policy_id)  # NotFound when it does not exist at all
            raise InvalidInput(f"policy {policy_id} is not in force on {as_of}", field="policy")
    frame = snapshot.portrait_frame(session, as_of, usccs=[uscc] if uscc else None)
    if uscc is not None and frame.is_empty():
        raise NotFound(f"no enterprise {uscc}")
    frame = prepare(frame.sort("uscc"))
    tally = {"rows": 0, "eligible": 0, "ineligible": 0, "unknown": 0}
    with out.open("wb") as fh:
        fh.write(b"uscc,policy_id,status,amount,failed,missing\n")
        for _, compiled in pairs:
            part = details(frame, compiled).with_columns(yuan_expr().alias("amount"))
            # Empty text as a null, so the CSV has a bare empty field rather than "".
            cols = ("uscc", "policy_id", "status", "amount", "failed", "missing")
            part.select(
                pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in cols
            ).with_columns(
                inert.csv_out_expr(c) for c in ("policy_id", "failed", "missing")
            ).write_csv(fh, include_header=False)
            tally["rows"] += part.height
            for status, n in part.group_by("status").len().iter_rows():
                tally[status] += n
    return tally


def yuan_expr() -> pl.Expr:
    """amount_fen as yuan with exactly two decimals, empty when null (no float involved)."""
    fen = pl.col("amount_fen")
    sign = pl.when(fen < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (fen.abs() // 100).cast(pl.String)
    cents = (fen.abs() % 100).cast(pl.String).str.zfill(2)
    return (
        pl.when(fen.is_null())
        .then(pl.lit(""))
        .otherwise(pl.concat_str([sign, whole, pl.lit("."), cents]))
    )


def retire(session: Session, policy_id: str, actor: Actor) -> None:
    """Take a policy out of matching; its versions stay for replay."""
    head = session.get(PolicyHead, policy_id)
    if head is None:
        raise NotFound(f"no policy {policy_id!r}")
    head.retired, head.updated_at = True, utcnow()
    audit.record(session, actor, Change("update", "policy", policy_id, {"retired": False},
                                        {"retired": True}))  # fmt: skip


def with_source(policy: Policy, text: str) -> Policy:
    """A policy with its source replaced (for forms that show the text)."""
    return replace(policy, source=text)


# --------------------------------------------------------------------------- package reach


@dataclass
class PackageReach:
    """A package over the registry: who is eligible for any of its policies, and the cost."""

    package_id: str
    as_of: date
    snapshot: PortraitSnapshot
    summaries: list[tuple[PolicyVersion, Summary]]  # its policies in force, with counts
    enterprises: int  # distinct enterprises eligible for at least one of its policies
    total_fen: int  # after exclusions (across the whole library) and the package cap
    amount_unknown: int  # kept benefits of the package whose amount cannot be computed


def package_reach(session: Session, package_id: str, as_of: date) -> PackageReach:
    """A package's counts and reach as of a date, stacked as an enterprise's page stacks."""
    if package_id not in current_packages(session):
        raise NotFound(f"no policy package {package_id!r}")
    snap = snapshot_for(session, as_of)
    frame = snapshot_frame(session, snap)
    pairs = compiled_in_force(session, as_of)
    mine = [(v, c) for v, c in pairs if v.package_id == package_id]
    summaries = list(zip([v for v, _ in mine], summarise(frame, [c for _, c in mine]),
                         strict=True))  # fmt: skip
    eligible = [
        details(frame, c).filter(pl.col("status") == "eligible").select(*stacking.LONG_SCHEMA)
        for _, c in pairs
    ]
    long = pl.concat(eligible) if eligible else pl.DataFrame(schema=stacking.LONG_SCHEMA)
    ids = [v.policy_id for v, _ in mine]
    reached = long.filter(pl.col("policy_id").is_in(ids)).select("uscc").unique()
    rules = stacking_rules(session)
    kept = stacking.keep(long.join(reached, on="uscc", how="semi"), rules)
    totals = stacking.totals(kept, rules).filter(pl.col("package_id") == package_id)
    return PackageReach(
        package_id, as_of, snap, summaries, reached.height,
        int(totals["total_fen"].sum() or 0), int(totals["amount_unknown"].sum() or 0),
    )  # fmt: skip


def get_snapshot(session: Session, snapshot_id: int) -> PortraitSnapshot:
    """A stored portrait snapshot; NotFound when there is none."""
    snap = session.get(PortraitSnapshot, snapshot_id)
    if snap is None:
        raise NotFound(f"no portrait snapshot {snapshot_id}")
    return snap


def what_if_thresholds(
    session: Session,
    policy_id: str,
    as_of: date,
    thresholds: dict[int, str],
    amount: str | None = None,
) -> WhatIf:
    """What-if with new values for some criteria (by index) and optionally a new amount."""
    from highland.policies.rules.whatif import edit_policy

    original = _policy(get_version(session, policy_id))
    if not original.in_force(as_of):
        raise InvalidInput(f"policy {policy_id} is not in force on {as_of}", field="as_of")
    try:
        edited = edit_policy(original, thresholds, amount)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="thresholds") from None
    frame = snapshot_frame(session, snapshot_for(session, as_of))
    before, after = summarise(
        frame, [compile_policy(original, as_of), compile_policy(edited, as_of)]
    )
    return WhatIf(before, after, original.source)


# --------------------------------------------------------------------------- exports

EXPORT_COLUMNS = ("uscc", "name", "status", "amount", "failed", "missing", "near")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ExportFile:
    """A download: its file name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes


def export_who(
    session: Session,
    principal: Principal,
    policy_id: str,
    as_of: date,
    status: str | None,
    fmt: str,
) -> ExportFile:
    """Who qualifies for a policy as CSV (UTF-8 with BOM) or XLSX; amounts in yuan, exact."""
    from highland.enterprises.service import XLSX_MAX_ROWS

    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("format must be csv or xlsx", field="format")
    _, compiled, _, frame = policy_details(session, policy_id, as_of)
    chosen = filter_details(frame, status)
    if fmt == "xlsx" and chosen.height > XLSX_MAX_ROWS:
        raise InvalidInput(
            f"{chosen.height:,} rows do not fit one XLSX sheet ({XLSX_MAX_ROWS:,} at most); "
            "export CSV or choose a status",
            field="format",
        )
    # 5,000 USCCs per name query: far fewer round trips for large exports.
    names = enterprise_repo.names_by_uscc(session, principal, chosen["uscc"].to_list(), 5_000)
    labels = [c.label for c in compiled.criteria]
    rows = [
        (
            r["uscc"], names.get(r["uscc"], ("", None))[0], r["status"], r["amount_fen"],
            r["failed"], r["missing"], ";".join(labels[int(i)] for i in r["near"].split(";") if i),
        )
        for r in chosen.iter_rows(named=True)
    ]  # fmt: skip
    stem = f"policy-{policy_id}-{as_of}-{status or 'all'}"
    if fmt == "csv":
        return ExportFile(f"{stem}.csv", "text/csv; charset=utf-8", _csv_bytes(rows))
    return ExportFile(f"{stem}.xlsx", XLSX_MEDIA, _xlsx_bytes(policy_id, rows))


def _csv_bytes(rows: list[tuple[Any, ...]]) -> bytes:
    """UTF-8 with BOM, so that Excel reads the Chinese names."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(inert.csv_row((*r[:3], yuan_text(r[3]), *r[4:])) for r in rows)
    return buf.getvalue().encode("utf-8")


def _xlsx_bytes(sheet: str, rows: list[tuple[Any, ...]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    inert.append(ws, EXPORT_COLUMNS)
    for r in rows:
        inert.append(ws, [*r[:3], fen_to_yuan(r[3]), *r[4:]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
