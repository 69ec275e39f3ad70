"""Vectorised validation of enterprise and financial tables; every error names row and column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from highland.enterprises.tables import ROW
from highland.enterprises.vocab import (
    COUNT_COLUMNS,
    FALSE_WORDS,
    HMT_COUNTRIES,
    ISO_COUNTRIES,
    MONEY_COLUMNS,
    OWNERSHIP_ALIASES,
    QUALIFICATION_ALIASES,
    SOURCE_ALIASES,
    TRUE_WORDS,
    USD_COLUMNS,
)
from highland.kit.industry import industry_error_expr, industry_parts_expr
from highland.kit.uscc import uscc_error_expr

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "error": pl.String}
MAX_MONEY_DIGITS = 15  # a quadrillion yuan: anything longer is a typing slip
MONEY_RE = r"^\d{1,15}(\.\d{1,2})?$"
THOUSANDS_RE = r"^\d{1,3}(,\d{3})+(\.\d+)?$"


@dataclass(frozen=True)
class Context:
    """What validation needs to know about the installation."""

    districts: frozenset[str]
    today: date


def _err(df: pl.DataFrame, mask: pl.Expr, column: str, message: pl.Expr | str) -> pl.DataFrame:
    msg = pl.lit(message) if isinstance(message, str) else message
    value = pl.col(column).cast(pl.String) if column in df.columns else pl.lit(None, pl.String)
    # Mask and message are computed over the whole frame first: window expressions such as
    # "first row with this USCC" must see every row, not only the failing ones.
    return (
        df.select(
            pl.col(ROW).cast(pl.Int64).alias("row"),
            pl.lit(column).alias("column"),
            value.alias("value"),
            msg.cast(pl.String).alias("error"),
            mask.fill_null(False).alias("__mask"),
        )
        .filter(pl.col("__mask"))
        .drop("__mask")
    )


def _collect(parts: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(parts).sort(["row", "column"])


def _required(df: pl.DataFrame, columns: tuple[str, ...]) -> list[pl.DataFrame]:
    return [_err(df, pl.col(c).is_null(), c, "required; the cell is empty") for c in columns]


def _date(col: str) -> pl.Expr:
    text = pl.col(col).str.replace_all(r"[/.]", "-")
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        pl.col(col).str.to_date("%Y%m%d", strict=False),
    )


def _too_long(df: pl.DataFrame, col: str, limit: int) -> pl.DataFrame:
    return _err(df, pl.col(col).str.len_chars() > limit, col, f"longer than {limit} characters")


def enterprises(
    df: pl.DataFrame, ctx: Context
) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame]:
    """Validate an enterprise table; return (typed rows, qualification rows or None, errors)."""
    present = set(df.columns)
    df = df.with_columns(pl.col("uscc").str.to_uppercase())
    if "country" in present:
        df = df.with_columns(pl.col("country").str.to_uppercase())
    errs = _required(df, ("uscc", "name", "district_code", "industry_code", "founded_on"))
    errs.append(
        _err(
            df,
            uscc_error_expr(pl.col("uscc")).is_not_null(),
            "uscc",
            uscc_error_expr(pl.col("uscc")),
        )
    )
    first = pl.col(ROW).first().over("uscc")
    errs.append(
        _err(
            df,
            pl.col("uscc").is_not_null() & (pl.col(ROW) != first),
            "uscc",
            pl.format("duplicate USCC in this file: first on row {}", first),
        )
    )
    errs.append(_too_long(df, "name", 200))
    known = sorted(ctx.districts)
    errs.append(
        _err(
            df,
            pl.col("district_code").is_not_null() & ~pl.col("district_code").is_in(known),
            "district_code",
            "unknown district: not a GB/T 2260 district of the configured city nor a custom region",
        )
    )
    ind_err = industry_error_expr(pl.col("industry_code"))
    errs.append(_err(df, ind_err.is_not_null(), "industry_code", ind_err))
    founded = _date("founded_on")
    errs.append(
        _err(
            df,
            pl.col("founded_on").is_not_null() & founded.is_null(),
            "founded_on",
            "not a date; write YYYY-MM-DD",
        )
    )
    errs.append(_err(df, founded > pl.lit(ctx.today), "founded_on", "in the future"))
    errs.append(_err(df, founded < pl.lit(date(1800, 1, 1)), "founded_on", "before 1800"))
    code, section, division = industry_parts_expr(pl.col("industry_code"))
    out = [
        pl.col(ROW),
        pl.col("uscc"),
        pl.col("name"),
        pl.col("district_code"),
        code.alias("industry_code"),
        section.alias("industry_section"),
        division.alias("industry_division"),
        founded.alias("founded_on"),
    ]
    if "name_en" in present:
        errs.append(_too_long(df, "name_en", 300))
        out.append(pl.col("name_en"))
    if "address" in present:
        errs.append(_too_long(df, "address", 300))
        out.append(pl.col("address"))
    if "ownership" in present:
        own = (
            pl.col("ownership")
            .str.to_lowercase()
            .replace_strict(OWNERSHIP_ALIASES, default=None, return_dtype=pl.String)
        )
        own = pl.coalesce(
            own,
            pl.col("ownership").replace_strict(
                OWNERSHIP_ALIASES, default=None, return_dtype=pl.String
            ),
        )
        errs.append(
            _err(
                df,
                pl.col("ownership").is_not_null() & own.is_null(),
                "ownership",
                "unknown ownership; use private, state, collective, foreign or hmt",
            )
        )
        out.append(own.alias("ownership"))
        if "country" in present:
            errs.append(
                _err(
                    df,
                    (own == "foreign") & pl.col("country").is_null(),
                    "country",
                    "required for a foreign-funded enterprise (ISO 3166 code, e.g. DE)",
                )
            )
            errs.append(
                _err(
                    df,
                    (own == "hmt")
                    & pl.col("country").is_not_null()
                    & ~pl.col("country").is_in(sorted(HMT_COUNTRIES)),
                    "country",
                    "Hong Kong, Macao or Taiwan funding takes HK, MO or TW",
                )
            )
    if "country" in present:
        errs.append(
            _err(
                df,
                pl.col("country").is_not_null() & ~pl.col("country").is_in(sorted(ISO_COUNTRIES)),
                "country",
                "not an ISO 3166-1 alpha-2 country code (e.g. DE, US, JP)",
            )
        )
        out.append(pl.col("country"))
    if "listed" in present:
        word = pl.col("listed").str.to_lowercase()
        listed = (
            pl.when(word.is_in(sorted(TRUE_WORDS)))
            .then(True)
            .when(word.is_in(sorted(FALSE_WORDS)))
            .then(False)
            .otherwise(None)
        )
        errs.append(
            _err(
                df,
                pl.col("listed").is_not_null() & listed.is_null(),
                "listed",
                "write true or false (是/否)",
            )
        )
        out.append(listed.alias("listed"))
    quals = None
    if "qualifications" in present:
        quals, qerrs = _qualifications(df)
        errs.append(qerrs)
    return df.select(out), quals, _collect(errs)


def _qualifications(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split 'code@from/to;code' cells into rows (row, uscc, code, valid_from, valid_to)."""
    items = (
        df.select(ROW, "uscc", "qualifications")
        .filter(pl.col("qualifications").is_not_null())
        .with_columns(pl.col("qualifications").str.split(";"))
        .explode("qualifications")
        .with_columns(pl.col("qualifications").str.replace_all("；", ";").str.strip_chars())
        .filter(pl.col("qualifications") != "")
    )
    parts = pl.col("qualifications").str.extract_groups(
        r"^([^@]+?)\s*(?:@\s*(\d{4}-\d{2}-\d{2})?\s*/\s*(\d{4}-\d{2}-\d{2})?)?$"
    )
    items = items.with_columns(parts.alias("p")).unnest("p")
    items = items.rename({"1": "raw_code", "2": "from_text", "3": "to_text"})
    code = pl.coalesce(
        pl.col("raw_code")
        .str.to_lowercase()
        .replace_strict(QUALIFICATION_ALIASES, default=None, return_dtype=pl.String),
        pl.col("raw_code").replace_strict(
            QUALIFICATION_ALIASES, default=None, return_dtype=pl.String
        ),
    )
    items = items.with_columns(
        code.alias("code"),
        pl.col("from_text").str.to_date("%Y-%m-%d", strict=False).alias("valid_from"),
        pl.col("to_text").str.to_date("%Y-%m-%d", strict=False).alias("valid_to"),
    )
    col = "qualifications"
    errs = [
        _err(
            items,
            pl.col("raw_code").is_null(),
            col,
            pl.format("'{}' is not code or code@YYYY-MM-DD/YYYY-MM-DD", pl.col(col)),
        ),
        _err(
            items,
            pl.col("raw_code").is_not_null() & pl.col("code").is_null(),
            col,
            pl.format(
                "unknown qualification '{}'; known: {}",
                pl.col("raw_code"),
                pl.lit(", ".join(sorted({v for v in QUALIFICATION_ALIASES.values()}))),
            ),
        ),
        _err(
            items,
            pl.col("from_text").is_not_null() & pl.col("valid_from").is_null(),
            col,
            pl.format("'{}' has an impossible start date", pl.col(col)),
        ),
        _err(
            items,
            pl.col("to_text").is_not_null() & pl.col("valid_to").is_null(),
            col,
            pl.format("'{}' has an impossible end date", pl.col(col)),
        ),
        _err(
            items,
            pl.col("valid_from") > pl.col("valid_to"),
            col,
            pl.format("'{}' ends before it starts", pl.col(col)),
        ),
        _err(
            items,
            pl.col("code").is_not_null() & pl.col("code").is_duplicated().over(ROW),
            col,
            pl.format("'{}' is listed twice", pl.col("code")),
        ),
    ]
    good = (
        items.select(ROW, "uscc", "code", "valid_from", "valid_to")
        .filter(pl.col("code").is_not_null())
        .unique(subset=[ROW, "code"], keep="first")
    )
    return good, _collect(errs)


def _money(col: str) -> tuple[pl.Expr, pl.Expr]:
    """Return (value in fen or cents, error message) for a money column."""
    raw = pl.col(col)
    plain = (
        pl.when(raw.str.contains(THOUSANDS_RE)).then(raw.str.replace_all(",", "")).otherwise(raw)
    )
    ok = plain.str.contains(MONEY_RE)
    whole = plain.str.extract(r"^(\d+)", 1).cast(pl.Int64, strict=False)
    frac = plain.str.extract(r"\.(\d+)$", 1).fill_null("").str.pad_end(2, "0")
    cents = whole * 100 + frac.cast(pl.Int64, strict=False)
    value = pl.when(ok).then(cents).otherwise(None)
    error = (
        pl.when(raw.is_null())
        .then(None)
        .when(plain.str.starts_with("-"))
        .then(pl.lit("must not be negative"))
        .when(plain.str.contains(r"^\d+\.\d{3,}$"))
        .then(pl.lit("more than 2 decimal places"))
        .when(plain.str.contains(r"^\d{16,}"))
        .then(pl.lit("implausibly large"))
        .when(~ok)
        .then(pl.lit("not an amount; write digits with up to 2 decimals, e.g. 1234.50"))
        .otherwise(None)
    )
    return value, error


def _count(col: str) -> tuple[pl.Expr, pl.Expr]:
    raw = pl.col(col)
    ok = raw.str.contains(r"^\d{1,9}$")
    value = pl.when(ok).then(raw.cast(pl.Int64, strict=False)).otherwise(None)
    error = (
        pl.when(raw.is_null())
        .then(None)
        .when(raw.str.starts_with("-"))
        .then(pl.lit("must not be negative"))
        .when(~ok)
        .then(pl.lit("not a whole number"))
        .otherwise(None)
    )
    return value, error


def financials(
    df: pl.DataFrame, ctx: Context, default_source: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate a yearly-figures table; return (typed rows, errors)."""
    present = set(df.columns)
    df = df.with_columns(pl.col("uscc").str.to_uppercase())
    errs = _required(df, ("uscc", "year"))
    u_err = uscc_error_expr(pl.col("uscc"))
    errs.append(_err(df, u_err.is_not_null(), "uscc", u_err))
    year = pl.col("year").str.replace(r"\.0$", "").cast(pl.Int64, strict=False)
    errs.append(
        _err(
            df,
            pl.col("year").is_not_null() & year.is_null(),
            "year",
            "not a year (write e.g. 2024)",
        )
    )
    errs.append(
        _err(
            df,
            (year < 1949) | (year > ctx.today.year),
            "year",
            f"implausible year; expected 1949–{ctx.today.year}",
        )
    )
    first = pl.col(ROW).first().over(["uscc", year])
    errs.append(
        _err(
            df,
            year.is_not_null() & (pl.col(ROW) != first),
            "year",
            pl.format("duplicate USCC and year in this file: first on row {}", first),
        )
    )
    out: list[pl.Expr] = [pl.col(ROW), pl.col("uscc"), year.alias("year")]
    for col in (*MONEY_COLUMNS, *USD_COLUMNS):
        if col in present:
            value, error = _money(col)
            errs.append(_err(df, error.is_not_null(), col, error))
            out.append(value.alias(col))
    for col in COUNT_COLUMNS:
        if col in present:
            value, error = _count(col)
            errs.append(_err(df, error.is_not_null(), col, error))
            out.append(value.alias(col))
    if "rd_staff" in present and "employees" in present:
        rd, emp = _count("rd_staff")[0], _count("employees")[0]
        errs.append(_err(df, rd > emp, "rd_staff", "more R&D staff than employees"))
    if "source" in present:
        src = pl.coalesce(
            pl.col("source")
            .str.to_lowercase()
            .replace_strict(SOURCE_ALIASES, default=None, return_dtype=pl.String),
            pl.col("source").replace_strict(SOURCE_ALIASES, default=None, return_dtype=pl.String),
        )
        errs.append(
            _err(
                df,
                pl.col("source").is_not_null() & src.is_null(),
                "source",
                "unknown source; use tax, statistics, market_regulator or self_declared",
            )
        )
        out.append(src.fill_null(pl.lit(default_source)).alias("source"))
    else:
        out.append(pl.lit(default_source).alias("source"))
    if "source_date" in present:
        sd = _date("source_date")
        errs.append(
            _err(
                df,
                pl.col("source_date").is_not_null() & sd.is_null(),
                "source_date",
                "not a date; write YYYY-MM-DD",
            )
        )
        out.append(sd.alias("source_date"))
    return df.select(out), _collect(errs)
