"""Criteria straight on numpy views of a prepared frame, with what a frame allows cached.

Most criteria of a policy library are a code tested against a few values (district, section,
division, size class, stage) or a number against bounds. For those, rules/bitset.py needs no
Polars query: a code criterion `in {a, b, c}` is the OR of one bitset per code value, and
those are computed once per frame (a snapshot frame is kept in memory across requests and
never changes); a numeric criterion is one or two numpy comparisons on the column's integers,
its validity bitmap saying where it is known. The other criteria (open sets such as chains,
Booleans, `!=`) are left to Polars (`pair` returns None).

Cached per frame, on first use: each column's integers (nulls as 0), its known rows as
words, and each code value's rows as words. `forget` drops a frame's cache (the bench times
a first call on a frame with it).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import numpy as np
import polars as pl

from highland.policies.rules.arrowbits import ones, word_count
from highland.policies.rules.fields import FIELDS, NUMERIC_KINDS
from highland.policies.rules.model import Criterion, qualification_bit

Pair = tuple[np.ndarray, np.ndarray]  # (T, F) words: known true, known false

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INTEGER = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)
_MAX_FRAMES = 4  # snapshot frames kept cached at once (each cache is a few MB)


def pack(bools: np.ndarray, n: int) -> np.ndarray:
    """numpy bools as uint64 words, 64 rows each (bits past n clear)."""
    out = np.zeros(word_count(n), dtype=np.uint64)
    packed = np.packbits(bools, bitorder="little")
    out.view(np.uint8)[: packed.size] = packed
    return out


class FrameBits:
    """The per-frame cache. Holds no reference to its frame (its key)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.all = ones(n)
        self.zero = np.zeros(word_count(n), dtype=np.uint64)
        self._ints: dict[str, np.ndarray] = {}
        self._known: dict[str, np.ndarray] = {}
        self._values: dict[tuple[str, int], np.ndarray] = {}

    def known(self, frame: pl.DataFrame, name: str) -> np.ndarray:
        """The rows where the column is not null, as words."""
        words = self._known.get(name)
        if words is None:
            column = frame.get_column(name)
            if column.null_count() == 0:
                words = self.all
            else:
                words = pack(column.is_not_null().to_numpy(), self.n)
            self._known[name] = words
        return words

    def ints(self, frame: pl.DataFrame, name: str) -> np.ndarray:
        """The column as int64 (a null as 0: read it with `known`)."""
        values = self._ints.get(name)
        if values is None:
            column = frame.get_column(name).to_physical()
            values = column.fill_null(0).cast(pl.Int64).to_numpy()
            self._ints[name] = values
        return values

    def value(self, frame: pl.DataFrame, name: str, code: int) -> np.ndarray:
        """The rows whose integer code (column `name`) is `code`, as words."""
        words = self._values.get((name, code))
        if words is None:
            codes = self.ints(frame, name)
            words = pack(codes == code, self.n) & self.known(frame, name)
            self._values[(name, code)] = words
        return words


_FRAMES: dict[int, tuple[weakref.ref[pl.DataFrame], FrameBits]] = {}


def of(frame: pl.DataFrame) -> FrameBits:
    """The frame's cache (made on first use; dropped with the frame)."""
    key = id(frame)
    held = _FRAMES.get(key)
    if held is not None and held[0]() is frame:
        return held[1]
    if len(_FRAMES) >= _MAX_FRAMES:
        _FRAMES.pop(next(iter(_FRAMES)))
    bits = FrameBits(frame.height)
    _FRAMES[key] = (weakref.ref(frame, lambda _r, key=key: _drop(key, _r)), bits)
    return bits


def _drop(key: int, ref: weakref.ref[pl.DataFrame]) -> None:
    held = _FRAMES.get(key)
    if held is not None and held[0] is ref:
        del _FRAMES[key]


def forget(frame: pl.DataFrame) -> None:
    """Drop the frame's cache: the next call builds it again."""
    _FRAMES.pop(id(frame), None)


def _range(values: np.ndarray, lo: int | None, hi: int | None, n: int) -> np.ndarray | None:
    """lo <= v <= hi as words (None: every row), exact for any Python int bounds."""
    if (lo is not None and lo > _INT64_MAX) or (hi is not None and hi < _INT64_MIN):
        return np.zeros(word_count(n), dtype=np.uint64)
    lo = None if lo is None or lo <= _INT64_MIN else lo
    hi = None if hi is None or hi >= _INT64_MAX else hi
    if lo is None and hi is None:
        return None
    if lo is None:
        return pack(values <= np.int64(hi), n)
    if hi is None:
        return pack(values >= np.int64(lo), n)
    # lo <= v <= hi  ⇔  (v - lo) mod 2**64 <= hi - lo, one pass (int64 wraps in numpy arrays).
    shifted = (values - np.int64(lo)).view(np.uint64)
    return pack(shifted <= np.uint64(hi - lo), n)


def _split(hit: np.ndarray | None, known: np.ndarray, bits: FrameBits, negated: bool) -> Pair:
    """(T, F) from the rows where the test holds (None: all) and the rows where it is known."""
    if hit is None:
        t, f = known.copy(), bits.zero.copy()
    else:
        t = hit & known
        f = known & ~hit
    return (f, t) if negated else (t, f)


def pair(frame: pl.DataFrame, bits: FrameBits, schema: Mapping[str, pl.DataType],
         codes: Mapping[str, Mapping[str, int]], c: Criterion) -> Pair | None:  # fmt: skip
    """The criterion's (T, F) words, or None when it is left to Polars.

    `codes` gives each coded field's integer code per value (rules/vector.py's prepare).
    """
    from highland.policies.rules.vector import CODE_PREFIX, QMASK

    spec, kind, name = FIELDS[c.field], c.kind, c.field
    dtype = schema.get(name)
    if dtype is None:
        return None
    if kind in ("exists", "missing"):
        known = bits.known(frame, name)
        t, f = known.copy(), bits.all & ~known
        return (t, f) if kind == "exists" else (f, t)
    if spec.kind in NUMERIC_KINDS and kind == "range" and dtype in _INTEGER:
        if c.lo is not None and c.hi is not None and c.lo > c.hi:
            return bits.zero.copy(), bits.known(frame, name).copy()
        return _split(_range(bits.ints(frame, name), c.lo, c.hi, bits.n),
                      bits.known(frame, name), bits, False)  # fmt: skip
    if spec.kind == "code" and kind in ("one_of", "none_of") and dtype == pl.String:
        table = codes.get(name)
        if table is None or not all(isinstance(x, str) for x in c.items):
            return None
        coded = CODE_PREFIX + name
        hit = bits.zero.copy()
        for code in sorted({table[x] for x in c.items if isinstance(x, str) and x in table}):
            hit |= bits.value(frame, coded, code)
        return _split(hit, bits.known(frame, coded), bits, kind == "none_of")
    if name == "qualifications" and kind in ("one_of", "none_of", "has_all") and QMASK in schema:
        mask = sum(qualification_bit(code) for code in {str(i) for i in c.items})
        q = bits.ints(frame, QMASK) & np.int64(mask)
        hit = pack(q == mask if kind == "has_all" else q != 0, bits.n)
        return _split(hit, bits.known(frame, QMASK), bits, kind == "none_of")
    return None
