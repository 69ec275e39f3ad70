"""Chains as data: check chain files against what is stored, store versions, read trees.

A chain's segments live in versions. Loading an unchanged chain creates nothing; a changed
one becomes version N+1 and the chain's `version_id` moves to it; old versions stay readable.
Every stored version and every retirement is audited. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from highland.chains.loader import ChainError, ChainFile, ChainSpec
from highland.chains.models import Chain, ChainVersion, Segment
from highland.chains.workbook import read_bytes
from highland.platform.audit import service as audit
from highland.platform.audit.service import Actor, Change
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput, NotFound

# --------------------------------------------------------------------------- checking


def read_files(paths: Sequence[Path]) -> list[ChainFile]:
    """Read chain files from disk (YAML or XLSX); unreadable files become errors."""
    out: list[ChainFile] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            why = str(exc.strerror or exc)
            problem = ChainError(
                str(path), 0, f"cannot read: {why}", code="chains.file.unreadable",
                params={"problem": why},
            )  # fmt: skip
            out.append(ChainFile(str(path), errors=[problem]))
            continue
        out.append(read_bytes(data, str(path)))
    return out


def check(session: Session, files: Sequence[ChainFile]) -> list[ChainError]:
    """Every error of the files: their own, clashes between them and with stored chains."""
    errors = [e for f in files for e in f.errors]
    specs = [f.chain for f in files if f.chain is not None]
    by_id: dict[int, ChainSpec] = {}
    by_code: dict[str, ChainSpec] = {}
    for spec in specs:
        if spec.id in by_id:
            other = by_id[spec.id]
            errors.append(ChainError(spec.path, spec.lines.get("id", 0), f"chain id {spec.id} "
                                     f"is also given in {other.path}", code="chains.file.id_twice",
                                     params={"id": spec.id, "other": other.path}))  # fmt: skip
        by_id.setdefault(spec.id, spec)
        if spec.code in by_code and by_code[spec.code].id != spec.id:
            other = by_code[spec.code]
            errors.append(ChainError(spec.path, spec.lines.get("code", 0), f"chain code "
                                     f"{spec.code!r} is also used in {other.path}",
                                     code="chains.file.code_twice",
                                     params={"code": spec.code, "other": other.path}))  # fmt: skip
        by_code.setdefault(spec.code, spec)
    if specs:
        stored = session.execute(
            select(Chain.id, Chain.code).where(
                Chain.id.in_([s.id for s in specs]) | Chain.code.in_([s.code for s in specs])
            )
        ).all()
        for spec in specs:
            for chain_id, code in stored:
                if code == spec.code and chain_id != spec.id:
                    message = f"code {spec.code!r} belongs to chain {chain_id}, not {spec.id}"
                    errors.append(ChainError(spec.path, spec.lines.get("code", 0), message,
                                             code="chains.file.code_taken",
                                             params={"code": spec.code, "owner": chain_id,
                                                     "id": spec.id}))  # fmt: skip
                elif chain_id == spec.id and code != spec.code:
                    errors.append(ChainError(spec.path, spec.lines.get("id", 0), f"chain "
                                  f"{spec.id} has the code {code!r}, not {spec.code!r} (a "
                                  "chain's code does not change)",
                                  code="chains.file.code_changed",
                                  params={"id": spec.id, "code": code,
                                          "given": spec.code}))  # fmt: skip
    return errors


def check_text(
    session: Session, data: bytes | str, name: str
) -> tuple[ChainFile, list[ChainError]]:
    """Read and check one uploaded or pasted chain file."""
    raw = data.encode() if isinstance(data, str) else data
    f = read_bytes(raw, name)
    return f, check(session, [f])


# --------------------------------------------------------------------------- storing


@dataclass
class LoadReport:
    """What a load did, by chain id."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Numbers of chains created, given a new version, and unchanged."""
        return {k: len(getattr(self, k)) for k in ("created", "updated", "unchanged")}


def store(session: Session, files: Sequence[ChainFile], actor: Actor) -> LoadReport:
    """Check and store chain files, all or nothing: any error raises and nothing is written."""
    errors = check(session, files)
    if errors:
        raise InvalidInput(f"{len(errors)} error(s) in the chain file(s); nothing was stored: "
                           f"{errors[0]}", field="file", code="chains.file_refused",
                           params={"n": len(errors), "first": str(errors[0])})  # fmt: skip
    report = LoadReport()
    for f in files:
        assert f.chain is not None
        _store_one(session, f.chain, actor, report)
    session.flush()
    return report


def _store_one(session: Session, spec: ChainSpec, actor: Actor, report: LoadReport) -> None:
    chain = session.get(Chain, spec.id)
    current = session.get(ChainVersion, chain.version_id) if chain and chain.version_id else None
    if chain is not None and current is not None and current.sha256 == spec.sha256:
        report.unchanged.append(spec.id)
        return
    number = (current.version if current else 0) + 1
    if chain is None:
        chain = Chain(id=spec.id, code=spec.code)
        session.add(chain)
        report.created.append(spec.id)
    else:
        last = session.scalar(
            select(func.max(ChainVersion.version)).where(ChainVersion.chain_id == spec.id)
        )
        number = (last or 0) + 1
        report.updated.append(spec.id)
    chain.name, chain.name_en, chain.description = spec.name, spec.name_en, spec.description
    chain.person_in_charge, chain.updated_at = spec.person_in_charge, utcnow()
    session.flush()
    version = ChainVersion(
        chain_id=spec.id, version=number, source=spec.source or "", sha256=spec.sha256,
        created_by=actor.name[:64],
    )  # fmt: skip
    session.add(version)
    session.flush()
    if spec.segments:
        session.execute(
            insert(Segment),
            [
                {
                    "version_id": version.id,
                    "code": s.code,
                    "parent_code": s.parent_code,
                    "name": s.name,
                    "name_en": s.name_en,
                    "stream": s.stream,
                    "position": s.position,
                    "industry_codes": list(s.industry_codes),
                    "products": list(s.products),
                    "keywords": list(s.keywords),
                    "bottleneck": s.bottleneck,
                }  # fmt: skip
                for s in spec.segments
            ],
        )
    before = {"version": current.version, "sha256": current.sha256} if current else None
    chain.version_id = version.id
    audit.record(
        session,
        actor,
        Change(
            "chain.version", "chain", str(spec.id), before,
            {"version": number, "sha256": spec.sha256, "code": spec.code, "name": spec.name,
             "segments": len(spec.segments),
             "bottlenecks": sum(s.bottleneck for s in spec.segments)},
            f"chain {spec.id} {spec.code}: version {number}",
        ),
    )  # fmt: skip


def retire(session: Session, chain_id: int, actor: Actor, retired: bool = True) -> Chain:
    """Retire (or restore) a chain: it leaves the lists, its versions stay; audited."""
    chain = get_chain(session, chain_id)
    if chain.retired != retired:
        before = {"retired": chain.retired}
        chain.retired = retired
        chain.updated_at = utcnow()
        action = "chain.retire" if retired else "chain.restore"
        change = Change(action, "chain", str(chain_id), before, {"retired": retired})
        audit.record(session, actor, change)
        session.flush()
    return chain


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ChainSummary:
    """A row of the chain list."""

    id: int
    code: str
    name: str
    name_en: str | None
    version: int | None
    segments: int
    bottlenecks: int
    retired: bool
    person_in_charge: str | None


def list_chains(session: Session, include_retired: bool = False) -> list[ChainSummary]:
    """Every chain with its current version's numbers, by id (one query)."""
    counts = (
        select(
            Segment.version_id,
            func.count().label("n"),
            func.sum(case((Segment.bottleneck.is_(True), 1), else_=0)).label("b"),
        )
        .group_by(Segment.version_id)
        .subquery()
    )
    stmt = (
        select(Chain, ChainVersion.version, counts.c.n, counts.c.b)
        .outerjoin(ChainVersion, ChainVersion.id == Chain.version_id)
        .outerjoin(counts, counts.c.version_id == Chain.version_id)
        .order_by(Chain.id)
    )
    if not include_retired:
        stmt = stmt.where(Chain.retired.is_(False))
    return [
        ChainSummary(
            c.id,
            c.code,
            c.name,
            c.name_en,
            v,
            int(n or 0),
            int(b or 0),
            c.retired,
            c.person_in_charge,
        )  # fmt: skip
        for c, v, n, b in session.execute(stmt).all()
    ]


def active_chain_ids(session: Session) -> list[int]:
    """The ids of the chains not retired, in order."""
    stmt = select(Chain.id).where(Chain.retired.is_(False)).order_by(Chain.id)
    return list(session.scalars(stmt))


def get_chain(session: Session, chain_id: int) -> Chain:
    """A chain by id, or NotFound."""
    chain = session.get(Chain, chain_id)
    if chain is None:
        raise NotFound(f"no chain {chain_id}", code="chains.not_found", params={"id": chain_id})
    return chain


def versions(session: Session, chain_id: int) -> list[ChainVersion]:
    """Every version of a chain, newest first."""
    get_chain(session, chain_id)
    return list(
        session.scalars(
            select(ChainVersion)
            .where(ChainVersion.chain_id == chain_id)
            .order_by(ChainVersion.version.desc())
        )
    )


def get_version(session: Session, chain_id: int, version: int | None = None) -> ChainVersion:
    """A chain's current version, or the numbered one; NotFound when there is none."""
    chain = get_chain(session, chain_id)
    if version is None:
        row = session.get(ChainVersion, chain.version_id) if chain.version_id else None
    else:
        row = session.scalar(
            select(ChainVersion).where(
                ChainVersion.chain_id == chain_id, ChainVersion.version == version
            )
        )
    if row is None:
        if version:
            raise NotFound(
                f"chain {chain_id} has no version {version}",
                code="chains.no_version",
                params={"id": chain_id, "version": version},
            )
        raise NotFound(f"chain {chain_id} has no version yet", code="chains.no_version_yet",
                       params={"id": chain_id})  # fmt: skip
    return row


def segments(session: Session, version_id: int) -> list[Segment]:
    """A version's segments in stored order (each parent before its children)."""
    return list(
        session.scalars(
            select(Segment).where(Segment.version_id == version_id).order_by(Segment.id)
        )
    )


@dataclass
class Node:
    """A segment with its children, for showing a tree."""

    segment: Segment
    children: list[Node] = field(default_factory=list)
    depth: int = 0


def tree(rows: Sequence[Segment]) -> list[Node]:
    """The segments as a forest, children in their positions."""
    nodes = {s.code: Node(s) for s in rows}
    roots: list[Node] = []
    for s in sorted(rows, key=lambda r: r.position):
        node = nodes[s.code]
        parent = nodes.get(s.parent_code) if s.parent_code else None
        (parent.children if parent else roots).append(node)

    def depth(ns: list[Node], d: int) -> None:
        for n in ns:
            n.depth = d
            depth(n.children, d + 1)

    depth(roots, 0)
    return roots


def by_stream(rows: Sequence[Segment]) -> dict[str, list[Node]]:
    """Top-level segments grouped upstream → midstream → downstream, with their subtrees."""
    out: dict[str, list[Node]] = {"upstream": [], "midstream": [], "downstream": []}
    for node in tree(rows):
        out.setdefault(node.segment.stream, []).append(node)
    return out


def segment_dict(s: Segment) -> dict[str, Any]:
    """A segment as plain data (API, exports)."""
    return {
        "code": s.code, "parent": s.parent_code, "name": s.name, "name_en": s.name_en,
        "stream": s.stream, "position": s.position, "industry": list(s.industry_codes or []),
        "products": list(s.products or []), "keywords": list(s.keywords or []),
        "bottleneck": bool(s.bottleneck),
    }  # fmt: skip


def show_lines(session: Session, chain_id: int, version: int | None = None) -> list[str]:
    """The tree as indented text lines: stream, ★ for a bottleneck, industry classes."""
    chain = get_chain(session, chain_id)
    v = get_version(session, chain_id, version)
    lines = [f"{chain.id}\t{chain.name} ({chain.code}) v{v.version}"]

    def walk(nodes: list[Node]) -> None:
        for n in nodes:
            s = n.segment
            mark = " ★" if s.bottleneck else ""
            codes = f" [{', '.join(s.industry_codes)}]" if s.industry_codes else ""
            lines.append(f"{'  ' * (n.depth + 1)}{s.code} {s.name} ({s.stream}){mark}{codes}")
            walk(n.children)

    walk(tree(segments(session, v.id)))
    return lines
