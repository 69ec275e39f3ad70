"""What a portrait is computed from and what it gives: the inputs (facts and yearly figures) and
the derived fields, each with the inputs and rule behind it.

Pure logic, no web framework and no database. Money is integer fen (USD in integer cents).
None means missing, and a missing input makes a derived field missing, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

SIZE_CLASSES = ("large", "medium", "small", "micro")
LIFECYCLE_STAGES = ("startup", "growth", "expansion", "mature")
# What the recognitions test (portrait/recognition.py), in the order a page shows them.
RECOGNITION_FIELDS = (
    "tech_staff_share", "rd_staff_share", "hightech_revenue_share", "main_revenue_share",
    "rd_intensity_3y", "rd_intensity_min_2y", "rd_spend_2y", "main_revenue_growth_2y",
    "equity_raised_2y", "equity_raised_3y", "niche_years", "tech_sme_score",
)  # fmt: skip
PORTRAIT_FIELDS = (
    "age_years",
    "size_class",
    "rd_intensity",
    "revenue_growth",
    "revenue_cagr_3y",
    "lifecycle_stage",
    *RECOGNITION_FIELDS,
)
# The numeric derived fields a lifecycle rule may compare (size_class is a label, not a number).
LIFECYCLE_FIELDS = ("age_years", "rd_intensity", "revenue_growth", "revenue_cagr_3y")
DEFAULT_LIFECYCLE_PATH = Path(__file__).resolve().parent.parent / "lifecycle.yaml"

# The 2017 size table states money in 万元 (10,000 yuan); figures are in fen.
FEN_PER_10K_YUAN = 1_000_000
MILLIONTH = Decimal("0.000001")

# GB/T 4754-2017 divisions (大类) of each section (门类), inclusive ranges.
# fmt: off
_SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}
# fmt: on

# Groups (中类) that hold a single class (小类), so a 3-digit code still names that class.
# Only the groups the size table distinguishes need to be listed.
SINGLE_CLASS_GROUPS: dict[str, str] = {
    "591": "5910",
    "701": "7010",
    "702": "7020",
    "704": "7040",
}


# --------------------------------------------------------------------------- inputs and results


@dataclass(frozen=True)
class YearFigures:
    """One enterprise's figures for one year; money in fen, USD in cents, None is missing."""

    year: int
    revenue: int | None = None
    output_value: int | None = None
    tax_paid: int | None = None
    rd_spend: int | None = None
    total_assets: int | None = None
    employees: int | None = None
    rd_staff: int | None = None
    invention_patents: int | None = None
    last_round_usd: int | None = None
    valuation_usd: int | None = None
    # What the recognitions test: 主营业务收入, 高新技术产品（服务）收入 (fen), 科技人员,
    # Ⅰ/Ⅱ类知识产权 in force, 新增股权融资 of the year (fen).
    main_revenue: int | None = None
    hightech_revenue: int | None = None
    tech_staff: int | None = None
    ip_class1: int | None = None
    ip_class2: int | None = None
    equity_raised: int | None = None

    def __post_init__(self) -> None:
        """Refuse floats and other non-integers so that money stays exact."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name != "year":
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"YearFigures.{f.name} must be an int or None, got {value!r}")


@dataclass(frozen=True)
class EnterpriseFacts:
    """The slow-changing facts a portrait needs: founding date and GB/T 4754-2017 industry."""

    founded_on: date
    industry_code: str
    industry_section: str
    industry_division: str
    # The year it began in its niche market (专精特新's 从事细分市场年限), None if not known.
    niche_since: int | None = None

    def __post_init__(self) -> None:
        """Refuse industry codes that are malformed or contradict each other."""
        _check_industry(self.industry_section, self.industry_division, self.industry_code)


def _check_industry(section: str, division: str, code: str) -> None:
    if section not in _SECTION_DIVISIONS:
        raise ValueError(f"industry_section must be a letter A–T, got {section!r}")
    if len(division) != 2 or not division.isascii() or not division.isdigit():
        raise ValueError(f"industry_division must be 2 digits, got {division!r}")
    low, high = _SECTION_DIVISIONS[section]
    if not low <= int(division) <= high:
        raise ValueError(f"division {division} is not in section {section} ({low:02d}–{high:02d})")
    if not (2 <= len(code) <= 4 and code.isascii() and code.isdigit()):
        raise ValueError(f"industry_code must be 2–4 digits, got {code!r}")
    if not code.startswith(division):
        raise ValueError(f"industry_code {code} is not in division {division}")


@dataclass(frozen=True)
class Phrase:
    """Words for a person: a catalogue key and its parameters, put in the reader's language
    where they are shown. A parameter may itself be a Phrase, a Joined list or a Local name."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Joined:
    """Several phrases in a row, separated by the catalogue text `sep` (e.g. 'sep.list')."""

    sep: str
    items: tuple[object, ...]


@dataclass(frozen=True)
class Local:
    """A name that has a Chinese and an English form (a row of a standard's table)."""

    zh: str
    en: str


@dataclass(frozen=True)
class Derived:
    """One derived field with the inputs and rule that produced it; value None means missing.
    `rule` is the explanation in English (the API's and the logs'); `why` is the same in
    catalogue phrases, which a page shows in its reader's language."""

    name: str
    value: object | None
    inputs: dict[str, object | None]
    rule: str
    rule_key: str
    missing: list[str]
    why: tuple[Phrase, ...] = ()
    # Why the field does not apply (e.g. "financial" for a size class), or None: not
    # applicable is not missing, and no input would give it a value.
    not_applicable: str | None = None


@dataclass(frozen=True)
class Portrait:
    """An enterprise's derived fields as of a date, computed from the figures of figures_year."""

    as_of: date
    figures_year: int | None
    fields: dict[str, Derived]
