"""Portrait snapshots: the registry's portraits frozen as of a date (Parquet), and a small
in-process cache of their frames.

A snapshot records the position of the registry's change log it was built at
(`enterprises.public.change_seq`). When the registry changed since, the next one is built
from it: only the changed enterprises' rows are computed and stored (a spliced snapshot,
`base_id` naming the one it splices into), so a write or an import of a thousand firms costs
the next "who qualifies" a fraction of a second instead of rebuilding a million portraits.
A snapshot is still never refreshed by itself: the newest of a date is what views read until
someone rebuilds it (the page's button, `refresh`, or an official run). After MAX_DEPTH
splices, or when a change touched everything (a chain, a high-growth list, a deleted
enterprise), the snapshot is built whole again."""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from datetime import date

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.errors import NotFound
from highland.policies.models import (
    PortraitSnapshot,
)
from highland.policies.rules.vector import CODE_PREFIX, QMASK, prepare

# --------------------------------------------------------------------------- snapshots


# Keyed by content (sha256), not id: a rolled-back or deleted snapshot's id can come back for
# other data (SQLite reuses ids; tests run two databases in one process).
_frames: OrderedDict[str, pl.DataFrame] = OrderedDict()
_FRAME_CACHE = 2
MAX_DEPTH = 24  # splices on one whole snapshot before it is built whole again
MAX_CHANGED = 100_000  # more changed enterprises than this: built whole


def _to_parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf, compression="zstd")
    return buf.getvalue()


def build_snapshot(
    session: Session, as_of: date, base: PortraitSnapshot | None = None
) -> PortraitSnapshot:
    """Freeze the registry's portraits as of a date (reused if identical to a stored one);
    spliced into `base` (a snapshot of the same date) when only some enterprises changed."""
    seq = registry.change_seq(session)  # read first: the rows read below are at least as new
    spliceable = base is not None and base.as_of == as_of and base.change_seq is not None
    if base is not None and spliceable and _depth(session, base) < MAX_DEPTH:
        assert base.change_seq is not None
        changed = registry.changed_since(session, base.change_seq, MAX_CHANGED)
        if changed == []:
            return base  # nothing a portrait reads has changed
        if changed is not None:
            return _splice_snapshot(session, as_of, base, seq, changed)
    frame = registry.portrait_frame(session, as_of).sort("uscc")
    data = _to_parquet(frame)
    sha = hashlib.sha256(data).hexdigest()
    row = session.scalar(select(PortraitSnapshot).where(PortraitSnapshot.sha256 == sha))
    if row is None:
        row = PortraitSnapshot(
            sha256=sha, as_of=as_of, rows=frame.height, data=data, change_seq=seq
        )
        session.add(row)
        session.flush()
    elif row.change_seq is None or row.change_seq < seq:
        row.change_seq = seq  # the same portraits: still current at the newer position
        session.flush()
    _remember(row.sha256, frame)
    return row


def _depth(session: Session, snap: PortraitSnapshot) -> int:
    """How many splices lie between a snapshot and its whole one."""
    depth, base_id = 0, snap.base_id
    while base_id is not None and depth <= MAX_DEPTH:
        depth += 1
        base_id = session.scalar(select(PortraitSnapshot.base_id).where(
            PortraitSnapshot.id == base_id))  # fmt: skip
    return depth


def splice(base: pl.DataFrame, changed: pl.DataFrame) -> pl.DataFrame:
    """`base` (sorted by uscc) with the rows of `changed` in place of its rows of the same
    USCCs, and the new ones added, still sorted by uscc: the frame a whole build gives when
    only those enterprises changed (a deleted enterprise or a changed USCC is never spliced)."""
    if changed.height == 0:
        return base
    # The portrait's own columns, then prepared again: what `prepare` adds (the qualification
    # mask, the integer codes, whose categories are the values present in one frame alone)
    # is computed over the spliced frame, as over a whole build.
    own = [c for c in changed.columns if c != QMASK and not c.startswith(CODE_PREFIX)]
    kept = base.select(own).filter(~pl.col("uscc").is_in(changed["uscc"].implode()))
    return prepare(kept.merge_sorted(changed.select(own).sort("uscc"), key="uscc"))


def _splice_snapshot(
    session: Session, as_of: date, base: PortraitSnapshot, seq: int, changed: list[int]
) -> PortraitSnapshot:
    base_frame = snapshot_frame(session, base)
    delta = registry.portrait_frame(session, as_of, enterprise_ids=changed).sort("uscc")
    data = _to_parquet(delta)
    sha = hashlib.sha256(base.sha256.encode() + data).hexdigest()
    row = session.scalar(select(PortraitSnapshot).where(PortraitSnapshot.sha256 == sha))
    frame = splice(base_frame, prepare(delta))
    if row is None:
        row = PortraitSnapshot(sha256=sha, as_of=as_of, rows=frame.height, data=data,
                               change_seq=seq, base_id=base.id)  # fmt: skip
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
    keeps its own, keyed by content, so it is never stale and losing it costs one read; a
    spliced snapshot is its base's frame with its rows spliced in)."""
    with _frames_lock:
        frame = _frames.get(snap.sha256)
        if frame is not None:
            _frames.move_to_end(snap.sha256)
            return frame
    # Down the splices to a frame in memory or a whole snapshot; then one splice of all their
    # rows, the newest of each enterprise winning (no splice ever removes an enterprise).
    deltas: list[pl.DataFrame] = []
    node = snap
    while True:
        with _frames_lock:
            found = _frames.get(node.sha256)
        if found is not None:
            base = found
            break
        rows = pl.read_parquet(io.BytesIO(node.data))
        if node.base_id is None:
            base = prepare(rows)
            break
        deltas.append(rows)
        node = get_snapshot(session, node.base_id)
    if not deltas:
        return _remember(snap.sha256, base)
    newest = pl.concat(deltas).unique("uscc", keep="first", maintain_order=True)
    return _remember(snap.sha256, splice(base, prepare(newest)))


def latest_snapshot(session: Session, as_of: date) -> PortraitSnapshot | None:
    """The newest stored snapshot for a date."""
    return session.scalar(
        select(PortraitSnapshot)
        .where(PortraitSnapshot.as_of == as_of)
        .order_by(func.coalesce(PortraitSnapshot.change_seq, -1).desc(), PortraitSnapshot.id.desc())
        .limit(1)
    )


def snapshot_for(session: Session, as_of: date, refresh: bool = False) -> PortraitSnapshot:
    """The snapshot official views read: the newest for the date, built when there is none or
    when asked to `refresh` it (then spliced into the newest from the enterprises changed since
    it was built, when that is possible; the same snapshot when nothing changed)."""
    snap = latest_snapshot(session, as_of)
    if snap is not None and not refresh:
        return snap
    return build_snapshot(session, as_of, base=snap)


def get_snapshot(session: Session, snapshot_id: int) -> PortraitSnapshot:
    """A stored portrait snapshot; NotFound when there is none."""
    snap = session.get(PortraitSnapshot, snapshot_id)
    if snap is None:
        raise NotFound(
            f"no portrait snapshot {snapshot_id}",
            code="policies.no_snapshot",
            params={"id": snapshot_id},
        )
    return snap
