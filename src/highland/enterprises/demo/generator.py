"""Synthetic Nanjing enterprises and yearly figures for demos, in the import-file contract.

Everything is drawn from one seeded numpy generator and built column by column (numpy for the
numbers, Polars for the strings), so a million firms take seconds and the same (n, seed) always
gives identical frames. Every column is a string, null meaning an empty cell, because the frames
go through the same validating CSV importer as real files.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from highland.enterprises.demo import recognition
from highland.enterprises.demo.columns import EARLIEST_YEAR, MAX_N
from highland.enterprises.demo.figures import draw_qualifications, financial_frame, yearly_figures
from highland.enterprises.demo.industries import (
    ETYPES,
    KIND_SIZE_SHIFT,
    MFG,
    REVENUE_PER_EMPLOYEE,
    Industry,
    business_scope,
)
from highland.enterprises.demo.places import DISTRICTS
from highland.enterprises.demo.traits import (
    FOREIGN,
    GAZELLE_RULE,
    GAZELLE_SHARE_OF_ELIGIBLE,
    HMT,
    OWNERSHIP_P,
    OWNERSHIP_SIZE_SHIFT,
    OWNERSHIPS,
    QUALIFICATIONS,
    TRADE_CHARS,
)
from highland.enterprises.demo.vectors import (
    alphabet_values,
    choice,
    cross_check_uscc,
    date_strings,
    day_numbers,
    org_bodies,
    pick,
    uscc_column,
)

# --- Generator -------------------------------------------------------------------------------


def generate(
    n: int, seed: int = 2024, first_year: int = 2021, last_year: int = 2025
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return synthetic (enterprises, financials) frames of strings for n Nanjing firms."""
    # long: the draws from the one seeded generator happen in a fixed order (the same
    # (n, seed) must keep giving the same frames); the sections below read in that order.
    if not 0 <= n <= MAX_N:
        raise ValueError(f"n must be between 0 and {MAX_N}, got {n}")
    if not EARLIEST_YEAR < first_year <= last_year:
        raise ValueError(f"need {EARLIEST_YEAR} < first_year <= last_year")
    rng = np.random.default_rng(seed)
    idx = np.arange(n, dtype=np.int64)
    n_years = last_year - first_year + 1
    years = np.arange(first_year, last_year + 1)

    # -- who and where --
    etype_i = choice(rng, [e[1] for e in ETYPES], n)
    industries: list[Industry] = []
    industry_i = np.empty(n, dtype=np.int64)
    for e, (_, _, table) in enumerate(ETYPES):
        rows = np.flatnonzero(etype_i == e)
        industry_i[rows] = len(industries) + choice(rng, [ind.weight for ind in table], rows.size)
        industries.extend(table)
    kind = np.array([ind.kind for ind in industries])[industry_i]
    kind_shift = np.array([KIND_SIZE_SHIFT[ind.kind] for ind in industries])[industry_i]
    rev_per_emp = np.array([REVENUE_PER_EMPLOYEE[ind.kind] for ind in industries])[industry_i]
    is_mfg = kind == MFG
    is_tech = np.array([ind.tech for ind in industries])[industry_i]
    company = etype_i == 0

    district_i = choice(rng, [d.weight for d in DISTRICTS], n)
    ownership_i = np.where(company, choice(rng, OWNERSHIP_P, n), 0)
    ownership_i = np.where(etype_i == 2, 2, ownership_i)  # cooperatives are collective

    # -- founding: skewed recent, state and collective firms older --
    scale = np.where(np.isin(ownership_i, (1, 2)), 16.0, 7.0)
    # Wrapping (rather than clipping) ages past 1990 avoids a pile of firms founded in 1990.
    age = np.floor(rng.exponential(scale)) % (last_year - EARLIEST_YEAR + 1)
    found_year = (last_year - age).astype(np.int64)
    found_doy = rng.integers(0, 365, size=n)  # 0..364 stays inside the year, leap or not
    found_days = day_numbers(found_year, np.ones(n, np.int64), np.ones(n, np.int64)) + found_doy

    # -- size: log10 of full-year revenue in the first figure year --
    big = rng.random(n) < 0.04
    log_rev = np.where(big, rng.normal(8.3, 0.6, size=n), rng.normal(6.75, 0.85, size=n))
    log_rev += np.array(OWNERSHIP_SIZE_SHIFT)[ownership_i]
    log_rev += kind_shift
    young = found_year >= first_year
    log_rev = np.where(young, rng.normal(5.9, 0.6, size=n) + 0.3 * (log_rev - 6.75), log_rev)
    log_rev = np.where(etype_i == 1, rng.normal(5.6, 0.35, size=n), log_rev)
    log_rev = np.where(etype_i == 2, rng.normal(6.0, 0.4, size=n), log_rev)
    log_rev = np.where(etype_i == 3, rng.normal(6.8, 0.6, size=n), log_rev)
    # Squeeze the top so the biggest firms land near ¥50bn rather than far beyond.
    log_rev = np.where(log_rev > 10.0, 10.0 + (log_rev - 10.0) * 0.35, log_rev)
    log_rev = np.clip(log_rev, 5.0, 10.6)

    # -- qualifications (before figures: high-tech firms must spend on R&D) --
    qual = draw_qualifications(rng, n, last_year, company, is_tech, is_mfg, log_rev, found_year)

    # -- yearly revenue --
    k = np.arange(n_years)[None, :]
    fy_idx = np.maximum(found_year - first_year, 0)[:, None]
    valid = k >= fy_idx
    later = k > fy_idx
    pattern = choice(rng, (0.58, 0.16, 0.26), n)[:, None]  # steady, declining, volatile
    z = rng.standard_normal((n, n_years))
    growth = np.where(
        pattern == 0,
        rng.uniform(0.03, 0.08, size=n)[:, None] + 0.015 * z,
        np.where(
            pattern == 1, rng.uniform(-0.15, -0.02, size=n)[:, None] + 0.04 * z, 0.04 + 0.28 * z
        ),
    )
    firm_age = years[None, :] - found_year[:, None]
    growth += rng.uniform(0.0, 0.8, size=n)[:, None] * ((firm_age >= 1) & (firm_age <= 3))

    gazelle = np.zeros(n, dtype=bool)
    if n_years >= 4:
        eligible = company & (found_year <= last_year - 4) & (found_year >= last_year - 15)
        gazelle = eligible & (rng.random(n) < GAZELLE_SHARE_OF_ELIGIBLE)
        low = np.where(is_mfg, 0.25, 0.55)[:, None]
        high = np.where(is_mfg, 0.8, 1.2)[:, None]
        spurt = low + (high - low) * rng.random((n, 3))
        growth[:, -3:] = np.where(gazelle[:, None], spurt, growth[:, -3:])
    growth = np.clip(growth, -0.7, 3.0)
    ln_rev = np.log(10.0) * log_rev[:, None] + np.cumsum(np.log1p(growth) * later, axis=1)
    # A firm founded inside the window reports only the months it existed in its first year.
    part = np.maximum((365 - found_doy) / 365.0, 0.05)
    ln_rev += np.log(part)[:, None] * (valid & ~later & (firm_age == 0))
    if gazelle.any():
        floor = np.where(is_mfg, GAZELLE_RULE[True][0], GAZELLE_RULE[False][0])
        base = ln_rev[:, -4]
        target = np.clip(base, np.log(floor * rng.uniform(1.1, 3.0, size=n)), np.log(1e9))
        ln_rev += np.where(gazelle, target - base, 0.0)[:, None]
    # Squeeze the bottom too (firms that opened in December, long decliners) towards ~¥100k.
    low_end = np.log(1.2e5)
    ln_rev = np.where(ln_rev < low_end, low_end - 0.25 * (low_end - ln_rev), ln_rev)
    revenue = np.exp(np.clip(ln_rev, np.log(5e4), np.log(5.5e10)))

    fin = yearly_figures(
        rng,
        revenue,
        valid,
        later,
        firm_age,
        kind,
        rev_per_emp,
        is_tech,
        etype_i,
        industries,
        industry_i,
        qual["high_tech"],
        ownership_i,
    )
    # -- what the recognitions test: a generator of its own, so the draws above and below
    # stay what they were for a given (n, seed) --
    extra = recognition.generator(seed)
    fin |= recognition.recognition_figures(
        extra, fin, valid, firm_age, is_tech, is_mfg, company, qual["high_tech"]
    )
    niche = recognition.niche_since(
        extra, found_year, last_year, is_mfg, company, log_rev, qual["srdi"]
    )
    levels = recognition.qualification_levels(extra, n)

    # -- enterprise strings --
    log_rev_last = np.log10(revenue[:, -1])
    p_listed = np.where(
        log_rev_last >= 8.0, np.clip(0.1 + 0.25 * (log_rev_last - 8.0), 0, 0.8), 0.003
    )
    listed = company & (rng.random(n) < p_listed)
    listed_unknown = rng.random(n) < 0.08
    share_company = company & (rng.random(n) < np.where(listed, 0.85, 0.03))

    enterprises = _enterprise_frame(
        rng,
        idx,
        etype_i,
        industries,
        industry_i,
        district_i,
        ownership_i,
        found_year,
        found_days,
        listed,
        listed_unknown,
        share_company,
        qual,
        (niche, levels),
    )
    financials = financial_frame(enterprises["uscc"], fin, valid, years)
    return enterprises, financials


def _places(
    draw: np.ndarray, district_i: np.ndarray, street_i: np.ndarray
) -> tuple[list[str], list[str | None]]:
    """Each firm's GB/T 2260 district (江北新区's firms: their street's) and its zone, if any:
    the place's zone, else its district's park for a share of the firms (drawn last, so the
    other columns stay what the seed gave before zones were drawn)."""
    streets = [c for d in DISTRICTS for c in (d.street_districts or (d.code,) * len(d.streets))]
    district = np.array(streets, dtype=object)[street_i]
    whole = np.array([d.zone for d in DISTRICTS], dtype=object)[district_i]
    park = np.array([d.park[0] if d.park else None for d in DISTRICTS], dtype=object)[district_i]
    share = np.array([d.park[1] if d.park else 0.0 for d in DISTRICTS])[district_i]
    zone = np.where(whole != None, whole, np.where(draw < share, park, None))  # noqa: E711
    return list(district), list(zone)


def _enterprise_frame(
    rng: np.random.Generator,
    idx: np.ndarray,
    etype_i: np.ndarray,
    industries: list[Industry],
    industry_i: np.ndarray,
    district_i: np.ndarray,
    ownership_i: np.ndarray,
    found_year: np.ndarray,
    found_days: np.ndarray,
    listed: np.ndarray,
    listed_unknown: np.ndarray,
    share_company: np.ndarray,
    qual: dict[str, np.ndarray],
    recognised: tuple[np.ndarray, dict[str, np.ndarray]],
) -> pl.DataFrame:
    """Build the enterprises frame (all strings) from the drawn attributes; `recognised` is
    the niche-market start year (0: not stated) and each qualification's level."""
    # long: column by column, the draws in their fixed order (see generate).
    n = len(idx)
    etype_codes = [e[0] for e in ETYPES]

    # -- USCC --
    authorities = [d.authorities for d in DISTRICTS]
    auth_roll = rng.random(n)
    n_auth = np.array([len(a) for a in authorities])[district_i]
    auth_pick = np.floor(auth_roll * n_auth).astype(np.int64)
    # About one firm in ten is registered with the city bureau rather than its district.
    city_level = rng.random(n) < 0.1
    flat_auth = [a for group in authorities for a in group]
    auth_offset = np.cumsum([0] + [len(a) for a in authorities])[:-1]
    region_codes = flat_auth + ["320100"]
    region_i = np.where(city_level, len(flat_auth), auth_offset[district_i] + auth_pick)
    region_vals = alphabet_values(region_codes)[region_i]
    reg_vals = alphabet_values(etype_codes)[etype_i]
    body_vals = org_bodies(idx, found_year >= 2016)
    uscc = pl.Series(uscc_column(reg_vals, region_vals, body_vals)).cast(pl.String)
    cross_check_uscc(uscc, region_codes, region_i, etype_codes, etype_i, body_vals)

    # -- names --
    chars = [c for c, _ in TRADE_CHARS]
    pinyin = [p for _, p in TRADE_CHARS]
    m = len(chars)
    c1 = rng.integers(0, m, size=n)
    c2 = (c1 + rng.integers(1, m, size=n)) % m  # never the same character twice in a row
    three = rng.random(n) < 0.25
    c3 = (c2 + rng.integers(1, m, size=n)) % m
    c3 = np.where(three & (c3 == c1), (c3 + 1) % m, c3)
    c3 = np.where(c3 == c2, (c3 + 1) % m, c3)
    third_zh = pl.Series(np.where(three, c3, m)).replace_strict(
        dict(enumerate(chars)), default="", return_dtype=pl.String
    )
    third_en = pl.Series(np.where(three, c3, m)).replace_strict(
        dict(enumerate(pinyin)), default="", return_dtype=pl.String
    )
    words = [w for ind in industries for w in ind.words]
    word_offset = np.cumsum([0] + [len(ind.words) for ind in industries])[:-1]
    word_count = np.array([len(ind.words) for ind in industries])
    word_i = word_offset[industry_i] + np.floor(rng.random(n) * word_count[industry_i]).astype(
        np.int64
    )
    foreign_style = (etype_i == 0) & np.isin(ownership_i, (3, 4)) & (rng.random(n) < 0.6)
    no_english = rng.random(n) < 0.12

    # -- address --
    streets = [s for d in DISTRICTS for s in d.streets]
    roads = [r for d in DISTRICTS for r in d.roads]
    s_off = np.cumsum([0] + [len(d.streets) for d in DISTRICTS])[:-1]
    r_off = np.cumsum([0] + [len(d.roads) for d in DISTRICTS])[:-1]
    s_cnt = np.array([len(d.streets) for d in DISTRICTS])
    r_cnt = np.array([len(d.roads) for d in DISTRICTS])
    street_i = s_off[district_i] + np.floor(rng.random(n) * s_cnt[district_i]).astype(np.int64)
    road_i = r_off[district_i] + np.floor(rng.random(n) * r_cnt[district_i]).astype(np.int64)
    number = np.minimum(np.ceil(rng.exponential(120.0, n)), 999).astype(np.int64)
    building = rng.random(n) < 0.35
    block = rng.integers(1, 13, size=n)
    room = rng.integers(1, 25, size=n) * 100 + rng.integers(1, 20, size=n)
    no_address = rng.random(n) < 0.06

    # -- ownership and country --
    country_i = np.where(ownership_i == 3, choice(rng, [w for _, w in FOREIGN], n), 0)
    hmt_i = choice(rng, [w for _, w in HMT], n)

    # -- qualification cells --
    qual_cols = []
    for code, years_valid in QUALIFICATIONS:
        holders = np.flatnonzero(qual[code] > 0)
        issue = qual[code][holders]
        k = holders.size
        # High-tech certificates are issued late in the year, the SME lists from spring on.
        month = rng.integers(10, 13, size=k) if code == "high_tech" else rng.integers(3, 10, size=k)
        day = rng.integers(1, 29, size=k)  # day <= 28 keeps every anniversary a valid date
        start = day_numbers(issue, month, day)
        end = day_numbers(issue + years_valid, month, day) - 1
        dated = pl.Series(rng.random(k) < 0.85)
        suffixes = [f":{level}" if level else "" for level in recognition.LEVELS]
        head = pl.lit(code) + pick(suffixes, recognised[1][code][holders])
        text = pl.select(
            pl.when(dated)
            .then(pl.concat_str([head, pl.lit("@"), date_strings(start), pl.lit("/"),
                                 date_strings(end)]))  # fmt: skip
            .otherwise(head)
        ).to_series()
        cell = pl.repeat(None, n, dtype=pl.String, eager=True).alias(code)
        qual_cols.append(cell.scatter(holders, text) if k else cell)

    district_code, zone_code = _places(rng.random(n), district_i, street_i)
    parts = pl.DataFrame(
        {
            "etype": pick(etype_codes, etype_i),
            "c1": pick(chars, c1),
            "c2": pick(chars, c2),
            "c3": third_zh,
            "p1": pick([p.capitalize() for p in pinyin], c1),
            "p2": pick(pinyin, c2),
            "p3": third_en,
            "word_zh": pick([w[0] for w in words], word_i),
            "word_en": pick([w[1] for w in words], word_i),
            "dist_zh": pick([d.name for d in DISTRICTS], district_i),
            "foreign_style": foreign_style,
            "share": share_company,
            "no_english": no_english,
            "street": pick(streets, street_i),
            "road": pick(roads, road_i),
            "number": number,
            "building": building,
            "block": block,
            "room": room,
            "no_address": no_address,
            **{c.name: c for c in qual_cols},
        }
    )
    trade_zh = pl.concat_str(["c1", "c2", "c3"])
    trade_en = pl.concat_str(["p1", "p2", "p3"])
    suffix = pl.when("share").then(pl.lit("股份有限公司")).otherwise(pl.lit("有限公司"))
    etype = pl.col("etype")
    name = (
        pl.when(etype.is_in(["92", "93"]))
        .then(pl.concat_str([pl.lit("南京市"), "dist_zh", trade_zh, "word_zh"]))
        .when(etype == "52")
        .then(pl.concat_str([pl.lit("南京"), trade_zh, "word_zh"]))
        .when("foreign_style")
        .then(pl.concat_str([trade_zh, "word_zh", pl.lit("（南京）"), suffix]))
        .otherwise(pl.concat_str([pl.lit("南京"), trade_zh, "word_zh", suffix]))
    )
    name_en = (
        pl.when(etype.is_in(["92", "93"]) | pl.col("no_english"))
        .then(pl.lit(None, dtype=pl.String))
        .when(etype == "52")
        .then(pl.concat_str([pl.lit("Nanjing "), trade_en, pl.lit(" "), "word_en"]))
        .when("foreign_style")
        .then(pl.concat_str([trade_en, pl.lit(" "), "word_en", pl.lit(" (Nanjing) Co., Ltd.")]))
        .otherwise(
            pl.concat_str(
                [pl.lit("Nanjing "), trade_en, pl.lit(" "), "word_en", pl.lit(" Co., Ltd.")]
            )
        )
    )
    address = (
        pl.when("no_address")
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(
            pl.concat_str(
                [
                    pl.lit("南京市"),
                    "dist_zh",
                    "street",
                    "road",
                    pl.col("number").cast(pl.String),
                    pl.lit("号"),
                    pl.when("building")
                    .then(pl.format("{}幢{}室", "block", "room"))
                    .otherwise(pl.lit("")),
                ]
            )
        )
    )
    qualifications = pl.concat_str([c.name for c in qual_cols], separator=";", ignore_nulls=True)
    qualifications = pl.when(qualifications == "").then(None).otherwise(qualifications)

    country = np.where(ownership_i == 3, np.array([c for c, _ in FOREIGN])[country_i], "")
    country = np.where(ownership_i == 4, np.array([c for c, _ in HMT])[hmt_i], country)
    listed_s = np.where(listed, "true", "false")
    frame = parts.select(
        uscc=uscc,
        name=name,
        name_en=name_en,
        district_code=pl.Series(district_code, dtype=pl.String),
        zone_code=pl.Series(zone_code, dtype=pl.String),
        industry_code=pick([ind.code for ind in industries], industry_i),
        founded_on=date_strings(found_days),
        ownership=pick(OWNERSHIPS, ownership_i),
        country=pl.Series(country, dtype=pl.String),
        listed=pl.Series(listed_s, dtype=pl.String),
        qualifications=qualifications,
        address=address,
        business_scope=business_scope(industries, industry_i),
        niche_since=pl.Series(recognised[0], dtype=pl.Int64).cast(pl.String),
    )
    return frame.with_columns(
        pl.when(pl.col("country") == "").then(None).otherwise("country").alias("country"),
        pl.when(pl.lit(pl.Series(listed_unknown & ~listed)))
        .then(None)
        .otherwise("listed")
        .alias("listed"),
        pl.when(pl.col("niche_since") == "0").then(None).otherwise("niche_since").alias(
            "niche_since"
        ),
    )
