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

import os
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, cast

import numpy as np
import polars as pl

from highland.policies.rules.arrowbits import ones, word_count
from highland.policies.rules.fields import FIELDS, NUMERIC_KINDS
from highland.policies.rules.model import Criterion, qualification_bit

Pair = tuple[np.ndarray, np.ndarray]  # (T, F) words: known true, known false
T = TypeVar("T")

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
        self._tests: dict[tuple[str, str, int], np.ndarray] = {}  # (column, test, operand)
        self._memo: dict[tuple[object, ...], object] = {}

    def memo(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """Anything else derived from the frame alone, made once."""
        if key not in self._memo:
            self._memo[key] = make()
        return cast(T, self._memo[key])

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
        """The column's integers (a null as 0: read it with `known`): int64, or the physical
        type of an Enum's codes (small integers, faster to compare)."""
        values = self._ints.get(name)
        if values is None:
            column = frame.get_column(name)
            if isinstance(column.dtype, pl.Enum):
                column = column.to_physical()
            else:
                column = column.cast(pl.Int64)
            values = column.fill_null(0).to_numpy()
            self._ints[name] = values
        return values

    def value(self, frame: pl.DataFrame, name: str, code: int) -> np.ndarray:
        """The rows whose integer code (column `name`) is `code`, as words."""
        return self._cached(frame, name, ("=", code), lambda v: v == code)

    def at_least(self, frame: pl.DataFrame, name: str, bound: int) -> np.ndarray:
        """The rows whose value is >= `bound` (any Python int), as words."""
        if bound <= _INT64_MIN:
            return self.known(frame, name)
        if bound > _INT64_MAX:
            return self.zero
        return self._cached(frame, name, (">=", bound), lambda v: v >= np.int64(bound))

    def flag(self, frame: pl.DataFrame, name: str, bit: int) -> np.ndarray:
        """The rows whose value has the bit `bit` set, as words."""
        return self._cached(frame, name, ("&", bit), lambda v: (v & np.int64(bit)) != 0)

    def _cached(self, frame: pl.DataFrame, name: str, key: tuple[str, int],
                test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:  # fmt: skip
        words = self._tests.get((name, *key))
        if words is None:
            words = pack(test(self.ints(frame, name)), self.n) & self.known(frame, name)
            self._tests[(name, *key)] = words
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

    def dropped(ref: weakref.ref[pl.DataFrame], key: int = key) -> None:
        _drop(key, ref)

    _FRAMES[key] = (weakref.ref(frame, dropped), bits)
    return bits


def _drop(key: int, ref: weakref.ref[pl.DataFrame]) -> None:
    held = _FRAMES.get(key)
    if held is not None and held[0] is ref:
        del _FRAMES[key]


def forget(frame: pl.DataFrame) -> None:
    """Drop the frame's cache: the next call builds it again."""
    _FRAMES.pop(id(frame), None)


def _range(frame: pl.DataFrame, bits: FrameBits, name: str, lo: int | None, hi: int | None
           ) -> np.ndarray | None:  # fmt: skip
    """The known rows with lo <= v <= hi as words (None: every row), from the cached
    `v >= bound` bitsets: [lo, hi] is ">= lo" and not ">= hi + 1"."""
    if lo is None and hi is None:
        return None
    hit = bits.at_least(frame, name, lo) if lo is not None else bits.known(frame, name)
    return hit if hi is None else hit & ~bits.at_least(frame, name, hi + 1)


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
        return _split(_range(frame, bits, name, c.lo, c.hi), bits.known(frame, name), bits, False)
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
        flags = [bits.flag(frame, QMASK, qualification_bit(code)) for code in
                 sorted({str(i) for i in c.items})]  # fmt: skip
        if not flags:  # holds all of nothing: true; any of nothing: false
            hit = bits.all if kind == "has_all" else bits.zero
        else:
            hit = flags[0].copy()
            for words in flags[1:]:
                if kind == "has_all":
                    hit &= words
                else:
                    hit |= words
        return _split(hit, bits.known(frame, QMASK), bits, kind == "none_of")
    return None


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                                   thread_name_prefix="framebits")  # fmt: skip
    return _POOL


def pairs(frame: pl.DataFrame, schema: Mapping[str, pl.DataType],
          codes: Mapping[str, Mapping[str, int]], criteria: Sequence[Criterion]
          ) -> list[Pair | None]:  # fmt: skip
    """`pair` of each criterion, in threads (numpy and Polars release the GIL): the columns
    first, then the tests, so that the first call on a frame builds its bitsets in parallel."""
    from highland.policies.rules.vector import CODE_PREFIX, QMASK

    bits = of(frame)
    names = set()
    for c in criteria:
        if FIELDS[c.field].kind == "code" and c.field in codes:
            names.add(CODE_PREFIX + c.field)
        elif c.field == "qualifications":
            names.add(QMASK)
        elif FIELDS[c.field].kind in NUMERIC_KINDS:
            names.add(c.field)
    names = {name for name in names if name in schema}
    pool = _pool()
    list(pool.map(lambda name: (bits.ints(frame, name), bits.known(frame, name)), sorted(names)))
    return list(pool.map(lambda c: pair(frame, bits, schema, codes, c), criteria))
