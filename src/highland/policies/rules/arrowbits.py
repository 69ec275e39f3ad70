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


def _copy_bits(address: int | None, bit_offset: int, length: int, out: np.ndarray, start: int
               ) -> bool:  # fmt: skip
    """Copy `length` bits at `address` (from `bit_offset`) into `out` from bit `start`.

    False when the bits are not byte-aligned on both sides (the caller converts otherwise).
    """
    if bit_offset % 8 or start % 8:
        return False
    nbytes = (length + 7) // 8
    if address is None:
        return False
    src = (ctypes.c_uint8 * nbytes).from_address(address + bit_offset // 8)
    view = out.view(np.uint8)
    view[start // 8 : start // 8 + nbytes] = np.frombuffer(memoryview(src), dtype=np.uint8)
    return True


def _slow(column: pl.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """(values, known) words through numpy bytes: the fallback for unexpected layouts."""
    n = column.len()

    def pack(s: pl.Series) -> np.ndarray:
        out = np.zeros(word_count(n), dtype=np.uint64)
        packed = np.packbits(s.cast(pl.UInt8).to_numpy().astype(bool), bitorder="little")
        out.view(np.uint8)[: packed.size] = packed
        return out

    return pack(column.fill_null(False)), pack(column.is_not_null())


def frame_words(frame: pl.DataFrame) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(values, known) uint64 words of each Boolean column of `frame`, in column order.

    `known` is None for a column without nulls. Bits past the frame's height are clear;
    `values` may hold set bits where `known` is clear.
    """
    n = frame.height
    width = frame.width
    if width == 0:
        return []
    words = word_count(n)
    values = np.empty((width, words), dtype=np.uint64)  # one block: fewer page faults
    if words:
        values[:, -1] = 0  # the copied bytes may end inside the last word
    valid: list[np.ndarray | None] = [None] * width
    exact = [True] * width
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
                ok = child.n_buffers == 2 and _copy_bits(
                    child.buffers[1], offset, rows, values[j], start
                )
                if ok and child.buffers[0] and child.null_count:
                    mask = valid[j]
                    if mask is None:  # the rows of earlier batches had no nulls: all known
                        mask = valid[j] = np.full(words, np.uint64(2**64 - 1), dtype=np.uint64)
                    ok = _copy_bits(child.buffers[0], offset, rows, mask, start)
                elif ok and valid[j] is not None:  # a batch without nulls after one with
                    mask = np.zeros(words, dtype=np.uint64)
                    _set_range(mask, start, rows)
                    valid[j] = valid[j] | mask
                exact[j] = exact[j] and ok
            start += rows
        finally:
            batch.release(ctypes.byref(batch))
    del capsule  # its destructor releases the stream
    blank = ones(n)
    out: list[tuple[np.ndarray, np.ndarray | None]] = []
    for j in range(width):
        if not exact[j]:
            out.append(_slow(frame.to_series(j)))
            continue
        row = values[j]
        row &= blank
        mask = valid[j]
        if mask is not None:
            mask &= blank  # the validity bitmap's bits past n are not ours
        out.append((row, mask))
    return out


def _set_range(words: np.ndarray, start: int, length: int) -> None:
    """Set bits [start, start + length) (start a multiple of 8)."""
    bits = unpack(np.zeros_like(words), words.size * 64)
    bits[start : start + length] = True
    packed = np.packbits(bits, bitorder="little")
    words.view(np.uint8)[:] |= packed


def unpack(words: np.ndarray, n: int) -> np.ndarray:
    """The first n bits as a numpy bool array."""
    return np.unpackbits(words.view(np.uint8), count=n, bitorder="little").view(bool)


def popcount(words: np.ndarray) -> int:
    """Number of set bits."""
    return int(np.bitwise_count(words).sum(dtype=np.int64))
