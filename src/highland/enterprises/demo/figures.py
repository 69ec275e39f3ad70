"""Yearly figures of demo firms: qualifications, revenue-driven figures, venture rounds, and
the flat financials frame."""

from __future__ import annotations

import numpy as np
import polars as pl

from highland.enterprises.demo.columns import FINANCIAL_COLUMNS
from highland.enterprises.demo.industries import MFG, OUTPUT_KINDS, Industry
from highland.enterprises.demo.traits import QUALIFICATIONS
from highland.enterprises.demo.vectors import counts, fixed2, pick
from highland.enterprises.vocab import FIGURE_MONEY, USD_COLUMNS


def draw_qualifications(
    rng: np.random.Generator,
    n: int,
    last_year: int,
    company: np.ndarray,
    is_tech: np.ndarray,
    is_mfg: np.ndarray,
    log_rev: np.ndarray,
    found_year: np.ndarray,
) -> dict[str, np.ndarray]:
    """Which firm holds which qualification; value = issue year, 0 when not held."""
    old_enough = found_year <= last_year - 1
    smaller = log_rev < 8.3
    mid = (log_rev >= 7.0) & (log_rev <= 9.5)
    p = {
        "high_tech": np.where(is_tech, 0.15, np.where(is_mfg, 0.02, 0.004)) * old_enough,
        "tech_sme": np.where(is_tech, 0.22, np.where(is_mfg, 0.03, 0.0)) * smaller,
        "srdi": np.where(is_tech | is_mfg, 0.06, 0.0) * mid * old_enough,
        "little_giant": np.where(is_tech | is_mfg, 0.012, 0.0) * mid * old_enough,
        "innovative_sme": np.where(is_tech, 0.10, np.where(is_mfg, 0.03, 0.0)) * old_enough,
    }
    held: dict[str, np.ndarray] = {}
    for code, years_valid in QUALIFICATIONS:
        has = company & (rng.random(n) < p[code])
        # Certificates still in force mostly, with some recently lapsed ones for realism.
        issue = last_year - rng.integers(0, years_valid + 1, size=n)
        issue = np.maximum(issue, found_year + 1)
        held[code] = np.where(has & (issue <= last_year), issue, 0)
    # A "little giant" is by definition also an SRDI firm.
    held["srdi"] = np.where(
        (held["little_giant"] > 0) & (held["srdi"] == 0), held["little_giant"], held["srdi"]
    )
    return held


def yearly_figures(
    rng: np.random.Generator,
    revenue: np.ndarray,
    valid: np.ndarray,
    later: np.ndarray,
    firm_age: np.ndarray,
    kind: np.ndarray,
    rev_per_emp: np.ndarray,
    is_tech: np.ndarray,
    etype_i: np.ndarray,
    industries: list[Industry],
    industry_i: np.ndarray,
    high_tech: np.ndarray,
    ownership_i: np.ndarray,
) -> dict[str, np.ndarray]:
    """All yearly figures as (n, years) float matrices, NaN = missing."""
    # long: the figures depend on each other and are drawn in a fixed order (see
    # generator.generate); one column at a time, each commented.
    n, n_years = int(revenue.shape[0]), int(revenue.shape[1])
    shape = (n, n_years)
    is_mfg = kind == MFG

    # Headcount grows less than proportionally with revenue (elasticity 0.8), anchored so that a
    # ¥100m firm has revenue / (typical revenue per employee of its kind) staff.
    ln_emp = (
        np.log(1e8 / rev_per_emp)[:, None]
        + 0.8 * (np.log(revenue) - np.log(1e8))
        + rng.normal(0, 0.45, size=n)[:, None]
        + rng.normal(0, 0.05, size=shape)
    )
    employees = np.clip(np.rint(np.exp(ln_emp)), 1, 20_000)
    employees = np.where((etype_i == 1)[:, None], np.minimum(employees, 12), employees)

    tax_rate = rng.uniform(0.03, 0.08, size=n)[:, None]
    tax = revenue * tax_rate * np.exp(rng.normal(0, 0.08, size=shape))

    u = rng.random(n)
    rd_ratio = np.where(
        is_tech,
        rng.uniform(0.03, 0.15, size=n),
        np.where(
            is_mfg,
            np.where(u < 0.3, 0.0, rng.uniform(0.002, 0.04, size=n)),
            np.where(u < 0.65, 0.0, rng.uniform(0.001, 0.02, size=n)),
        ),
    )
    rd_ratio = np.where(high_tech > 0, np.maximum(rd_ratio, 0.04), rd_ratio)
    rd_ratio = np.where(etype_i == 1, 0.0, rd_ratio)
    rd = np.minimum(
        revenue * rd_ratio[:, None] * np.exp(rng.normal(0, 0.12, size=shape)), 0.15 * revenue
    )

    rd_share = np.where(is_tech, rng.uniform(0.1, 0.45, size=n), rng.uniform(0.02, 0.15, size=n))
    rd_staff = np.where(rd > 0, np.clip(np.rint(employees * rd_share[:, None]), 1, employees), 0)

    # Invention patents are a stock: what the firm held before the window, plus yearly grants.
    propensity = np.where(
        is_tech,
        rng.uniform(0.3, 2.0, size=n),
        np.where(is_mfg, rng.uniform(0.0, 0.5, size=n), rng.uniform(0.0, 0.1, size=n)),
    )
    lam = np.minimum(rd / 3e6 * propensity[:, None], 400.0)
    grants = rng.poisson(lam) * later
    first = valid & ~later
    prior_years = np.clip((firm_age * first).sum(axis=1), 0, 10)
    initial = rng.poisson(np.minimum((lam * first).sum(axis=1) * prior_years * 0.5, 5_000.0))
    patents = initial[:, None] + np.cumsum(grants, axis=1)

    asset_mult = np.array([ind.assets for ind in industries])[industry_i]
    assets = (
        revenue
        * (rng.uniform(0.5, 2.0, size=n) * asset_mult)[:, None]
        * np.exp(rng.normal(0, 0.06, size=shape))
    )

    has_output = np.isin(kind, OUTPUT_KINDS)
    output = np.where(has_output[:, None], revenue * rng.uniform(0.93, 1.1, size=shape), np.nan)

    last_round, valuation = _financing(rng, valid, firm_age, is_tech, etype_i, ownership_i)

    # Missing is not zero: blank cells where a firm did not report.
    def blank(values: np.ndarray, share: float) -> np.ndarray:
        return np.where(rng.random(shape) < share, np.nan, values.astype(np.float64))

    employees_f = blank(employees, 0.03)
    rd_staff_f = np.where(np.isnan(employees_f), np.nan, blank(rd_staff, 0.02))
    return {
        "revenue": revenue,
        "output_value": blank(output, 0.02),
        "tax_paid": blank(tax, 0.01),
        "employees": employees_f,
        "rd_spend": blank(rd, 0.05),
        "rd_staff": rd_staff_f,
        "invention_patents": blank(patents, 0.03),
        "total_assets": blank(assets, 0.04),
        "last_round_usd": last_round,
        "valuation_usd": valuation,
    }


def _financing(
    rng: np.random.Generator,
    valid: np.ndarray,
    firm_age: np.ndarray,
    is_tech: np.ndarray,
    etype_i: np.ndarray,
    ownership_i: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Venture rounds for ~5 % of young private tech firms: (last round, valuation) in USD."""
    n, n_years = int(valid.shape[0]), int(valid.shape[1])
    young = firm_age[:, -1] <= 8
    eligible = (etype_i == 0) & is_tech & young & np.isin(ownership_i, (0, 4))
    financed = eligible & (rng.random(n) < 0.05)
    first_valid = np.argmax(valid, axis=1)
    first_round = first_valid + np.floor(rng.random(n) * (n_years - first_valid)).astype(np.int64)
    # Median ~US$20m; the lognormal tail yields some US$100m-1bn and a handful of unicorns.
    start = 10.0 ** rng.normal(7.2, 0.55, size=n)
    step = rng.uniform(1.2, 2.5, size=(n, n_years))
    fraction = rng.uniform(0.08, 0.25, size=(n, n_years))
    new_round_roll = rng.random((n, n_years)) < 0.3
    valuation = np.full((n, n_years), np.nan)
    last_round = np.full((n, n_years), np.nan)
    for k in range(n_years):
        prev_v = valuation[:, k - 1] if k else np.full(n, np.nan)
        prev_r = last_round[:, k - 1] if k else np.full(n, np.nan)
        opens = k == first_round
        raises = (k > first_round) & new_round_roll[:, k]
        v = np.where(opens, start, np.where(raises, prev_v * step[:, k], prev_v))
        r = np.where(opens | raises, v * fraction[:, k], prev_r)
        valuation[:, k] = np.where(financed, v, np.nan)
        last_round[:, k] = np.where(financed, r, np.nan)
    return last_round, valuation


def financial_frame(
    uscc: pl.Series, fin: dict[str, np.ndarray], valid: np.ndarray, years: np.ndarray
) -> pl.DataFrame:
    """Flatten the (firm, year) matrices into one string row per firm and reported year."""
    firm, year_k = np.nonzero(valid)
    money = {*FIGURE_MONEY, *USD_COLUMNS}
    columns: dict[str, pl.Series] = {
        "uscc": uscc.gather(firm),
        "year": pick([str(y) for y in years], year_k),
    }
    for col in FINANCIAL_COLUMNS[2:]:
        flat = fin[col][valid]
        columns[col] = fixed2(flat) if col in money else counts(flat)
    return pl.DataFrame(columns)
