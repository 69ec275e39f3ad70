"""Deterministic synthetic policies (YAML in the rule format) and portrait frames for benchmarks.

- `policies_yaml(n, seed)`: n realistic support policies, 2–5 criteria each, over numeric, code,
  bool and set fields, with some `any` / `not` nesting, `stages`, dated thresholds and amounts
  such as ``min(rd_spend * 0.1, 2000000)``. Every policy is in force at AS_OF.
  With `missing` > 0, that share of the policies also reads one of the recognitions' criteria
  (`RECOGNITION_CRITERIA`: S&T staff share, 3-year R&D intensity, qualification levels …) as
  one more required criterion, so the bench covers the fields the recognitions test.
- `portrait_frame(n, seed)`: n enterprises in the portrait frame's integer representation
  (money in fen, USD in cents, ratios in millionths, counts and years as integers; null for
  missing, 5–15 % per numeric field), columns and types of `snapshot.PORTRAIT_SCHEMA`. A
  column the schema gains that is not generated here is missing for every enterprise (an
  empty set for a set field), so the frame always has the portrait's columns.

Nothing here reads the database; numpy's seeded generator makes a million rows in about a
second, and the same (n, seed) always gives the same frame and the same rules.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from highland.enterprises.snapshot import PORTRAIT_SCHEMA
from highland.policies.rules.fields import FIELDS, QUALIFICATION_CODES

# The recognitions' criteria a generated policy may read (see `missing` above).
RECOGNITION_CRITERIA = frozenset({
    "tech_staff_share", "rd_intensity_3y", "hightech_revenue_share", "main_revenue_share",
    "ip_class1", "niche_years", "equity_raised_2y", "qualification_levels",
})  # fmt: skip

AS_OF = date(2025, 9, 1)
FIGURES_YEAR = AS_OF.year - 1

# Nanjing's districts (the demo's codes and weights: Jiangning, Qixia, Yuhuatai, Jianye lead).
DISTRICTS = {
    "320102": 5, "320104": 6, "320105": 10, "320106": 8, "320111": 6, "320113": 12,
    "320114": 11, "320115": 22, "320116": 4, "320117": 4, "320118": 3, "320100-JBXQ": 5,
}  # fmt: skip
# Industry sections (GB/T 4754) with shares and the divisions drawn within them.
SECTIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "A": (1.0, ("01", "02", "03", "05")),
    "B": (0.3, ("06", "10")),
    "C": (24.0, tuple(f"{d:02d}" for d in range(13, 44))),
    "D": (0.8, ("44", "45")),
    "E": (4.0, ("47", "48", "50")),
    "F": (1.5, ("49",)),
    "G": (22.0, ("51", "52")),
    "H": (3.0, ("61", "62")),
    "I": (12.0, ("63", "64", "65")),
    "J": (1.0, ("66", "67", "68", "69")),
    "K": (3.0, ("70",)),
    "L": (6.0, ("71", "72")),
    "M": (10.0, ("73", "74", "75")),
    "N": (1.5, ("76", "77", "78")),
    "O": (3.0, ("80", "81", "82")),
    "P": (1.0, ("83",)),
    "Q": (1.0, ("84", "85")),
    "R": (2.5, ("86", "87", "88", "89", "90")),
    "S": (0.5, ("91",)),
}
TECH_SECTIONS = ("C", "I", "M")
OWNERSHIPS = {"private": 85, "state": 5, "collective": 2, "foreign": 5, "hmt": 3}
FOREIGN = ("US", "JP", "DE", "KR", "SG", "FR", "GB")


# --------------------------------------------------------------------------- the frame


def _weighted(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = list(table)
    w = np.array([table[k] for k in keys], dtype=np.float64)
    return rng.choice(len(keys), size=n, p=w / w.sum())


def _pick(values: list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(idx)


def _blank(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """Values as a masked array: `share` of them missing (at random)."""
    return np.ma.array(values, mask=rng.random(values.shape[0]) < share)


def _col(name: str, values: np.ndarray | np.ma.MaskedArray) -> pl.Series:
    if isinstance(values, np.ma.MaskedArray):
        data = np.asarray(values.data)
        return pl.Series(name, data, dtype=pl.Int64).scatter(np.flatnonzero(values.mask), None)
    return pl.Series(name, values, dtype=pl.Int64)


def portrait_frame(n: int, seed: int) -> pl.DataFrame:
    """n synthetic enterprise portraits in the integer representation (see the module doc)."""
    rng = np.random.default_rng(seed)
    district = _pick(list(DISTRICTS), _weighted(rng, DISTRICTS, n))
    sec_keys = list(SECTIONS)
    sec_i = _weighted(rng, {k: v[0] for k, v in SECTIONS.items()}, n)
    section = _pick(sec_keys, sec_i)
    # Divisions: one flat table of (section, division); each row picks within its section.
    flat = [d for k in sec_keys for d in SECTIONS[k][1]]
    first = np.cumsum([0] + [len(SECTIONS[k][1]) for k in sec_keys])[:-1]
    sizes = np.array([len(SECTIONS[k][1]) for k in sec_keys])
    div_i = first[sec_i] + (rng.random(n) * sizes[sec_i]).astype(np.int64)
    division = _pick(flat, div_i)
    industry = division + pl.Series(rng.integers(10, 100, size=n)).cast(pl.String)
    tech_i = np.array([sec_keys.index(k) for k in TECH_SECTIONS])
    is_tech = np.isin(sec_i, tech_i)
    is_mfg = sec_i == sec_keys.index("C")

    age = np.minimum(rng.exponential(9.0, size=n).astype(np.int64), 60)
    own_i = _weighted(rng, OWNERSHIPS, n)
    ownership = _pick(list(OWNERSHIPS), own_i)
    country_i = np.where(own_i == 3, 1 + rng.integers(0, len(FOREIGN), n), 0)
    country_i = np.where(own_i == 4, len(FOREIGN) + 1, country_i)
    country = _pick(["CN", *FOREIGN, "HK"], country_i)

    # Revenue: log-normal, median ¥6m, a tail of large firms; tech and manufacturing larger.
    log_rev = rng.normal(6.8, 0.95, size=n) + 0.25 * is_mfg + 0.1 * is_tech
    rev_yuan = 10.0**log_rev
    revenue = np.rint(rev_yuan * 100).astype(np.int64)
    employees = np.clip(
        np.rint(np.exp(0.8 * np.log(rev_yuan / 4e5) + rng.normal(0, 0.5, n))), 1, 30_000
    ).astype(np.int64)
    rd_ratio = np.where(
        is_tech,
        rng.uniform(0.005, 0.14, n),
        np.where(rng.random(n) < 0.6, 0.0, rng.uniform(0.001, 0.03, n)),
    )
    rd_spend = np.rint(revenue * rd_ratio).astype(np.int64)
    rd_staff = np.where(
        rd_spend > 0, np.maximum(1, np.rint(employees * rng.uniform(0.05, 0.4, n))), 0
    ).astype(np.int64)
    tax_paid = np.rint(revenue * rng.uniform(0.0, 0.08, n)).astype(np.int64)
    output = np.rint(revenue * rng.uniform(0.9, 1.1, n)).astype(np.int64)
    assets = np.rint(revenue * rng.uniform(0.4, 2.5, n)).astype(np.int64)
    patents = rng.poisson(np.minimum(rd_spend / 3e8, 300.0)).astype(np.int64)
    growth = np.rint(np.clip(rng.normal(0.08, 0.25, n), -0.9, 5.0) * 1e6).astype(np.int64)
    cagr = np.rint(np.clip(rng.normal(0.06, 0.2, n), -0.6, 3.0) * 1e6).astype(np.int64)
    financed = is_tech & (age <= 10) & (rng.random(n) < 0.06)
    valuation = np.rint(10.0 ** rng.normal(7.4, 0.7, n) * 100).astype(np.int64)
    last_round = np.rint(valuation * rng.uniform(0.08, 0.25, n)).astype(np.int64)

    # Missing values: 5–15 % per numeric field, at random.
    shares = dict(
        zip(
            ("revenue", "employees", "rd_spend", "rd_staff", "tax_paid", "output_value",
             "total_assets", "invention_patents", "revenue_growth", "revenue_cagr_3y",
             "age_years"),
            rng.uniform(0.05, 0.15, 11),
            strict=True,
        )
    )  # fmt: skip
    rev_m = _blank(rng, revenue, shares["revenue"])
    rd_m = _blank(rng, rd_spend, shares["rd_spend"])
    emp_m = _blank(rng, employees, shares["employees"])
    age_m = _blank(rng, age, shares["age_years"])
    growth_m = _blank(rng, growth, shares["revenue_growth"])
    growth_m.mask |= rev_m.mask
    cagr_m = _blank(rng, cagr, shares["revenue_cagr_3y"])
    cagr_m.mask |= rev_m.mask
    # rd_intensity = rd_spend / revenue in millionths, half-up, as the portrait derives it.
    safe = np.where(revenue == 0, 1, revenue)
    intensity = np.ma.array(
        (2 * rd_spend * 1_000_000 + safe) // (2 * safe), mask=rev_m.mask | rd_m.mask
    )

    # Qualifications: tech firms hold them far more often.
    quals = {
        "high_tech": np.where(is_tech, 0.15, np.where(is_mfg, 0.03, 0.004)) * (age >= 1),
        "tech_sme": np.where(is_tech, 0.22, 0.02) * (log_rev < 8.3),
        "innovative_sme": np.where(is_tech, 0.10, 0.02),
        "srdi": np.where(is_tech | is_mfg, 0.06, 0.0) * (log_rev > 6.5),
        "little_giant": np.where(is_tech | is_mfg, 0.012, 0.0) * (log_rev > 7.0),
        "single_champion": np.where(is_mfg, 0.002, 0.0) * (log_rev > 8.5),
        "tech_center": np.where(is_tech, 0.02, 0.002) * (log_rev > 7.5),
    }
    mask = np.zeros(n, dtype=np.int64)
    for bit, code in enumerate(QUALIFICATION_CODES):
        mask |= (rng.random(n) < quals[code]).astype(np.int64) << bit
    lookup = pl.DataFrame(
        {
            "__m": list(range(1 << len(QUALIFICATION_CODES))),
            "qualifications": [
                sorted(c for b, c in enumerate(QUALIFICATION_CODES) if m >> b & 1)
                for m in range(1 << len(QUALIFICATION_CODES))
            ],
        },
        schema={"__m": pl.Int64, "qualifications": pl.List(pl.String)},
    )

    listed = pl.Series("listed", (rng.random(n) < 0.006) & (log_rev > 7.5))
    listed = listed.scatter(np.flatnonzero(rng.random(n) < 0.05), None)

    # Size class and lifecycle stage, derived the way the portrait does in spirit (simplified).
    rev_s, emp_s = _col("r", rev_m), _col("e", emp_m)
    age_s, growth_s = _col("a", age_m), _col("g", growth_m)
    size = (
        pl.DataFrame([rev_s, emp_s])
        .select(
            pl.when(pl.col("r").is_null() & pl.col("e").is_null())
            .then(None)
            .when((pl.col("r") >= 4e10) & (pl.col("e") >= 1000))
            .then(pl.lit("large"))
            .when((pl.col("r") >= 2e9) & (pl.col("e") >= 300))
            .then(pl.lit("medium"))
            .when((pl.col("r").fill_null(0) >= 3e8) | (pl.col("e").fill_null(0) >= 20))
            .then(pl.lit("small"))
            .otherwise(pl.lit("micro"))
        )
        .to_series()
    )
    stage = (
        pl.DataFrame([age_s, growth_s])
        .select(
            pl.when(pl.col("a").is_null())
            .then(None)
            .when(pl.col("a") <= 3)
            .then(pl.lit("startup"))
            .when(pl.col("g").is_null())
            .then(None)
            .when(pl.col("g") >= 200_000)
            .then(pl.lit("growth"))
            .when(pl.col("g") >= 50_000)
            .then(pl.lit("expansion"))
            .otherwise(pl.lit("mature"))
        )
        .to_series()
    )
    uscc = pl.Series("uscc", np.arange(n, dtype=np.int64)).cast(pl.String).str.zfill(9)
    columns = {
        "uscc": pl.concat_str([pl.lit("91320100"), pl.lit("X"), uscc]).alias("uscc"),
        "district": district,
        "industry": industry,
        "industry_section": section,
        "industry_division": division,
        "age_years": age_s,
        "ownership": ownership,
        "country": country,
        "listed": listed,
        "size_class": size,
        "revenue": rev_s,
        "output_value": _col("", _blank(rng, output, shares["output_value"])),
        "tax_paid": _col("", _blank(rng, tax_paid, shares["tax_paid"])),
        "employees": emp_s,
        "rd_spend": _col("", rd_m),
        "rd_staff": _col("", _blank(rng, rd_staff, shares["rd_staff"])),
        "rd_intensity": _col("", intensity),
        "invention_patents": _col("", _blank(rng, patents, shares["invention_patents"])),
        "total_assets": _col("", _blank(rng, assets, shares["total_assets"])),
        "revenue_growth": growth_s,
        "revenue_cagr_3y": _col("", cagr_m),
        "lifecycle_stage": stage,
        "valuation_usd": _col("", np.ma.array(valuation, mask=~financed)),
        "last_round_usd": _col("", np.ma.array(last_round, mask=~financed)),
        "figures_year": pl.Series(np.full(n, FIGURES_YEAR, dtype=np.int64)),
        "__m": pl.Series(mask),
    }
    frame = pl.select(**columns).join(lookup, on="__m", how="left", maintain_order="left")
    # Columns not generated here (the chains and segments among them: the generated policies
    # never ask for a chain or a segment) are missing for everyone; a set is known empty.
    absent = [(name, kind) for name, kind in PORTRAIT_SCHEMA.items() if name not in frame.columns]
    frame = frame.with_columns(
        pl.lit([] if isinstance(kind, pl.List) else None, dtype=kind).alias(name)
        for name, kind in absent
    )
    # The recognition criteria, from a generator of their own (the draws above stay the same).
    frame = frame.with_columns(**_recognition(np.random.default_rng([seed, 1513]), n))
    return frame.select(pl.col(c).cast(t) for c, t in PORTRAIT_SCHEMA.items())


def _recognition(rng: np.random.Generator, n: int) -> dict[str, pl.Series | pl.Expr]:
    """Plausible recognition fields (integer representation), 5–15 % missing each."""

    def ints(low: float, high: float) -> pl.Series:
        values = np.rint(rng.uniform(low, high, n)).astype(np.int64)
        return _col("", _blank(rng, values, float(rng.uniform(0.05, 0.15))))

    revenue = pl.col("revenue")
    return {
        "main_revenue": (revenue * rng.uniform(0.7, 1.0)).cast(pl.Int64),
        "hightech_revenue": (revenue * rng.uniform(0.0, 0.9)).cast(pl.Int64),
        "tech_staff": ints(0, 60), "ip_class1": ints(0, 20), "ip_class2": ints(0, 30),
        "equity_raised_2y": ints(0, 5e9), "equity_raised_3y": ints(0, 8e9),
        "rd_spend_2y": ints(0, 2e9), "rd_intensity_3y": ints(0, 150_000),
        "rd_intensity_min_2y": ints(0, 120_000), "tech_staff_share": ints(0, 450_000),
        "rd_staff_share": ints(0, 400_000), "hightech_revenue_share": ints(0, 950_000),
        "main_revenue_share": ints(700_000, 1_000_000),
        "main_revenue_growth_2y": ints(-300_000, 800_000), "niche_years": ints(0, 25),
        "tech_sme_score": ints(0, 100),
        "qualification_levels": pl.lit([], dtype=pl.List(pl.String)),
    }  # fmt: skip


# --------------------------------------------------------------------------- the policies


def _num(x: float | int) -> str:
    """A number as the rules write it (no exponent, no trailing zeros)."""
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _crit(field: str, op: str, value: str) -> str:
    return f'{{field: {field}, op: "{op}", value: {value}}}'


def _codes(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


class _Gen:
    """Draws criteria from realistic templates with one seeded random.Random."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    # Each template returns (field, YAML text) for one criterion.
    def numeric(self, effective: date) -> tuple[str, str]:
        r = self.r
        field, op, choices = r.choice(
            [
                ("revenue", ">=", [5e6, 1e7, 2e7, 5e7, 1e8, 5e8, 1e9]),
                ("revenue", "<=", [2e7, 5e7, 2e8]),
                ("rd_intensity", ">=", [0.03, 0.04, 0.05, 0.06, 0.08]),
                ("employees", "<=", [100, 300, 500, 1000]),
                ("employees", ">=", [20, 50, 100, 500]),
                ("age_years", "<=", [3, 5, 8, 10]),
                ("age_years", ">=", [1, 2, 3]),
                ("revenue_growth", ">=", [0.1, 0.15, 0.2, 0.3]),
                ("revenue_growth", ">", [0]),
                ("revenue_cagr_3y", ">=", [0.2, 0.3, 0.5]),
                ("valuation_usd", ">=", [1e8, 5e8, 1e9]),
                ("rd_spend", ">=", [5e5, 1e6, 3e6, 1e7]),
                ("rd_spend", ">", [0]),
                ("tax_paid", ">", [0]),
                ("tax_paid", ">=", [1e5, 5e5, 1e6]),
                ("invention_patents", ">=", [1, 5, 10, 20]),
                ("rd_staff", ">=", [10, 20, 50]),
                ("total_assets", "<=", [1e8, 5e8]),
                ("output_value", ">=", [2e7, 1e8, 5e8]),
            ]
        )
        if r.random() < 0.2:  # between instead of a one-sided bound
            if field in ("employees", "age_years"):
                lo = r.choice([1, 5, 10, 20])
                return field, _crit(field, "between", f"[{lo}, {lo * r.choice([5, 10, 50])}]")
            if field == "revenue":
                lo = r.choice([5e6, 1e7, 2e7])
                return field, _crit(field, "between", f"[{_num(lo)}, {_num(lo * 20)}]")
        value = r.choice(choices)
        if r.random() < 0.06 and isinstance(value, float) and value > 0:  # a dated threshold
            later = _num(value * r.choice([1.25, 1.5, 2.0]))
            return field, (
                f'{{field: {field}, op: "{op}", value: {{{effective.isoformat()}: '
                f"{_num(value)}, 2025-07-01: {later}}}}}"
            )
        return field, _crit(field, op, _num(value))

    def code(self) -> tuple[str, str]:
        r = self.r
        kind = r.random()
        if kind < 0.4:
            if r.random() < 0.6:
                return "district", _crit("district", "==", f'"{r.choice(list(DISTRICTS))}"')
            picks = r.sample(list(DISTRICTS), r.choice([2, 3, 4]))
            return "district", _crit("district", "in", _codes(picks))
        if kind < 0.7:
            if r.random() < 0.25:
                return "industry_section", _crit(
                    "industry_section", "not_in", _codes(["A", "B", "C", "D", "E"])
                )
            picks = r.sample(["C", "I", "M", "G", "L", "K", "E"], r.choice([1, 2, 3]))
            op = "==" if len(picks) == 1 else "in"
            val = f'"{picks[0]}"' if len(picks) == 1 else _codes(picks)
            return "industry_section", _crit("industry_section", op, val)
        if kind < 0.8:
            divs = r.sample(["39", "65", "27", "35", "36", "38", "64", "73"], r.choice([1, 2]))
            return "industry_division", _crit("industry_division", "in", _codes(divs))
        if kind < 0.92:
            sizes = r.choice([["small", "micro"], ["medium", "small"], ["large"], ["micro"]])
            return "size_class", _crit("size_class", "in", _codes(sizes))
        stages = r.choice([["startup"], ["startup", "growth"], ["growth", "expansion"]])
        return "lifecycle_stage", _crit("lifecycle_stage", "in", _codes(stages))

    def flag(self) -> tuple[str, str]:
        return "listed", _crit("listed", "==", self.r.choice(["false", "false", "true"]))

    def qualification(self) -> tuple[str, str]:
        r = self.r
        kind = r.random()
        if kind < 0.6:
            code = r.choice(
                [
                    "high_tech",
                    "high_tech",
                    "tech_sme",
                    "srdi",
                    "innovative_sme",
                    "little_giant",
                    "tech_center",
                    "single_champion",
                ]
            )
            return "qualifications", _crit("qualifications", "contains", code)
        if kind < 0.85:
            picks = r.sample(
                ["srdi", "little_giant", "high_tech", "tech_sme", "innovative_sme"],
                r.choice([2, 3]),
            )
            return "qualifications", _crit("qualifications", "in", _codes(picks))
        picks = r.sample(["little_giant", "single_champion", "high_tech"], 1)
        return "qualifications", _crit("qualifications", "not_in", _codes(picks))

    def unsourced(self) -> tuple[str, str]:
        """A criterion on one of the recognitions' fields (RECOGNITION_CRITERIA)."""
        r = self.r
        field, op, value = r.choice(
            [
                ("tech_staff_share", ">=", "0.1"),
                ("rd_intensity_3y", ">=", r.choice(["0.03", "0.04", "0.05"])),
                ("hightech_revenue_share", ">=", "0.6"),
                ("main_revenue_share", ">=", "0.5"),
                ("ip_class1", ">=", "1"),
                ("niche_years", ">=", "3"),
                ("equity_raised_2y", ">=", "5000000"),
                ("qualification_levels", "contains", "srdi:provincial"),
            ]
        )
        assert field in RECOGNITION_CRITERIA and field in FIELDS, field
        return field, _crit(field, op, value)

    def any_one(self, effective: date) -> tuple[str, str]:
        """One criterion of any type (numeric most often)."""
        u = self.r.random()
        if u < 0.55:
            return self.numeric(effective)
        if u < 0.8:
            return self.code()
        if u < 0.9:
            return self.qualification()
        return self.flag()


AMOUNTS = (
    ("subsidy", "min(rd_spend * 0.1, 2000000)"),
    ("subsidy", "min(rd_spend * 0.2, 200000)"),
    ("award", "300000"),
    ("award", "1000000"),
    ("award", "min(revenue * 0.001, 500000)"),
    ("subsidy", "min(rd_staff * 3000, 300000)"),
    ("award", "min(revenue * revenue_growth / (1 + revenue_growth) * 0.02, 2000000)"),
    ("subsidy", "max(min(tax_paid * 0.05, 1000000), 50000)"),
    ("award", "min(invention_patents * 20000, 400000)"),
    ("loan_interest", "min(total_assets * 0.01, 800000)"),
    ("qualification", None),
    ("tax", None),
)
ISSUERS = (
    ("南京市科学技术局", "municipal"),
    ("南京市工业和信息化局", "municipal"),
    ("江苏省科学技术厅", "provincial"),
    ("南京市江宁区科学技术局", "district"),
    ("中国（南京）软件谷管理委员会", "district"),
    ("南京市建邺区人民政府", "district"),
    ("科学技术部", "national"),
)


def policies_yaml(n: int, seed: int, missing: float = 0.0) -> str:
    """n policies in the rule format, in force at AS_OF (one YAML stream, `---` between);
    `missing`: the share that also reads a field the portrait does not supply (drawn from a
    generator of its own, so the policies are otherwise the same as without)."""
    r = random.Random(seed)
    extra = _Gen(random.Random(seed + 1))
    g = _Gen(r)
    docs = [f"# {n} synthetic benchmark policies (seed {seed}); generated by bench/policy_gen.py"]
    for i in range(n):
        effective = date(2023, 1, 1) + timedelta(days=r.randrange(0, 880))  # up to 2025-05-30
        expires = None if r.random() < 0.2 else date(2026 + r.randrange(0, 3), 12, 31)
        issuer, level = r.choice(ISSUERS)
        btype, amount = r.choice(AMOUNTS)
        width = r.choice([2, 3, 3, 4, 4, 5])
        stages = None
        if r.random() < 0.1:
            stages = r.choice([["startup"], ["startup", "growth"], ["growth", "expansion"]])
            width -= 1
        # A place or sector criterion first most of the time, then the rest at random.
        drawn = [g.code() if r.random() < 0.7 else g.qualification()]
        while len(drawn) < width:  # one criterion per field
            field, text = g.any_one(effective)
            if field not in {f for f, _ in drawn} and not (stages and field == "lifecycle_stage"):
                drawn.append((field, text))
        items = [text for _, text in drawn]
        if len(items) >= 2 and r.random() < 0.1:  # one of them negated
            items[1] = f"not: {items[1]}"
        if len(items) >= 3 and r.random() < 0.25:  # two of them as alternatives
            a, b = items.pop(), items.pop()
            items.append(f"any:\n        - {a}\n        - {b}")
        if missing and extra.r.random() < missing:  # one more, required: never eligible
            items.append(extra.unsourced()[1])
        lines = [
            f"id: bench-{i:03d}",
            f"title: 基准测试政策第{i}号",
            f"title_en: Benchmark policy {i}",
            f"issuer: {issuer}",
            f"level: {level}",
            f"document: 基准〔{effective.year}〕{i}号（合成）",
            f"effective: {effective.isoformat()}",
        ]
        if expires:
            lines.append(f"expires: {expires.isoformat()}")
        if stages:
            lines.append(f"stages: [{', '.join(stages)}]")
        lines += ["benefit:", f"  type: {btype}"]
        if amount:
            lines += [f'  amount: "{amount}"', f"  rounding: {r.choice(['yuan', 'yuan', 'wan'])}"]
        lines += ["eligibility:", "  all:"]
        lines += [f"    - {item}" for item in items]
        docs.append("\n".join(lines))
    return "\n---\n".join(docs) + "\n"


def compiled_policies(n: int, seed: int, as_of: date = AS_OF, missing: float = 0.0) -> list[Any]:
    """The n generated policies, read with loader.read_text and compiled at as_of."""
    from highland.policies.rules.loader import read_text
    from highland.policies.rules.model import compile_policy

    lib = read_text(policies_yaml(n, seed, missing), f"bench-policies-{n}-{seed}.yaml")
    if lib.errors:
        raise ValueError("generated policies do not load: " + "; ".join(map(str, lib.errors[:5])))
    missing = [p.id for p in lib.policies.values() if not p.in_force(as_of)]
    if missing:
        raise ValueError(f"generated policies not in force at {as_of}: {missing[:5]}")
    return [compile_policy(p, as_of) for p in lib.policies.values()]
