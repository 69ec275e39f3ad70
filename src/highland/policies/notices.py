"""Which policy results notify whom: after an OFFICIAL match run (service.run_match), each
enterprise that newly qualifies for a policy — eligible in this run, and not eligible (or not
matched at all) in the previous official run — is told: 免申即享 policies as granted without
applying (policy.auto), the others as one to apply for (policy.apply).

Set-based: only enterprises with an active enterprise account can be told, so the run's frame is
narrowed to them first (a semi-join in Polars), this run's and the previous run's eligibility
are computed over that subset column-wise, "newly" is an anti-join, and the notices are stored
in chunked bulk inserts — no Python loop over the registry. De-duplicated per (policy version,
enterprise): the key is the version id and the USCC, so a later run never repeats a notice
about the same version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.enterprises.public import registry
from highland.platform.db import utcnow
from highland.platform.identity.models import User
from highland.platform.identity.permissions import Role
from highland.platform.notices import service as notices
from highland.policies.models import MatchRun, PolicyVersion, PortraitSnapshot
from highland.policies.rules.model import Compiled, compile_policy
from highland.policies.rules.vector import eligible

ELIGIBLE = pl.Schema({"uscc": pl.String, "policy_id": pl.String, "version_id": pl.Int64})


def _accounts(session: Session) -> pl.DataFrame:
    """Active enterprise accounts: user id, its enterprise's USCC and names."""
    reg = registry()
    rows = session.execute(
        select(User.id, reg.c.uscc, reg.c.name, reg.c.name_en)
        .join(reg, reg.c.id == User.enterprise_id)
        .where(User.is_active.is_(True), User.role == Role.enterprise.value)
    ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"user_id": pl.Int64, "uscc": pl.String, "name": pl.String,
                "name_en": pl.String},
        orient="row",
    )  # fmt: skip


def _eligible(frame: pl.DataFrame, pairs: Sequence[tuple[PolicyVersion, Compiled]]) -> pl.DataFrame:
    """(uscc, policy_id, version_id) of every eligible result in the frame."""
    found = eligible(frame, [compiled for _, compiled in pairs], amounts=False)
    parts = [
        rows.select("uscc", "policy_id", pl.lit(v.id, dtype=pl.Int64).alias("version_id"))
        for (v, _), rows in zip(pairs, found, strict=True)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=ELIGIBLE)


def _previous(session: Session, run: MatchRun, usccs: pl.Series) -> pl.DataFrame:
    """Who was eligible for what in the official run before `run` (empty when none)."""
    from highland.policies.service import parsed_policy, snapshot_frame

    prev = session.scalar(
        select(MatchRun).where(MatchRun.id < run.id).order_by(MatchRun.id.desc()).limit(1)
    )
    if prev is None:
        return pl.DataFrame(schema=ELIGIBLE)
    snap = session.get(PortraitSnapshot, prev.snapshot_id)
    assert snap is not None
    frame = snapshot_frame(session, snap).filter(pl.col("uscc").is_in(usccs.implode()))
    ids = json.loads(prev.policy_versions)
    versions = session.scalars(select(PolicyVersion).where(PolicyVersion.id.in_(ids))).all()
    pairs = [(v, compile_policy(parsed_policy(v), prev.as_of)) for v in versions]
    return _eligible(frame, pairs)


def after_official_run(
    session: Session,
    run: MatchRun,
    frame: pl.DataFrame,
    pairs: Sequence[tuple[PolicyVersion, Compiled]],
    *,
    now: datetime | None = None,
) -> int:
    """Notify enterprises of the policies they newly qualify for in this official run (the
    run's snapshot frame and compiled policies, as run_match has them). Returns how many
    notices were new."""
    now = now or utcnow()
    accounts = _accounts(session)
    if accounts.is_empty() or not pairs:
        return 0
    usccs = accounts.get_column("uscc").unique()
    subset = frame.filter(pl.col("uscc").is_in(usccs.implode()))
    if subset.is_empty():
        return 0
    current = _eligible(subset, pairs)
    before = _previous(session, run, usccs).select("uscc", "policy_id").unique()
    new = current.join(before, on=["uscc", "policy_id"], how="anti")
    if new.is_empty():
        return 0
    meta = pl.DataFrame(
        [(v.id, v.title, v.title_en, v.no_application) for v, _ in pairs],
        schema={"version_id": pl.Int64, "title": pl.String, "title_en": pl.String,
                "auto": pl.Boolean},
        orient="row",
    )  # fmt: skip
    todo = new.join(meta, on="version_id").join(accounts, on="uscc")
    rows: list[dict[str, Any]] = []
    for r in todo.iter_rows(named=True):
        n = notices.Notice(
            "policy.auto" if r["auto"] else "policy.apply",
            f"policy:{r['policy_id']}",
            f"/enterprises/{r['uscc']}/policies",
            {"policy": r["policy_id"], "title": r["title"], "title_en": r["title_en"],
             "enterprise": r["name"], "enterprise_en": r["name_en"], "run": run.id,
             "as_of": run.as_of.isoformat()},
            f"v{r['version_id']}:{r['uscc']}",
        )  # fmt: skip
        rows.append(notices.row(r["user_id"], n, now))
    return notices.store_rows(session, rows)
