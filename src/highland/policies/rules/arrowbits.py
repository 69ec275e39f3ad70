"""Polars boolean columns as bit-packed words, read through the Arrow C stream interface.

A Polars Boolean column already is two bitmaps, values and validity (Arrow layout, least
significant bit first). `words` copies them into numpy uint64 words, 64 rows per word, without
turning each row into a byte first: the set-based engine's statuses are then word-wide bit
operations (rules/bitset.py). The Arrow C data interface is a stable ABI
(https://arrow.apache.org/docs/format/CDataInterface.html); a column whose layout this reader
does not expect (a bit offset inside a byte) is converted the slow way instead.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

import numpy as np
import polars as pl


class _Schema(ctypes.Structure):
    pass


_Schema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_Schema))),
    ("dictionary", ctypes.POINTER(_Schema)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(_Schema))),
    ("private_data", ctypes.c_void_p),
]


class _Array(ctypes.Structure):
    pass


_Array._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(_Array))),
    ("dictionary", ctypes.POINTER(_Array)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(_Array))),
    ("private_data", ctypes.c_void_p),
]


class _Stream(ctypes.Structure):
    pass


_Stream._fields_ = [
    (
        "get_schema",
        ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Stream), ctypes.POINTER(_Schema)),
    ),
    ("get_next", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Stream), ctypes.POINTER(_Array))),
    ("get_last_error", ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.POINTER(_Stream))),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(_Stream))),
    ("private_data", ctypes.c_void_p),
]

_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def word_count(n: int) -> int:
    """uint64 words holding n bits."""
    return (n + 63) // 64


def ones(n: int) -> np.ndarray:
    """n set bits (the bits past n clear)."""
    out = np.full(word_count(n), np.uint64(2**64 - 1), dtype=np.uint64)
    if n % 64:
        out[-1] = np.uint64((1 << (n % 64)) - 1)
    return out


def _bytes(address: int | None, bit_offset: int, length: int) -> np.ndarray | None:
    """The bytes holding `length` bits at `address` from `bit_offset`, as a numpy view (None
    when there is no buffer or the bits do not start on a byte)."""
    if not address or bit_offset % 8:
        return None
    nbytes = (length + 7) // 8
    src = (ctypes.c_uint8 * nbytes).from_address(address + bit_offset // 8)
    return np.frombuffer(memoryview(src), dtype=np.uint8)


# visit(column, first row, rows, values bytes, validity bytes, whether it has nulls)
Visit = Callable[[int, int, int, "np.ndarray | None", "np.ndarray | None", bool], None]


def _each_batch(frame: pl.DataFrame, visit: Visit) -> None:
    """Call `visit` for each Boolean column of each Arrow batch of the frame; the views are
    valid only during the call."""
    width = frame.width
    capsule = frame.__arrow_c_stream__()  # owns the stream: kept until the loop ends
    stream = _Stream.from_address(_capsule_pointer(capsule, b"arrow_array_stream"))
    start = 0
    while True:
        batch = _Array()
        if stream.get_next(ctypes.byref(stream), ctypes.byref(batch)) != 0:
            raise RuntimeError("arrow stream: get_next failed")
        if not batch.release:
            break
        try:
            rows = batch.length
            if batch.n_children != width:
                raise RuntimeError("arrow stream: unexpected batch layout")
            for j in range(width):
                child = batch.children[j].contents
                offset = child.offset + batch.offset
                two = child.n_buffers == 2
                values = _bytes(child.buffers[1], offset, rows) if two else None
                nulls = bool(child.null_count)
                valid = _bytes(child.buffers[0], offset, rows) if two and nulls else None
                visit(j, start, rows, values, valid, nulls)
            start += rows
        finally:
            batch.release(ctypes.byref(batch))
    del capsule  # its destructor releases the stream


def _slow(column: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(T, F) words through numpy bytes: the fallback for unexpected layouts."""
    n = column.len()

    def pack(s: pl.Series) -> np.ndarray:
        out = np.zeros(word_count(n), dtype=np.uint64)
        packed = np.packbits(s.cast(pl.UInt8).to_numpy().astype(bool), bitorder="little")
        out.view(np.uint8)[: packed.size] = packed
        return out

    return pack(column.fill_null(False)), pack(column.not_().fill_null(False))


def frame_pairs(frame: pl.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """(T, F) uint64 words of each Boolean column: the rows known true, the rows known false.

    Read straight from the Arrow bitmaps: T = values & valid, F = ~values & valid. Bits past
    the frame's height are clear.
    """
    n, width = frame.height, frame.width
    words = word_count(n)
    block = np.empty((2 * width, words), dtype=np.uint64)  # one block: fewer page faults
    if words:
        block[:, -1] = 0  # the bytes written may end inside the last word
    exact = [True] * width

    def visit(j: int, start: int, rows: int, values: np.ndarray | None,
              valid: np.ndarray | None, nulls: bool) -> None:  # fmt: skip
        if values is None or start % 8 or (nulls and valid is None):
            exact[j] = False
            return
        first = start // 8
        t = block[2 * j].view(np.uint8)[first : first + values.size]
        f = block[2 * j + 1].view(np.uint8)[first : first + values.size]
        np.invert(values, out=f)
        if valid is None:
            t[:] = values
        else:
            np.bitwise_and(values, valid, out=t)
            f &= valid

    if width:
        _each_batch(frame, visit)
    if words:
        block[:, -1] &= ones(n)[-1]  # bits past n are not rows
    return [
        (block[2 * j], block[2 * j + 1]) if exact[j] else _slow(frame.to_series(j))
        for j in range(width)
    ]


def unpack(words: np.ndarray, n: int) -> np.ndarray:
    """The first n bits as a numpy bool array."""
    return np.unpackbits(words.view(np.uint8), count=n, bitorder="little").view(bool)


def popcount(words: np.ndarray) -> int:
    """Number of set bits."""
    return int(np.bitwise_count(words).sum(dtype=np.int64))


# --- words as a Polars Boolean column, without a copy --------------------------------------

_ReleaseSchema = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Schema))
_ReleaseArray = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Array))
_EXPORTED: dict[int, object] = {}  # what an exported array points into, until released


@_ReleaseSchema
def _release_schema(schema: ctypes._Pointer[_Schema]) -> None:
    schema.contents.release = _ReleaseSchema()


@_ReleaseArray
def _release_array(array: ctypes._Pointer[_Array]) -> None:
    _EXPORTED.pop(array.contents.private_data, None)
    array.contents.release = _ReleaseArray()


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class _Bits:
    """uint64 words offered through the Arrow PyCapsule interface as a Boolean array: the
    consumer moves the structures and calls `_release_array` when it drops the buffer."""

    def __init__(self, words: np.ndarray, n: int) -> None:
        self.words = np.ascontiguousarray(words)
        self.n = n
        self.structs: tuple[_Schema, _Array] | None = None

    def __arrow_c_array__(self, requested_schema: object = None) -> tuple[object, object]:
        schema = _Schema(format=b"b", release=_release_schema)
        buffers = (ctypes.c_void_p * 2)(None, self.words.ctypes.data)
        key = id(buffers)
        _EXPORTED[key] = (self.words, buffers)
        array = _Array(length=self.n, n_buffers=2, buffers=buffers, release=_release_array,
                       private_data=key)  # fmt: skip
        self.structs = (schema, array)  # alive until the consumer has moved them
        return (_capsule_new(ctypes.addressof(schema), b"arrow_schema", None),
                _capsule_new(ctypes.addressof(array), b"arrow_array", None))  # fmt: skip


def boolean_series(words: np.ndarray, n: int, name: str = "") -> pl.Series:
    """The first n bits of the words as a Polars Boolean Series (no nulls), sharing the
    words' memory (kept alive until Polars drops it)."""
    return pl.Series(_Bits(words, n)).alias(name)
