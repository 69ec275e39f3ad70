"""Portrait snapshots: the registry's portraits frozen as of a date (Parquet), and a small
in-process cache of their frames."""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.enterprises import public as registry
from highland.platform.errors import NotFound
from highland.policies.models import (
    PortraitSnapshot,
)
from highland.policies.rules.vector import prepare

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
    frame = registry.portrait_frame(session, as_of).sort("uscc")
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
