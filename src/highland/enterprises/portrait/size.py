"""The 2017 size table (大中小微型企业划分办法): which class an enterprise's figures put it in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from highland.enterprises.portrait.facts import FEN_PER_10K_YUAN, SINGLE_CLASS_GROUPS, SIZE_CLASSES

# --------------------------------------------------------------------------- the 2017 size table


@dataclass(frozen=True)
class SizeTier:
    """Lower bounds a firm must all meet to be of `size`; a None bound is not used by the tier."""

    size: str
    employees: int | None = None
    revenue_10k: int | None = None  # 营业收入, 万元
    assets_10k: int | None = None  # 资产总额, 万元

    def bounds(self) -> tuple[tuple[str, int], ...]:
        """The (input name, bound) pairs, money bounds converted to fen."""
        pairs = (
            ("employees", self.employees, 1),
            ("revenue", self.revenue_10k, FEN_PER_10K_YUAN),
            ("total_assets", self.assets_10k, FEN_PER_10K_YUAN),
        )
        return tuple((name, bound * unit) for name, bound, unit in pairs if bound is not None)


@dataclass(frozen=True)
class IndustryMatcher:
    """Which industries a size-table row covers; with no criteria it is the catch-all row."""

    sections: tuple[str, ...] = ()
    divisions: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()  # 4-digit classes (小类)

    @property
    def specificity(self) -> int:
        """3 with classes, 2 with divisions, 1 with sections only, 0 for the catch-all."""
        return 3 if self.classes else 2 if self.divisions else 1 if self.sections else 0

    def matches(self, section: str, division: str, industry_code: str) -> bool:
        """Whether an industry falls under this row (any of its sections, divisions, classes)."""
        if self.specificity == 0:
            return True
        return (
            section in self.sections
            or division in self.divisions
            or industry_class(industry_code) in self.classes
        )

    def parts(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The (level, codes) criteria it has, broadest first, e.g. (("divisions", ("54",)),)."""
        levels = (
            ("sections", self.sections),
            ("divisions", self.divisions),
            ("classes", self.classes),
        )
        return tuple((label, codes) for label, codes in levels if codes)

    def describe(self) -> str:
        """The criteria in words, e.g. 'sections B,C,D' or 'divisions 54,55; classes 5910'."""
        words = [f"{label} {','.join(codes)}" for label, codes in self.parts()]
        return "; ".join(words) or "all other industries"


@dataclass(frozen=True)
class SizeRow:
    """One row of the 2017 table: the industries it covers and its large/medium/small tiers."""

    key: str
    matcher: IndustryMatcher
    label_zh: str
    label_en: str
    tiers: tuple[SizeTier, SizeTier, SizeTier]

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input names any tier of this row compares, in a fixed order."""
        used = {name for tier in self.tiers for name, _ in tier.bounds()}
        return tuple(n for n in ("employees", "revenue", "total_assets") if n in used)


_Bounds = tuple[int, int, int]


def _tier(size: str, bounds: _Bounds) -> SizeTier:
    """A tier from (employees, revenue 万元, total assets 万元), where 0 marks an unused bound."""
    employees, revenue_10k, assets_10k = bounds
    return SizeTier(size, employees or None, revenue_10k or None, assets_10k or None)


def _row(
    key: str,
    matcher: IndustryMatcher,
    zh: str,
    en: str,
    large: _Bounds,
    medium: _Bounds,
    small: _Bounds,
) -> SizeRow:
    """A size-table row from its large, medium and small bounds."""
    tiers = (_tier("large", large), _tier("medium", medium), _tier("small", small))
    return SizeRow(key, matcher, zh, en, tiers)


_M = IndustryMatcher

# 统计上大中小微型企业划分办法（2017）, 国统字〔2017〕213号. Per tier: (X employees 从业人员,
# Y revenue 营业收入 万元, Z total assets 资产总额 万元), 0 where the standard does not use the
# indicator for that industry. Matchers follow GB/T 4754-2017.
# fmt: off
SIZE_TABLE: tuple[SizeRow, ...] = (
    _row("agriculture", _M(sections=("A",)), "农、林、牧、渔业",
         "agriculture, forestry, animal husbandry and fishery",
         (0, 20000, 0), (0, 500, 0), (0, 50, 0)),
    _row("industry", _M(sections=("B", "C", "D")), "工业", "industry",
         (1000, 40000, 0), (300, 2000, 0), (20, 300, 0)),
    _row("construction", _M(sections=("E",)), "建筑业", "construction",
         (0, 80000, 80000), (0, 6000, 5000), (0, 300, 300)),
    _row("wholesale", _M(divisions=("51",)), "批发业", "wholesale",
         (200, 40000, 0), (20, 5000, 0), (5, 1000, 0)),
    _row("retail", _M(divisions=("52",)), "零售业", "retail",
         (300, 20000, 0), (50, 500, 0), (10, 100, 0)),
    # 交通运输业*: 道路、水上、航空、管道运输, 多式联运和运输代理 (54-58) and 装卸搬运 (5910);
    # not 铁路运输业 (53), which the standard leaves out (OUT_OF_SCOPE).
    _row("transport", _M(divisions=("54", "55", "56", "57", "58"), classes=("5910",)),
         "交通运输业", "transport", (1000, 30000, 0), (300, 3000, 0), (20, 200, 0)),
    # 仓储业*: the storage classes of 59 (592-599); 5910 is transport, which, naming a class,
    # is tried first.
    _row("warehousing", _M(divisions=("59",)), "仓储业", "warehousing",
         (200, 30000, 0), (100, 1000, 0), (20, 100, 0)),
    _row("postal", _M(divisions=("60",)), "邮政业", "postal services",
         (1000, 30000, 0), (300, 2000, 0), (20, 100, 0)),
    _row("accommodation", _M(divisions=("61",)), "住宿业", "accommodation",
         (300, 10000, 0), (100, 2000, 0), (10, 100, 0)),
    _row("catering", _M(divisions=("62",)), "餐饮业", "catering",
         (300, 10000, 0), (100, 2000, 0), (10, 100, 0)),
    _row("information_transmission", _M(divisions=("63", "64")), "信息传输业",
         "information transmission", (2000, 100000, 0), (100, 1000, 0), (10, 100, 0)),
    _row("software_it", _M(divisions=("65",)), "软件和信息技术服务业",
         "software and information technology services",
         (300, 10000, 0), (100, 1000, 0), (10, 50, 0)),
    _row("real_estate_development", _M(classes=("7010",)), "房地产开发经营",
         "real estate development", (0, 200000, 10000), (0, 1000, 5000), (0, 100, 2000)),
    _row("property_management", _M(classes=("7020",)), "物业管理", "property management",
         (1000, 5000, 0), (300, 1000, 0), (100, 500, 0)),
    _row("leasing_business", _M(sections=("L",)), "租赁和商务服务业",
         "leasing and business services", (300, 0, 120000), (100, 0, 8000), (10, 0, 100)),
    # 其他未列明行业*: M, N, O, Q85 (社会工作), R, 7030 and 7090; the industries the standard
    # does not cover are OUT_OF_SCOPE, tried before any row.
    _row("other", _M(), "其他未列明行业", "other industries",
         (300, 0, 0), (100, 0, 0), (10, 0, 0)),
)


@dataclass(frozen=True)
class OutOfScope:
    """Industries the 2017 standard does not cover: their size is not applicable, for `reason`."""

    reason: str
    matcher: IndustryMatcher


# 国统字〔2017〕213号 第三条 covers 15 sections and division 85 (社会工作); its table's notes
# leave 铁路运输业 out of 交通运输业 and 自有房地产经营活动 (GB/T 4754-2017 7040) out of
# 其他未列明行业. Financial firms are sized by 银发〔2015〕309号 instead.
OUT_OF_SCOPE: tuple[OutOfScope, ...] = (
    OutOfScope("railway", _M(divisions=("53",))),
    OutOfScope("financial", _M(sections=("J",))),
    OutOfScope("own_real_estate", _M(classes=("7040",))),
    OutOfScope("education", _M(sections=("P",))),
    OutOfScope("health", _M(divisions=("84",))),
    OutOfScope("public_admin", _M(sections=("S",))),
    OutOfScope("international", _M(sections=("T",))),
)
NOT_APPLICABLE_REASONS = tuple(x.reason for x in OUT_OF_SCOPE)
# fmt: on


def _check_size_table(table: Sequence[SizeRow]) -> None:
    """Refuse a malformed table at import, since both Python and SQL classification trust it."""
    if len({row.key for row in table}) != len(table):
        raise ValueError("size table keys must be unique")
    if [row.matcher.specificity for row in table].count(0) != 1:
        raise ValueError("size table needs exactly one catch-all row")
    for row in table:
        m = row.matcher
        if any(len(c) != 4 or not c.isdigit() for c in m.classes):
            raise ValueError(f"size row {row.key}: classes must be 4-digit codes")
        if any(not tier.bounds() for tier in row.tiers):
            raise ValueError(f"size row {row.key}: every tier needs at least one bound")


_check_size_table(SIZE_TABLE)

# Most specific first, so class rows (K7010) win over the catch-all; the sort is stable.
SIZE_ROWS_BY_SPECIFICITY: tuple[SizeRow, ...] = tuple(
    sorted(SIZE_TABLE, key=lambda row: -row.matcher.specificity)
)


def industry_class(industry_code: str) -> str:
    """The 4-digit class a code names: its first 4 digits, or the sole class of a 3-digit group."""
    return SINGLE_CLASS_GROUPS.get(industry_code, industry_code[:4])


def not_applicable_reason(section: str, division: str, industry_code: str) -> str | None:
    """Why the 2017 standard gives an industry no size (e.g. "financial"), or None if it does."""
    for rule in OUT_OF_SCOPE:
        if rule.matcher.matches(section, division, industry_code):
            return rule.reason
    return None


def size_row_for(section: str, division: str, industry_code: str) -> SizeRow:
    """The most specific size-table row covering an industry."""
    for row in SIZE_ROWS_BY_SPECIFICITY:
        if row.matcher.matches(section, division, industry_code):
            return row
    raise AssertionError("unreachable: the catch-all row matches every industry")


def _at_least(value: int | None, bound: int) -> bool | None:
    return None if value is None else value >= bound


def _all_of(truths: Sequence[bool | None]) -> bool | None:
    """Three-valued AND: False if any is False, else unknown if any is unknown."""
    if False in truths:
        return False
    return None if None in truths else True


def tier_truths(row: SizeRow, values: Mapping[str, int | None]) -> list[bool | None]:
    """For each tier, whether all its bounds are met (None when that is unknown)."""
    return [_all_of([_at_least(values[n], b) for n, b in tier.bounds()]) for tier in row.tiers]


def decide_size(truths: Sequence[bool | None]) -> str | None:
    """The highest tier whose bounds all hold, provided every higher tier is known to fail.

    An unknown tier above the first certain one leaves the class missing, but once every tier
    is known to fail the class is micro even if some inputs are missing: micro needs only one
    indicator below the small floor, so known inputs can decide it on their own.
    """
    for size, truth in zip(SIZE_CLASSES, truths, strict=False):
        if truth is None:
            return None
        if truth:
            return size
    return "micro"


def classify_size(
    section: str,
    division: str,
    industry_code: str,
    employees: int | None,
    revenue: int | None,
    total_assets: int | None,
) -> str | None:
    """The 2017 size class from employees and fen amounts; None when inputs leave it open or
    when the standard does not cover the industry (see not_applicable_reason)."""
    if not_applicable_reason(section, division, industry_code) is not None:
        return None
    row = size_row_for(section, division, industry_code)
    values = {"employees": employees, "revenue": revenue, "total_assets": total_assets}
    return decide_size(tier_truths(row, values))
