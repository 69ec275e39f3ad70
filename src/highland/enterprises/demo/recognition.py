"""What the recognitions test, for demo firms: main-business and high-tech revenue, S&T staff,
Class I and II intellectual property, equity raised, the niche-market start year and the level
of each qualification.

Drawn from a generator of their own (seeded from the demo's seed), after everything else, so
that the other columns of a given (n, seed) stay as they were. A few per cent of each column
is left blank: "lacks data" is real in the demo too.
"""

from __future__ import annotations

import numpy as np

from highland.enterprises.demo.traits import QUALIFICATIONS

STREAM = 1513  # the second entry of the seed sequence: this module's own draws
LEVELS = ("", "national", "provincial", "municipal")
# Per qualification: the chances of (not stated, national, provincial, municipal). Jiangsu
# keeps provincial 专精特新 lists; 小巨人 and 高企 are national; the SME lists provincial.
LEVEL_P: dict[str, tuple[float, float, float, float]] = {
    "high_tech": (0.05, 0.95, 0.0, 0.0),
    "tech_sme": (0.3, 0.0, 0.7, 0.0),
    "srdi": (0.08, 0.0, 0.8, 0.12),
    "little_giant": (0.05, 0.95, 0.0, 0.0),
    "innovative_sme": (0.2, 0.0, 0.7, 0.1),
}


def generator(seed: int) -> np.random.Generator:
    """This module's generator for a demo seed."""
    return np.random.default_rng([seed, STREAM])


def _blank(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    return np.where(rng.random(values.shape) < share, np.nan, values.astype(np.float64))


def recognition_figures(
    rng: np.random.Generator,
    fin: dict[str, np.ndarray],
    valid: np.ndarray,
    firm_age: np.ndarray,
    is_tech: np.ndarray,
    is_mfg: np.ndarray,
    company: np.ndarray,
    high_tech: np.ndarray,
) -> dict[str, np.ndarray]:
    """The six yearly figures as (n, years) float matrices (yuan, counts), NaN = missing."""
    revenue, employees = fin["revenue"], fin["employees"]
    n, n_years = int(revenue.shape[0]), int(revenue.shape[1])
    shape = (n, n_years)

    # 主营业务收入: 70–100 % of revenue, steady within a firm.
    main_share = np.clip(
        rng.uniform(0.70, 1.0, size=n)[:, None] * np.exp(rng.normal(0, 0.02, size=shape)), 0.7, 1
    )
    main = revenue * main_share

    # 高新技术产品（服务）收入: mostly at least 60 % for high-tech holders, less for others.
    holder = high_tech > 0
    strong = rng.random(n) < 0.9
    share = np.where(
        holder,
        np.where(strong, rng.uniform(0.6, 0.95, size=n), rng.uniform(0.35, 0.6, size=n)),
        np.where(
            is_tech,
            rng.uniform(0.0, 0.7, size=n),
            np.where(is_mfg, rng.uniform(0.0, 0.3, size=n), 0.0),
        ),
    )
    hightech = revenue * np.clip(share[:, None] * np.exp(rng.normal(0, 0.03, size=shape)), 0, 1)

    # 科技人员: 3–45 % of employees, higher in technology industries; never above employees.
    staff_share = np.where(
        is_tech, rng.uniform(0.12, 0.45, size=n), rng.uniform(0.03, 0.20, size=n)
    )
    staff_share = np.where(holder, np.maximum(staff_share, 0.1), staff_share)
    tech_staff = np.minimum(np.rint(employees * staff_share[:, None]), employees)

    # Ⅰ类 (invention patents, layout designs, new plant varieties …) and Ⅱ类 (utility models,
    # designs, software copyrights) in force: stocks that grow towards their last year.
    ramp = np.linspace(0.6, 1.0, n_years)[None, :]
    ip1_last = np.where(
        is_tech,
        rng.integers(0, 21, size=n),
        np.where(is_mfg, rng.integers(0, 4, size=n) * (rng.random(n) < 0.3), 0),
    )
    ip1_last = np.where(holder, np.maximum(ip1_last, 1), ip1_last)
    ip2_last = np.where(
        is_tech,
        rng.integers(0, 31, size=n),
        np.where(is_mfg, rng.integers(0, 11, size=n), rng.integers(0, 3, size=n)),
    )
    ip1 = np.floor(ip1_last[:, None] * ramp)
    ip2 = np.floor(ip2_last[:, None] * ramp)

    # 新增股权融资: some young technology companies raise in some years; the rest report 0.
    young = (firm_age[:, -1] <= 8) & company & is_tech
    raiser = young & (rng.random(n) < 0.3)
    raises = raiser[:, None] & (rng.random(shape) < 0.35) & valid
    amount = 10.0 ** rng.normal(7.0, 0.5, size=shape)  # median ¥10m
    equity = np.where(raises, amount, 0.0)

    missing_staff = np.isnan(employees)
    return {
        "main_revenue": _blank(rng, main, 0.03),
        "hightech_revenue": _blank(rng, hightech, 0.04),
        "tech_staff": np.where(missing_staff, np.nan, _blank(rng, tech_staff, 0.03)),
        "ip_class1": _blank(rng, ip1, 0.03),
        "ip_class2": _blank(rng, ip2, 0.04),
        "equity_raised": _blank(rng, equity, 0.05),
    }


def niche_since(
    rng: np.random.Generator,
    found_year: np.ndarray,
    last_year: int,
    is_mfg: np.ndarray,
    company: np.ndarray,
    log_rev: np.ndarray,
    srdi: np.ndarray,
) -> np.ndarray:
    """The year each firm began in its niche market; 0 when not stated."""
    n = found_year.shape[0]
    sme = log_rev < 9.0
    stated = company & (
        (srdi > 0) & (rng.random(n) < 0.9) | is_mfg & sme & (rng.random(n) < 0.4)
    )
    since = np.minimum(found_year + rng.integers(0, 5, size=n), last_year)
    return np.where(stated, since, 0)


def qualification_levels(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per qualification code, each firm's level suffix index into LEVELS (0: not stated)."""
    out: dict[str, np.ndarray] = {}
    for code, _ in QUALIFICATIONS:
        p = np.asarray(LEVEL_P[code])
        out[code] = rng.choice(len(LEVELS), size=n, p=p / p.sum())
    return out
