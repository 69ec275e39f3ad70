"""The portrait fields a rule may name, their types and their exact integer representation.

Set fields (qualifications, chains, segments) hold a list of codes; `contains` tests that the
set holds every listed code, `in` that it holds any, `not_in` that it holds none.

Every numeric field is held as an integer in a fixed unit so that both evaluators compare
exactly: money in fen, US dollars in cents, ratios in millionths (the portrait rounds them
half-up to 6 places), counts and years as they are. Rules state values in human units
(yuan, USD, fractions such as 0.04); `scale` converts one human unit to the integer unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "usd", "count", "years", "ratio", "code", "bool", "set"]
NUMERIC_KINDS = frozenset({"money", "usd", "count", "years", "ratio"})

SIZE_CLASSES = ("large", "medium", "small", "micro")
LIFECYCLE_STAGES = ("startup", "growth", "expansion", "mature")
QUALIFICATION_CODES = (
    "high_tech",
    "tech_sme",
    "innovative_sme",
    "srdi",
    "little_giant",
    "single_champion",
    "tech_center",
)
OWNERSHIP_CODES = ("private", "state", "collective", "foreign", "hmt")


@dataclass(frozen=True)
class FieldSpec:
    """One field of the enterprise portrait as the rule language sees it."""

    name: str
    kind: Kind
    label_zh: str
    label_en: str
    scale: int = 1  # integer units per human unit (fen per yuan, millionths per 1.0)
    choices: tuple[str, ...] = ()  # allowed values of a code or set field ('' = any)
    # Largest magnitude the integer representation may take; bounds exact amount arithmetic.
    bound: int = 10**15
    # A condition of the scheme the enterprise cannot change by its own effort (where it is
    # registered, its industry, age, ownership, stage): never advice on what is "one away".
    fixed: bool = False

    @property
    def numeric(self) -> bool:
        """Whether the field holds a number (compared with < <= > >= between)."""
        return self.kind in NUMERIC_KINDS


def _f(name: str, kind: Kind, zh: str, en: str, **kw: object) -> FieldSpec:
    scale = {"money": 100, "usd": 100, "ratio": 1_000_000}.get(kind, 1)
    return FieldSpec(name, kind, zh, en, scale, **kw)  # type: ignore[arg-type]


# fmt: off
FIELDS: dict[str, FieldSpec] = {f.name: f for f in (
    _f("district", "code", "所在区", "district", fixed=True),
    # The functional zone or park (江北新区, 江宁经开区 …); none is a known empty value ("").
    _f("zone", "code", "所在功能区（园区）", "functional zone or park", fixed=True),
    _f("industry", "code", "行业代码", "industry code", fixed=True),
    _f("industry_section", "code", "行业门类", "industry section", fixed=True),
    _f("industry_division", "code", "行业大类", "industry division", fixed=True),
    _f("age_years", "years", "成立年限", "age in years", bound=10**4, fixed=True),
    _f("ownership", "code", "登记注册类型", "ownership", choices=OWNERSHIP_CODES, fixed=True),
    _f("country", "code", "投资来源国", "country", fixed=True),
    _f("listed", "bool", "是否上市", "listed", fixed=True),
    _f("qualifications", "set", "资质", "qualifications", choices=QUALIFICATION_CODES),
    _f("size_class", "code", "企业规模", "size class", choices=SIZE_CLASSES, fixed=True),
    _f("revenue", "money", "营业收入", "revenue", bound=10**16),
    _f("output_value", "money", "工业总产值", "output value", bound=10**16),
    _f("tax_paid", "money", "纳税额", "tax paid", bound=10**16),
    _f("employees", "count", "从业人员", "employees", bound=10**9),
    _f("rd_spend", "money", "研发费用", "R&D spend", bound=10**16),
    _f("rd_staff", "count", "研发人员", "R&D staff", bound=10**9),
    _f("rd_intensity", "ratio", "研发投入强度", "R&D intensity", bound=10**12),
    _f("invention_patents", "count", "发明专利", "invention patents", bound=10**9),
    # What the recognitions test (国科发火〔2016〕32号, 国科发政〔2022〕67号,
    # 工信部企业〔2022〕63号):
    # yearly figures of figures_year and what is derived from them over windows ending there.
    _f("main_revenue", "money", "主营业务收入", "main business revenue", bound=10**16),
    _f("hightech_revenue", "money", "高新技术产品（服务）收入",
       "high-tech product and service revenue", bound=10**16),
    _f("tech_staff", "count", "科技人员", "S&T staff", bound=10**9),
    _f("ip_class1", "count", "Ⅰ类知识产权", "Class I intellectual property", bound=10**9),
    _f("ip_class2", "count", "Ⅱ类知识产权", "Class II intellectual property", bound=10**9),
    _f("equity_raised_2y", "money", "近两年新增股权融资", "equity raised, last two years",
       bound=10**16),
    _f("equity_raised_3y", "money", "近三年新增股权融资", "equity raised, last three years",
       bound=10**16),
    _f("rd_spend_2y", "money", "近两年研发费用总额", "R&D spend, last two years", bound=10**16),
    _f("rd_intensity_3y", "ratio", "近三年研发费用占同期销售收入比例",
       "R&D spend over sales, last three accounting years", bound=10**12),
    _f("rd_intensity_min_2y", "ratio", "近两年研发投入强度（较低一年）",
       "R&D intensity, lower of the last two years", bound=10**12),
    _f("tech_staff_share", "ratio", "科技人员占职工总数比例", "S&T staff share of employees",
       bound=10**12),
    _f("rd_staff_share", "ratio", "研发人员占职工总数比例", "R&D staff share of employees",
       bound=10**12),
    _f("hightech_revenue_share", "ratio", "高新技术产品（服务）收入占总收入比例",
       "high-tech product and service revenue share", bound=10**12),
    _f("main_revenue_share", "ratio", "主营业务收入占营业收入比重",
       "main business share of revenue", bound=10**12),
    _f("main_revenue_growth_2y", "ratio", "近两年主营业务收入平均增长率",
       "average main business revenue growth, last two years", bound=10**12),
    _f("niche_years", "years", "从事细分市场年限", "years in the niche market", bound=10**4),
    _f("tech_sme_score", "count", "科技型中小企业评价得分", "technology-based SME evaluation score",
       bound=10**4),
    # Qualifications held with the level that granted them, as "code:level" (srdi:provincial).
    _f("qualification_levels", "set", "资质（含级别）", "qualifications with level"),
    _f("total_assets", "money", "资产总额", "total assets", bound=10**16),
    _f("revenue_growth", "ratio", "营收增长率", "revenue growth", bound=10**12),
    _f("revenue_cagr_3y", "ratio", "营收三年复合增长率", "3-year revenue CAGR", bound=10**12),
    _f("lifecycle_stage", "code", "生命周期阶段", "lifecycle stage", choices=LIFECYCLE_STAGES,
       fixed=True),
    _f("valuation_usd", "usd", "估值（美元）", "valuation (USD)", bound=10**16),
    _f("last_round_usd", "usd", "最近一轮融资（美元）", "last round (USD)", bound=10**16),
    # Open sets (any code): the chains an enterprise is an accepted member of (chain codes) and
    # its segments ("chaincode/segmentcode"). No membership is a known EMPTY set, never
    # missing: `chains contains ic` is false for it, `chains not_in [ic]` true.
    _f("chains", "set", "所属产业链", "chains"),
    _f("segments", "set", "所属产业链环节", "chain segments"),
    # The firm's category on the city's published high-growth list valid at the date (unicorn,
    # cultivated-unicorn, gazelle), lent by the growth domain; on no list is a known EMPTY
    # value (""), never missing: `growth_category in [gazelle]` is false for it.
    _f("growth_category", "code", "高成长企业类别", "high-growth category"),
)}
# fmt: on

# The fields above that the enterprise portrait does not hold: always missing (None) until a
# portrait source supplies them. Evaluators add them as null columns.
UNSOURCED_FIELDS: tuple[str, ...] = ()

FIXED_FIELDS = frozenset(n for n, f in FIELDS.items() if f.fixed)
NUMERIC_SCALES: dict[str, int] = {n: f.scale for n, f in FIELDS.items() if f.numeric}
NUMERIC_BOUNDS: dict[str, int] = {n: f.bound for n, f in FIELDS.items() if f.numeric}
