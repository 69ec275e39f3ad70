"""Matching policies to enterprises: one enterprise's policies, who qualifies for one policy,
and a package's reach over the registry."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.errors import InvalidInput, NotFound
from highland.platform.identity.permissions import Principal
from highland.policies.models import (
    PolicyVersion,
    PortraitSnapshot,
)
from highland.policies.rules import stacking
from highland.policies.rules.explain import PolicyResult, evaluate
from highland.policies.rules.model import Compiled, compile_policy
from highland.policies.rules.vector import Summary, details, eligible, summarise
from highland.policies.service.library import (
    current_packages,
    current_policies,
    get_version,
    parsed_policy,
)
from highland.policies.service.snapshots import snapshot_for, snapshot_frame

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
    uscc = registry.scoped_ref(session, principal, uscc).uscc
    values = registry.portrait_values(session, uscc, as_of)
    if values is None:
        raise NotFound(
            f"no enterprise {uscc}", code="enterprises.not_found", params={"uscc": uscc[:40]}
        )
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


# --------------------------------------------------------------------------- who qualifies


STATUSES = ("eligible", "unknown", "near", "ineligible")


def policy_details(
    session: Session, policy_id: str, as_of: date, refresh: bool = False
) -> tuple[PolicyVersion, Compiled, PortraitSnapshot, pl.DataFrame]:
    """Every enterprise's result for one policy (from the snapshot of the date)."""
    version = get_version(session, policy_id)
    policy = parsed_policy(version)
    if not policy.in_force(as_of):
        expires = policy.expires or "—"
        raise InvalidInput(
            f"policy {policy_id} is not in force on {as_of} (effective {policy.effective}, "
            f"expires {expires})",
            field="as_of",
            code="policies.not_in_force_between",
            params={
                "id": policy_id,
                "date": as_of.isoformat(),
                "effective": policy.effective.isoformat(),
                "expires": str(expires),
            },
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
        raise InvalidInput(
            f"status must be one of {', '.join(STATUSES)}",
            field="status",
            code="policies.bad_status",
            params={"value": status[:40], "choices": ", ".join(STATUSES)},
        )
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


# A package's numbers kept in this process, keyed by all they are computed from: the
# snapshot's content, the package, the date and the current versions of every policy and
# package (exclusions and caps stack across the whole library), so never stale. Computing
# them runs every policy in force over the whole registry (seconds at 1,000,000 firms).
_Numbers = tuple[list[tuple[int, Summary]], int, int, int]
_reach: dict[tuple[object, ...], _Numbers] = {}
_reach_lock = threading.Lock()


def _package_numbers(
    session: Session,
    snap: PortraitSnapshot,
    pairs: list[tuple[PolicyVersion, Compiled]],
    package_id: str,
) -> _Numbers:
    frame = snapshot_frame(session, snap)
    mine = [(v, c) for v, c in pairs if v.package_id == package_id]
    summaries = list(zip([v.id for v, _ in mine], summarise(frame, [c for _, c in mine]),
                         strict=True))  # fmt: skip
    found = [rows.select(*stacking.LONG_SCHEMA) for rows in eligible(frame, [c for _, c in pairs])]
    long = pl.concat(found) if found else pl.DataFrame(schema=stacking.LONG_SCHEMA)
    ids = [v.policy_id for v, _ in mine]
    reached = long.filter(pl.col("policy_id").is_in(ids)).select("uscc").unique()
    rules = stacking_rules(session)
    kept = stacking.keep(long.join(reached, on="uscc", how="semi"), rules)
    totals = stacking.totals(kept, rules).filter(pl.col("package_id") == package_id)
    return (summaries, reached.height, int(totals["total_fen"].sum() or 0),
            int(totals["amount_unknown"].sum() or 0))  # fmt: skip


def package_reach(session: Session, package_id: str, as_of: date) -> PackageReach:
    """A package's counts and reach as of a date, stacked as an enterprise's page stacks."""
    if package_id not in current_packages(session):
        raise NotFound(
            f"no policy package {package_id!r}",
            code="policies.no_package",
            params={"id": package_id[:64]},
        )
    snap = snapshot_for(session, as_of)
    pairs = compiled_in_force(session, as_of)
    packages = current_packages(session)
    key = (snap.sha256, package_id, as_of,
           tuple((v.id, v.sha256) for v, _ in current_policies(session)),
           tuple(sorted((k, v.id, v.sha256) for k, (v, _) in packages.items())))  # fmt: skip
    with _reach_lock:
        kept = _reach.get(key)
    if kept is None:
        kept = _package_numbers(session, snap, pairs, package_id)
        with _reach_lock:
            if len(_reach) >= 64:
                _reach.clear()
            _reach[key] = kept
    by_id = {v.id: v for v, _ in pairs}
    summaries, enterprises, total_fen, unknown = kept
    return PackageReach(
        package_id, as_of, snap, [(by_id[i], s) for i, s in summaries], enterprises, total_fen,
        unknown,
    )
