"""Official match runs and their replay from the stored snapshot and versions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.platform.audit import service as audit
from highland.platform.audit.service import Actor, Change
from highland.platform.db import utcnow
from highland.platform.errors import NotFound
from highland.policies.models import (
    MatchCount,
    MatchRun,
    PolicyVersion,
    PortraitSnapshot,
)
from highland.policies.rules.model import compile_policy
from highland.policies.rules.vector import details, summarise
from highland.policies.service.library import ENGINE, current_packages, parsed_policy
from highland.policies.service.matching import compiled_in_force
from highland.policies.service.snapshots import build_snapshot, latest_snapshot, snapshot_frame

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
    snap = build_snapshot(session, as_of, base=latest_snapshot(session, as_of))
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
        raise NotFound(f"no match run {run_id}", code="policies.no_run", params={"run": run_id})
    return run


def runs(session: Session, limit: int = 50) -> list[MatchRun]:
    """The newest match runs."""
    return list(session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)))


def has_runs(session: Session) -> bool:
    """Whether any official match run has been made."""
    return session.scalar(select(MatchRun.id).limit(1)) is not None


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
        frames[v.policy_id] = details(frame, compile_policy(parsed_policy(v), run.as_of))
    digest = _result_digest(frames.values())
    if policy_id is not None:
        if policy_id not in frames:
            raise NotFound(
                f"policy {policy_id} was not part of run {run_id}",
                code="policies.not_in_run",
                params={"id": policy_id[:64], "run": run_id},
            )
        frames = {policy_id: frames[policy_id]}
    return Replay(run, frames, digest)
