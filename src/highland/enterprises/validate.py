"""Vectorised validation of enterprise and financial tables; every error names row and column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from highland.enterprises.places import place_checks
from highland.enterprises.vocab import (
    FALSE_WORDS,
    FIGURE_COUNTS,
    FIGURE_MONEY,
    HMT_COUNTRIES,
    ISO_COUNTRIES,
    LEVEL_ALIASES,
    OWNERSHIP_ALIASES,
    QUALIFICATION_ALIASES,
    SOURCE_ALIASES,
    TRUE_WORDS,
    USD_COLUMNS,
)
from highland.platform.kit.industry import industry_error_expr, industry_parts_expr
from highland.platform.kit.tables import ROW
from highland.platform.kit.uscc import uscc_error_expr

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "error": pl.String}
BUSINESS_SCOPE_MAX = 2000  # characters of 经营范围
MAX_MONEY_DIGITS = 15  # a quadrillion yuan: anything longer is a typing slip
MONEY_RE = r"^\d{1,15}(\.\d{1,2})?$"
THOUSANDS_RE = r"^\d{1,3}(,\d{3})+(\.\d+)?$"


@dataclass(frozen=True)
class Context:
    """What validation needs to know about the installation.

    `places` maps each region's code, Chinese name and English name (lower-cased) to its
    (code, kind): kind "district" (GB/T 2260) or "zone" (a functional zone or park); see
    `places_of`.
    """

    places: Mapping[str, tuple[str, str]]
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


@dataclass(frozen=True)
class _Check:
    """One rule: where `mask` holds, the cell of `column` gets `message`.

    A `local` message depends only on its own row, so it is computed for the failing rows
    alone; otherwise (window expressions) it is computed over the whole frame, as _err does.
    """

    column: str
    mask: pl.Expr
    message: pl.Expr | str
    local: bool = True


def _run(df: pl.DataFrame, checks: list[_Check]) -> list[pl.DataFrame]:
    """Evaluate every mask in one parallel pass, then build errors only where a mask holds.

    Eager Polars has no common-subexpression elimination, and most files are clean: the
    masks are cheap to compute together, the messages are computed only for failing rows.
    """
    if not checks:
        return []
    flags = df.select([c.mask.fill_null(False).alias(f"__m{i}") for i, c in enumerate(checks)])
    hits = flags.select(pl.all().any()).row(0)
    out: list[pl.DataFrame] = []
    for i, (check, hit) in enumerate(zip(checks, hits, strict=True)):
        if not hit:
            continue
        if not check.local:
            out.append(_err(df, check.mask, check.column, check.message))
            continue
        failing = df.filter(flags.get_column(f"__m{i}"))
        out.append(_err(failing, pl.lit(True), check.column, check.message))
    return out


def _required(columns: tuple[str, ...]) -> list[_Check]:
    return [_Check(c, pl.col(c).is_null(), "required; the cell is empty") for c in columns]


def _date(col: str) -> pl.Expr:
    text = pl.col(col).str.replace_all(r"[/.]", "-")
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        pl.col(col).str.to_date("%Y%m%d", strict=False),
    )


def _too_long(col: str, limit: int) -> _Check:
    return _Check(col, pl.col(col).str.len_chars() > limit, f"longer than {limit} characters")


# A control character in one-line text (multi-line text may hold tab and newlines), and a
# name that shows nothing: only zero-width, bidi-override and other format characters.
_CONTROLS = r"[\x00-\x1f\x7f-\x9f]"
_BLOCK_CONTROLS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_INVISIBLE = r"^[\p{Cf}\p{Cc}\p{Z}\p{Mn}\s]+$"


def _text_checks(col: str, *, multiline: bool = False, visible: bool = False) -> list[_Check]:
    checks = [
        _Check(
            col,
            pl.col(col).str.contains(_BLOCK_CONTROLS if multiline else _CONTROLS),
            "contains a control character; remove it",
        )
    ]
    if visible:
        checks.append(
            _Check(
                col,
                pl.col(col).str.contains(_INVISIBLE),
                "shows nothing: only invisible characters (zero-width spaces, direction marks)",
            )
        )
    return checks


def enterprises(
    df: pl.DataFrame, ctx: Context
) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame]:
    """Validate an enterprise table; return (typed rows, qualification rows or None, errors)."""
    # long: one vectorised pass builds every check of the table (columns, codes,
    # cross-column rules) and evaluates them together; split, the frame would be walked again.
    present = set(df.columns)
    df = df.with_columns(pl.col("uscc").str.to_uppercase())
    if "country" in present:
        df = df.with_columns(pl.col("country").str.to_uppercase())
    # Every expression that several rules (or the output) use is computed once, in one pass.
    derived = [
        uscc_error_expr(pl.col("uscc")).alias("__uscc_error"),
        industry_error_expr(pl.col("industry_code")).alias("__industry_error"),
        _date("founded_on").alias("__founded"),
    ]
    place_derived, place_rules, place_out = place_checks(ctx.places, present)
    derived.extend(place_derived)
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
        derived.append(own.alias("__own"))
    if "listed" in present:
        word = pl.col("listed").str.to_lowercase()
        listed = (
            pl.when(word.is_in(sorted(TRUE_WORDS)))
            .then(True)
            .when(word.is_in(sorted(FALSE_WORDS)))
            .then(False)
            .otherwise(None)
        )
        derived.append(listed.alias("__listed"))
    df = df.with_columns(derived)
    founded = pl.col("__founded")
    checks = _required(("uscc", "name", "district_code", "industry_code", "founded_on"))
    checks.append(_Check("uscc", pl.col("__uscc_error").is_not_null(), pl.col("__uscc_error")))
    first = pl.col(ROW).first().over("uscc")
    checks.append(
        _Check(
            "uscc",
            pl.col("uscc").is_not_null() & (pl.col(ROW) != first),
            pl.format("duplicate USCC in this file: first on row {}", first),
            local=False,
        )
    )
    checks.append(_too_long("name", 200))
    checks.extend(_text_checks("name", visible=True))
    checks.extend(_Check(column, mask, message) for column, mask, message in place_rules)
    checks.append(
        _Check(
            "industry_code",
            pl.col("__industry_error").is_not_null(),
            pl.col("__industry_error"),
        )
    )
    checks.append(
        _Check(
            "founded_on",
            pl.col("founded_on").is_not_null() & founded.is_null(),
            "not a date; write YYYY-MM-DD",
        )
    )
    checks.append(_Check("founded_on", founded > pl.lit(ctx.today), "in the future"))
    checks.append(_Check("founded_on", founded < pl.lit(date(1800, 1, 1)), "before 1800"))
    code, section, division = industry_parts_expr(pl.col("industry_code"))
    out = [
        pl.col(ROW),
        pl.col("uscc"),
        pl.col("name"),
        *place_out,
        code.alias("industry_code"),
        section.alias("industry_section"),
        division.alias("industry_division"),
        founded.alias("founded_on"),
    ]
    if "name_en" in present:
        checks.append(_too_long("name_en", 300))
        checks.extend(_text_checks("name_en", visible=True))
        out.append(pl.col("name_en"))
    if "address" in present:
        checks.append(_too_long("address", 300))
        checks.extend(_text_checks("address"))
        out.append(pl.col("address"))
    if "business_scope" in present:
        checks.append(_too_long("business_scope", BUSINESS_SCOPE_MAX))
        checks.extend(_text_checks("business_scope", multiline=True))
        out.append(pl.col("business_scope"))
    if "ownership" in present:
        own = pl.col("__own")
        checks.append(
            _Check(
                "ownership",
                pl.col("ownership").is_not_null() & own.is_null(),
                "unknown ownership; use private, state, collective, foreign or hmt",
            )
        )
        out.append(own.alias("ownership"))
        if "country" in present:
            checks.append(
                _Check(
                    "country",
                    (own == "foreign") & pl.col("country").is_null(),
                    "required for a foreign-funded enterprise (ISO 3166 code, e.g. DE)",
                )
            )
            checks.append(
                _Check(
                    "country",
                    (own == "hmt")
                    & pl.col("country").is_not_null()
                    & ~pl.col("country").is_in(sorted(HMT_COUNTRIES)),
                    "Hong Kong, Macao or Taiwan funding takes HK, MO or TW",
                )
            )
    if "country" in present:
        checks.append(
            _Check(
                "country",
                pl.col("country").is_not_null() & ~pl.col("country").is_in(sorted(ISO_COUNTRIES)),
                "not an ISO 3166-1 alpha-2 country code (e.g. DE, US, JP)",
            )
        )
        out.append(pl.col("country"))
    if "niche_since" in present:
        since = pl.col("niche_since").str.strip_chars().str.replace(r"\.0$", "")
        since = pl.when(since.str.contains(r"^\d{4}$")).then(since.cast(pl.Int64, strict=False))
        df = df.with_columns(since.alias("__niche"))
        since = pl.col("__niche")
        given = pl.col("niche_since").is_not_null()
        bad = given & since.is_null()
        checks.append(_Check("niche_since", bad, "not a year (write e.g. 2018)"))
        checks.append(
            _Check(
                "niche_since",
                (since < 1900) | (since > ctx.today.year),
                f"implausible year; expected 1900–{ctx.today.year}",
            )
        )
        out.append(since.alias("niche_since"))
    if "listed" in present:
        listed = pl.col("__listed")
        checks.append(
            _Check(
                "listed",
                pl.col("listed").is_not_null() & listed.is_null(),
                "write true or false (是/否)",
            )
        )
        out.append(listed.alias("listed"))
    errs = _run(df, checks)
    quals = None
    if "qualifications" in present:
        quals, qerrs = _qualifications(df)
        errs.append(qerrs)
    return df.select(out), quals, _collect(errs)


def _qualifications(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split 'code:level@from/to;code' cells into rows (row, uscc, code, level, valid_from,
    valid_to); the level and the dates are optional."""
    # long: one list of vectorised checks over the exploded items (form, code, level, dates,
    # order, repeats), each naming the item; split, the items would be exploded again.
    items = (
        df.select(ROW, "uscc", "qualifications")
        .filter(pl.col("qualifications").is_not_null())
        .with_columns(pl.col("qualifications").str.split(";"))
        .explode("qualifications")
        .with_columns(pl.col("qualifications").str.replace_all("；", ";").str.strip_chars())
        .filter(pl.col("qualifications") != "")
    )
    parts = pl.col("qualifications").str.extract_groups(
        r"^([^@:：]+?)\s*(?:[:：]\s*([^@]*?))?\s*"
        r"(?:@\s*(\d{4}-\d{2}-\d{2})?\s*/\s*(\d{4}-\d{2}-\d{2})?)?$"
    )
    items = items.with_columns(parts.alias("p")).unnest("p")
    items = items.rename({"1": "raw_code", "2": "raw_level", "3": "from_text", "4": "to_text"})
    level = pl.col("raw_level").str.to_lowercase()
    items = items.with_columns(
        level.replace_strict(LEVEL_ALIASES, default=None, return_dtype=pl.String).alias("level")
    )
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
            (pl.col("raw_level").fill_null("") != "") & pl.col("level").is_null(),
            col,
            pl.format(
                "unknown qualification level '{}'; use national, provincial or municipal",
                pl.col("raw_level"),
            ),
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
        items.select(ROW, "uscc", "code", "level", "valid_from", "valid_to")
        .filter(pl.col("code").is_not_null())
        .unique(subset=[ROW, "code"], keep="first")
    )
    return good, _collect(errs)


def _money_plain(col: str) -> pl.Expr:
    """The cell with thousands separators removed (when it is written with them)."""
    raw = pl.col(col)
    return pl.when(raw.str.contains(THOUSANDS_RE)).then(raw.str.replace_all(",", "")).otherwise(raw)


def _money_value(plain: pl.Expr) -> pl.Expr:
    """Fen (or cents) of a cell without separators; null unless it is a valid amount.

    A valid amount has at most 15 digits and 2 decimals, so Decimal(18, 2) holds it exactly
    and its physical integer is the amount in hundredths.
    """
    cents = plain.cast(pl.Decimal(18, 2), strict=False).to_physical().cast(pl.Int64)
    return pl.when(plain.str.contains(MONEY_RE)).then(cents).otherwise(None)


def _money_error(col: str) -> pl.Expr:
    """The message for a money cell that is not a valid amount (null when it is)."""
    raw = pl.col(col)
    plain = _money_plain(col)
    ok = plain.str.contains(MONEY_RE)
    return (
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


def _count_value(col: str) -> pl.Expr:
    raw = pl.col(col)
    ok = raw.str.contains(r"^\d{1,9}$")
    return pl.when(ok).then(raw.cast(pl.Int64, strict=False)).otherwise(None)


def _count_error(col: str) -> pl.Expr:
    raw = pl.col(col)
    ok = raw.str.contains(r"^\d{1,9}$")
    return (
        pl.when(raw.is_null())
        .then(None)
        .when(raw.str.starts_with("-"))
        .then(pl.lit("must not be negative"))
        .when(~ok)
        .then(pl.lit("not a whole number"))
        .otherwise(None)
    )


def financials(
    df: pl.DataFrame, ctx: Context, default_source: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate a yearly-figures table; return (typed rows, errors)."""
    # long: as `enterprises`, every check is built for one vectorised pass.
    present = set(df.columns)
    df = df.with_columns(pl.col("uscc").str.to_uppercase())
    money = [c for c in (*FIGURE_MONEY, *USD_COLUMNS) if c in present]
    counts = [c for c in FIGURE_COUNTS if c in present]
    year = pl.col("year").str.replace(r"\.0$", "").cast(pl.Int64, strict=False)
    # Typed values first, each computed once and in parallel; the rules then only compare.
    # A cell is invalid exactly when it is filled and its typed value is null.
    # A figures file repeats each USCC once a year: check every distinct code once.
    bad_usccs = (
        df.select(pl.col("uscc").unique())
        .filter(uscc_error_expr(pl.col("uscc")).is_not_null())
        .get_column("uscc")
    )
    df = df.with_columns(
        pl.col("uscc").is_in(bad_usccs.implode()).alias("__uscc_bad"),
        year.alias("__year"),
        *[_money_plain(c).alias(f"__plain_{c}") for c in money],
        *[_count_value(c).alias(f"__v_{c}") for c in counts],
    )
    df = df.with_columns(
        [_money_value(pl.col(f"__plain_{c}")).alias(f"__v_{c}") for c in money]
    ).drop([f"__plain_{c}" for c in money])
    year = pl.col("__year")
    checks = _required(("uscc", "year"))
    checks.append(_Check("uscc", pl.col("__uscc_bad"), uscc_error_expr(pl.col("uscc"))))
    checks.append(
        _Check(
            "year",
            pl.col("year").is_not_null() & year.is_null(),
            "not a year (write e.g. 2024)",
        )
    )
    checks.append(
        _Check(
            "year",
            (year < 1949) | (year > ctx.today.year),
            f"implausible year; expected 1949–{ctx.today.year}",
        )
    )
    first = pl.col(ROW).first().over(["uscc", year])
    checks.append(
        _Check(
            "year",
            year.is_not_null() & (pl.col(ROW) != first),
            pl.format("duplicate USCC and year in this file: first on row {}", first),
            local=False,
        )
    )
    out: list[pl.Expr] = [pl.col(ROW), pl.col("uscc"), year.alias("year")]
    for col in (*FIGURE_MONEY, *USD_COLUMNS):
        if col in present:
            value = pl.col(f"__v_{col}")
            checks.append(
                _Check(col, pl.col(col).is_not_null() & value.is_null(), _money_error(col))
            )
            out.append(value.alias(col))
    for col in FIGURE_COUNTS:
        if col in present:
            value = pl.col(f"__v_{col}")
            checks.append(
                _Check(col, pl.col(col).is_not_null() & value.is_null(), _count_error(col))
            )
            out.append(value.alias(col))
    if "rd_staff" in present and "employees" in present:
        rd, emp = pl.col("__v_rd_staff"), pl.col("__v_employees")
        checks.append(_Check("rd_staff", rd > emp, "more R&D staff than employees"))
    # A part never exceeds its whole (both given): 科技人员 of 从业人员, the revenues of 营业收入.
    for part, whole, message in (
        ("tech_staff", "employees", "more S&T staff than employees"),
        ("main_revenue", "revenue", "main business revenue above revenue"),
        ("hightech_revenue", "revenue", "high-tech revenue above revenue"),
    ):
        if part in present and whole in present:
            checks.append(_Check(part, pl.col(f"__v_{part}") > pl.col(f"__v_{whole}"), message))
    if "source" in present:
        src = pl.coalesce(
            pl.col("source")
            .str.to_lowercase()
            .replace_strict(SOURCE_ALIASES, default=None, return_dtype=pl.String),
            pl.col("source").replace_strict(SOURCE_ALIASES, default=None, return_dtype=pl.String),
        )
        df = df.with_columns(src.alias("__source"))
        src = pl.col("__source")
        checks.append(
            _Check(
                "source",
                pl.col("source").is_not_null() & src.is_null(),
                "unknown source; use tax, statistics, market_regulator or self_declared",
            )
        )
        out.append(src.fill_null(pl.lit(default_source)).alias("source"))
    else:
        out.append(pl.lit(default_source).alias("source"))
    if "source_date" in present:
        df = df.with_columns(_date("source_date").alias("__source_date"))
        sd = pl.col("__source_date")
        checks.append(
            _Check(
                "source_date",
                pl.col("source_date").is_not_null() & sd.is_null(),
                "not a date; write YYYY-MM-DD",
            )
        )
        out.append(sd.alias("source_date"))
    return df.select(out), _collect(_run(df, checks))
