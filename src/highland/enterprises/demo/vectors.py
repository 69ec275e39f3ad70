"""Vectorised helpers of the demo generator: picking, dates, amounts and USCC columns."""

from __future__ import annotations

import numpy as np
import polars as pl

from highland.platform.kit.uscc import ALPHABET, make_uscc

# --- Helpers ---------------------------------------------------------------------------------


def pick(values: list[str] | tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(idx)


def choice(
    rng: np.random.Generator, weights: list[float] | tuple[float, ...], size: int
) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def day_numbers(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for vectors of (year, month, day)."""
    ym = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1).astype(
        "timedelta64[M]"
    )
    return ym.astype("datetime64[D]").astype(np.int64) + (day - 1)


_CENTS = pl.Series([f".{i:02d}" for i in range(100)], dtype=pl.String)


def date_strings(days: np.ndarray) -> pl.Series:
    """ISO dates for day numbers since 1970-01-01."""
    # Formatting each date is slow; gathering from a table of the few thousand distinct days
    # the generator uses is not.
    if days.size == 0:
        return pl.Series([], dtype=pl.String)
    lo = int(days.min())
    table = (
        pl.Series(np.arange(lo, int(days.max()) + 1, dtype=np.int32))
        .cast(pl.Date)
        .dt.to_string("%Y-%m-%d")
    )
    return table.gather(days - lo)


def fixed2(values: np.ndarray) -> pl.Series:
    """Non-negative amounts (NaN = missing) as strings with exactly two decimals."""
    cents = pl.Series(np.rint(values * 100.0), nan_to_null=True).cast(pl.Int64)
    return pl.select(
        pl.concat_str([(cents // 100).cast(pl.String), _CENTS.gather(cents % 100)])
    ).to_series()


def counts(values: np.ndarray) -> pl.Series:
    """Counts (NaN = missing) as integer strings."""
    return pl.Series(values, nan_to_null=True).cast(pl.Int64).cast(pl.String)


_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
# GB 11714 values letters by their place in A-Z (base 36), not by their USCC alphabet index.
_ORG_VALUE = np.array([int(ch, 36) for ch in ALPHABET], dtype=np.int64)


def alphabet_values(codes: list[str]) -> np.ndarray:
    return np.array([[ALPHABET.index(ch) for ch in code] for code in codes], dtype=np.int64)


def uscc_column(reg: np.ndarray, region: np.ndarray, body: np.ndarray) -> np.ndarray:
    """USCC byte strings from alphabet-value matrices: reg (n,2), region (n,6), body (n,8)."""
    # Same arithmetic as make_uscc, vectorised: calling make_uscc per row costs ~7 s a million.
    n = body.shape[0]
    org_sum = (_ORG_VALUE[body] * _ORG_WEIGHTS).sum(axis=1)
    org_check = 11 - org_sum % 11  # 1..11; 10 is written 'X', 11 is written '0'
    org_check = np.where(org_check == 11, 0, org_check)
    org_check = np.where(org_check == 10, ALPHABET.index("X"), org_check)
    values = np.empty((n, 18), dtype=np.int64)
    values[:, 0:2] = reg
    values[:, 2:8] = region
    values[:, 8:16] = body
    values[:, 16] = org_check
    values[:, 17] = (31 - (values[:, :17] * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    return np.ascontiguousarray(_ALPHABET_BYTES[values]).view("S18").ravel()


def org_bodies(idx: np.ndarray, new_style: np.ndarray) -> np.ndarray:
    """Unique 8-character organisation-code bodies (alphabet values) derived from row indices."""
    # Firms registered since the 2015 reform get "MA" + 6 base-31 characters, older ones the
    # 8-digit numeric codes of the old system. Each branch is an affine bijection of the index
    # (multipliers coprime to 31**6 and 10**8) and the two never overlap (letters vs digits),
    # so bodies are unique for any n up to MAX_N.
    new = (idx * 7_368_787 + 1_234_567) % 31**6
    old = (idx * 7_919 + 13_572_468) % 10**8
    new_body = np.empty((idx.shape[0], 8), dtype=np.int64)
    old_body = np.empty((idx.shape[0], 8), dtype=np.int64)
    new_body[:, 0] = ALPHABET.index("M")
    new_body[:, 1] = ALPHABET.index("A")
    for pos in range(7, 1, -1):
        new_body[:, pos] = new % 31
        new //= 31
    for pos in range(7, -1, -1):
        old_body[:, pos] = old % 10  # a digit's alphabet value is the digit itself
        old //= 10
    return np.where(new_style[:, None], new_body, old_body)


def cross_check_uscc(
    uscc: pl.Series,
    region_codes: list[str],
    region_i: np.ndarray,
    etype_codes: list[str],
    etype_i: np.ndarray,
    body_vals: np.ndarray,
) -> None:
    """Compare a spread of vectorised codes with make_uscc, the reference construction."""
    n = uscc.len()
    if n == 0:
        return
    for i in np.unique(np.linspace(0, n - 1, num=min(n, 64)).astype(np.int64)):
        body = "".join(ALPHABET[v] for v in body_vals[i])
        expected = make_uscc(region_codes[region_i[i]], body, etype_codes[etype_i[i]])
        if uscc[int(i)] != expected:
            raise RuntimeError(f"vectorised USCC {uscc[int(i)]} != make_uscc {expected}")
