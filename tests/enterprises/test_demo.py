"""Tests for the synthetic demo-data generator."""

from __future__ import annotations

import polars as pl
import pytest

from highland.enterprises.demo import (
    ENTERPRISE_COLUMNS,
    FINANCIAL_COLUMNS,
    generate,
    synthetic_marker,
)
from highland.platform.kit.uscc import is_valid, make_uscc

FIRST, LAST = 2021, 2025
MONEY = (
    "revenue",
    "output_value",
    "tax_paid",
    "rd_spend",
    "total_assets",
    "last_round_usd",
    "valuation_usd",
)
COUNTS = ("employees", "rd_staff", "invention_patents")
DISTRICTS = {
    "320102",
    "320104",
    "320105",
    "320106",
    "320111",
    "320113",
    "320114",
    "320115",
    "320116",
    "320117",
    "320118",
}
QUALIFICATION = (
    r"^(high_tech|tech_sme|srdi|little_giant|innovative_sme)(:(national|provincial|municipal))?"
    r"(@\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2})?$"
)


@pytest.fixture(scope="module")
def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """One mid-sized sample shared by the sanity checks."""
    return generate(2000, seed=2024, first_year=FIRST, last_year=LAST)


def test_columns_are_the_import_contract_and_all_strings() -> None:
    """Both frames have exactly the contract's columns, every one of them Utf8."""
    enterprises, financials = generate(50)
    assert tuple(enterprises.columns) == ENTERPRISE_COLUMNS
    assert tuple(financials.columns) == FINANCIAL_COLUMNS
    assert set(enterprises.dtypes) == {pl.String}
    assert set(financials.dtypes) == {pl.String}


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    """Generation is a pure function of (n, seed)."""
    a_ent, a_fin = generate(300, seed=5)
    b_ent, b_fin = generate(300, seed=5)
    assert a_ent.equals(b_ent)
    assert a_fin.equals(b_fin)
    c_ent, _ = generate(300, seed=6)
    assert not a_ent.equals(c_ent)


def test_empty() -> None:
    """n = 0 gives empty frames that still carry the contract's columns."""
    enterprises, financials = generate(0)
    assert enterprises.height == 0 and financials.height == 0
    assert tuple(enterprises.columns) == ENTERPRISE_COLUMNS


def test_usccs_valid_and_unique(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """Every USCC passes the checksum validator and none repeats."""
    enterprises, financials = frames
    codes = enterprises["uscc"].to_list()
    assert all(is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)
    # The vectorised construction agrees with the reference one on every row.
    assert all(make_uscc(c[2:8], c[8:16], c[:2]) == c for c in codes)
    assert all(c[2:6] == "3201" for c in codes)  # registered by a Nanjing authority
    assert enterprises["uscc"].str.starts_with("91").mean() > 0.9  # mostly ordinary companies
    assert set(financials["uscc"].unique()) == set(codes)


def test_enterprise_attributes(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """Districts, industries, ownership, country and listing use the contract's vocabularies."""
    e, _ = frames
    assert set(e["district_code"].unique()) <= DISTRICTS
    # 江北新区 is a zone: its firms are in 浦口区 or 六合区 by their street; some firms elsewhere
    # are in a development zone or park of their district.
    jiangbei = e.filter(pl.col("zone_code") == "320100-JBXQ")
    assert set(jiangbei["district_code"].unique()) == {"320111", "320116"}
    for street, district in (("泰山街道", "320111"), ("长芦街道", "320116")):
        at = jiangbei.filter(pl.col("address").str.contains(street))
        assert at.height and set(at["district_code"].unique()) == {district}
    parks = e.filter(pl.col("zone_code").is_not_null() & (pl.col("zone_code") != "320100-JBXQ"))
    assert {"320100-JNKQ", "320100-JKQ", "320100-RJG", "320100-XZGXQ"} <= set(parks["zone_code"])
    assert 0.05 < parks.height / e.height < 0.25
    jnkq = parks.filter(pl.col("zone_code") == "320100-JNKQ")
    assert set(jnkq["district_code"].unique()) == {"320115"}
    divisions = e["industry_code"].str.slice(0, 2).cast(pl.Int32)
    assert e["industry_code"].str.contains(r"^\d{4}$").all()
    assert divisions.is_between(1, 97).all()
    assert set(e["ownership"].unique()) <= {"private", "state", "collective", "foreign", "hmt"}
    assert (e["ownership"] == "private").mean() > 0.6
    foreign = e.filter(pl.col("ownership") == "foreign")
    assert "DE" in foreign["country"].to_list()
    assert foreign["country"].str.contains(r"^[A-Z]{2}$").all()
    assert set(e.filter(pl.col("ownership") == "hmt")["country"].unique()) <= {"HK", "MO", "TW"}
    assert e.filter(~pl.col("ownership").is_in(["foreign", "hmt"]))["country"].null_count() == (
        e.filter(~pl.col("ownership").is_in(["foreign", "hmt"])).height
    )
    assert set(e["listed"].drop_nulls().unique()) == {"true", "false"}
    assert e["listed"].null_count() > 0
    assert e["name"].n_unique() > 0.9 * e.height
    assert e["name_en"].null_count() > 0
    assert e["address"].drop_nulls().str.starts_with("南京市").all()
    quals = e["qualifications"].drop_nulls().str.split(";").explode()
    assert quals.str.contains(QUALIFICATION).all()
    assert quals.str.starts_with("high_tech").any()
    dated = quals.str.extract_groups(r"^(\w+)(?::\w+)?@(.{10})/(.{10})$")
    dated = dated.struct.unnest().drop_nulls()
    years = dated["1"].replace_strict({"tech_sme": 1}, default=3, return_dtype=pl.Int32)
    start = dated["2"].str.to_date()
    end = dated["3"].str.to_date()
    # A certificate runs its 1 or 3 years to the day before the anniversary of issue.
    expected_end = pl.select(
        pl.lit(start).dt.offset_by(pl.format("{}y", pl.lit(years))).dt.offset_by("-1d")
    ).to_series()
    assert (end == expected_end).all()


def test_money_and_count_formats(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """Money has exactly two decimals, counts are integers; missing cells exist and are null."""
    _, f = frames
    for col in MONEY:
        assert f[col].drop_nulls().str.contains(r"^\d+\.\d{2}$").all(), col
    for col in COUNTS:
        assert f[col].drop_nulls().str.contains(r"^\d+$").all(), col
    assert f["revenue"].null_count() == 0
    assert 0 < f["rd_spend"].null_count() < 0.15 * f.height
    assert f["employees"].null_count() > 0
    assert f["total_assets"].null_count() > 0
    assert (f["invention_patents"] == "0").any()  # a real zero, not a missing value
    assert f["valuation_usd"].drop_nulls().len() > 0


def test_figures_start_after_founding(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """A firm reports every year from max(first_year, founding year) to last_year, no earlier."""
    e, f = frames
    spans = f.group_by("uscc").agg(
        first=pl.col("year").cast(pl.Int32).min(),
        last=pl.col("year").cast(pl.Int32).max(),
        rows=pl.len(),
    )
    joined = e.select("uscc", founded=pl.col("founded_on").str.slice(0, 4).cast(pl.Int32)).join(
        spans, on="uscc"
    )
    assert joined.height == e.height
    assert (joined["founded"] <= joined["first"]).all()
    expected_first = joined["founded"].clip(lower_bound=FIRST)
    assert (joined["first"] == expected_first).all()
    assert (joined["last"] == LAST).all()
    assert (joined["rows"] == joined["last"] - joined["first"] + 1).all()
    assert e["founded_on"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
    assert (e["founded_on"] >= "1990-01-01").all() and (e["founded_on"] <= f"{LAST}-12-31").all()


def test_some_future_gazelles(frames: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """Some firms meet the gazelle rule over the last four years."""
    e, f = frames
    base, y1, y2, y3 = (str(y) for y in range(LAST - 3, LAST + 1))
    wide = (
        f.filter(pl.col("year") >= base)
        .with_columns(pl.col("revenue").cast(pl.Float64))
        .pivot(on="year", index="uscc", values="revenue")
        .join(e.select("uscc", "industry_code"), on="uscc")
        .drop_nulls()
    )
    manufacturing = pl.col("industry_code").str.slice(0, 2).cast(pl.Int32).is_between(13, 43)
    floor = pl.when(manufacturing).then(3e6).otherwise(5e6)
    min_cagr = pl.when(manufacturing).then(0.2).otherwise(0.5)
    gazelles = wide.filter(
        pl.col(base) >= floor,
        pl.col(y1) > pl.col(base),
        pl.col(y2) > pl.col(y1),
        pl.col(y3) > pl.col(y2),
        (pl.col(y3) / pl.col(base)) ** (1 / 3) - 1 >= min_cagr,
    )
    assert gazelles.height >= 1
    assert gazelles.height < 0.1 * e.height


def test_synthetic_marker_is_bilingual() -> None:
    """The UI label names the data as synthetic in both languages."""
    marker = synthetic_marker()
    assert "合成" in marker and "synthetic" in marker


def test_recognition_figures_are_plausible_and_sometimes_missing(
    frames: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """Parts within their wholes, a few per cent blank per column, levels and niche years."""
    e, f = frames
    num = f.select(
        pl.col("revenue", "main_revenue", "hightech_revenue", "equity_raised").cast(pl.Float64),
        pl.col("employees", "tech_staff", "ip_class1", "ip_class2").cast(pl.Int64),
    )
    assert (num["main_revenue"] <= num["revenue"]).all()
    assert (num["main_revenue"] >= 0.699 * num["revenue"]).all()
    assert (num["hightech_revenue"] <= num["revenue"]).all()
    assert (num["tech_staff"] <= num["employees"]).all()
    assert num["ip_class1"].max() <= 20 and (num["ip_class1"] > 0).any()
    for col in ("main_revenue", "hightech_revenue", "tech_staff", "ip_class1", "ip_class2",
                "equity_raised"):  # fmt: skip
        assert 0 < f[col].null_count() < 0.12 * f.height, col
    assert (num["equity_raised"] > 0).any() and (num["equity_raised"] == 0).any()
    quals = e["qualifications"].drop_nulls()
    assert quals.str.contains("srdi:provincial").any()
    assert quals.str.contains("high_tech:national").any()
    niche = e["niche_since"].drop_nulls().cast(pl.Int64)
    assert niche.len() > 0 and niche.max() <= LAST
