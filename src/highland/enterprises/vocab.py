"""Controlled vocabularies of the registry: qualifications, ownership, sources, headers."""

from __future__ import annotations

import pycountry

from highland.platform.web.i18n import translate


def _zh(kind: str, code: str) -> str:
    """A code's Chinese name (files name vocabulary in Chinese as well as by code)."""
    return translate("zh-CN", f"vocab.{kind}.{code}")


def vocab_name(lang: str, kind: str, code: str) -> str:
    """A qualification's, ownership type's or data source's name in the reader's language."""
    return translate(lang, f"vocab.{kind}.{code}")

# code → usual validity in years (None: none); names: catalogue `vocab.qualification.<code>`
QUALIFICATIONS: dict[str, int | None] = {
    "high_tech": 3,
    "tech_sme": 1,
    "innovative_sme": 3,
    "srdi": 3,
    "little_giant": 3,
    "single_champion": 3,
    "tech_center": None,
}

QUALIFICATION_ALIASES: dict[str, str] = {
    **{code: code for code in QUALIFICATIONS},
    **{_zh("qualification", code): code for code in QUALIFICATIONS},
    "高企": "high_tech",
    "高新技术企业认定": "high_tech",
    "科小": "tech_sme",
    "专精特新": "srdi",
    "小巨人": "little_giant",
    "专精特新小巨人": "little_giant",
    "单项冠军": "single_champion",
}

# Who granted a qualification (enterprise_qualification.level); names: `vocab.level.<code>`.
# A file writes it after the code: "srdi:provincial", "专精特新:省级".
QUALIFICATION_LEVELS: tuple[str, ...] = ("national", "provincial", "municipal")
LEVEL_ALIASES: dict[str, str] = {
    **{code: code for code in QUALIFICATION_LEVELS},
    **{_zh("level", code): code for code in QUALIFICATION_LEVELS},
    "国家": "national",
    "省": "provincial",
    "省级（江苏）": "provincial",
    "市": "municipal",
}

# names: catalogue `vocab.ownership.<code>`
OWNERSHIP: tuple[str, ...] = ("private", "state", "collective", "foreign", "hmt")

OWNERSHIP_ALIASES: dict[str, str] = {
    **{code: code for code in OWNERSHIP},
    **{_zh("ownership", code): code for code in OWNERSHIP},
    "私营": "private",
    "民营企业": "private",
    "国有企业": "state",
    "国企": "state",
    "集体企业": "collective",
    "外资": "foreign",
    "外商投资企业": "foreign",
    "外资企业": "foreign",
    "港澳台": "hmt",
    "港澳台资": "hmt",
    "港澳台投资企业": "hmt",
}

HMT_COUNTRIES = frozenset({"HK", "MO", "TW"})

# names: catalogue `vocab.source.<code>`
SOURCES: tuple[str, ...] = ("tax", "statistics", "market_regulator", "self_declared")
SOURCE_ALIASES: dict[str, str] = {
    **{code: code for code in SOURCES},
    **{_zh("source", code): code for code in SOURCES},
    "税务局": "tax",
    "统计局": "statistics",
    "市场监管局": "market_regulator",
    "自报": "self_declared",
    "自主申报": "self_declared",
}

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "已上市", "上市"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "未上市", "非上市"})

ENTERPRISE_COLUMNS = (
    "uscc",
    "name",
    "name_en",
    "district_code",
    "zone_code",
    "industry_code",
    "founded_on",
    "ownership",
    "country",
    "listed",
    "qualifications",
    "address",
    # The year it began in its niche market (专精特新's 从事细分市场年限).
    "niche_since",
)
# What an enterprise import reads: the export's columns and the business scope (经营范围,
# optional, at most 2,000 characters; it feeds the chains' keyword suggestions).
ENTERPRISE_IMPORT_COLUMNS = (*ENTERPRISE_COLUMNS, "business_scope")
ENTERPRISE_REQUIRED = ("uscc", "name", "district_code", "industry_code", "founded_on")

MONEY_COLUMNS = ("revenue", "output_value", "tax_paid", "rd_spend", "total_assets")
# What the recognitions test: 主营业务收入, 高新技术产品（服务）收入, 新增股权融资 (money);
# 科技人员, Ⅰ类 and Ⅱ类知识产权 (counts).
RECOGNITION_MONEY = ("main_revenue", "hightech_revenue", "equity_raised")
RECOGNITION_COUNTS = ("tech_staff", "ip_class1", "ip_class2")
USD_COLUMNS = ("last_round_usd", "valuation_usd")
COUNT_COLUMNS = ("employees", "rd_staff", "invention_patents")
FIGURE_MONEY = (*MONEY_COLUMNS, *RECOGNITION_MONEY)
FIGURE_COUNTS = (*COUNT_COLUMNS, *RECOGNITION_COUNTS)
FINANCIAL_COLUMNS = (
    "uscc",
    "year",
    "revenue",
    "output_value",
    "tax_paid",
    "employees",
    "rd_spend",
    "rd_staff",
    "invention_patents",
    "total_assets",
    "last_round_usd",
    "valuation_usd",
    "main_revenue",
    "hightech_revenue",
    "tech_staff",
    "ip_class1",
    "ip_class2",
    "equity_raised",
    "source",
    "source_date",
)
FINANCIAL_REQUIRED = ("uscc", "year")

# The yearly-figures export's Chinese headers (the default, docs/numbers.md): money says its
# unit (exact yuan, US dollars for the rounds); each header is an alias the import reads back.
FINANCIAL_ZH_HEADERS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "year": "年份",
    "revenue": "营业收入（元）",
    "output_value": "工业总产值（元）",
    "tax_paid": "纳税额（元）",
    "employees": "从业人员",
    "rd_spend": "研发投入（元）",
    "rd_staff": "研发人员",
    "invention_patents": "发明专利",
    "total_assets": "资产总额（元）",
    "last_round_usd": "最近一轮融资额（美元）",
    "valuation_usd": "估值（美元）",
    "main_revenue": "主营业务收入（元）",
    "hightech_revenue": "高新技术产品（服务）收入（元）",
    "tech_staff": "科技人员",
    "ip_class1": "Ⅰ类知识产权",
    "ip_class2": "Ⅱ类知识产权",
    "equity_raised": "新增股权融资（元）",
    "source": "数据来源",
    "source_date": "数据日期",
}

# Chinese (and a few English) header aliases → column names.
HEADER_ALIASES: dict[str, str] = {
    "统一社会信用代码": "uscc",
    "信用代码": "uscc",
    "企业名称": "name",
    "名称": "name",
    "英文名称": "name_en",
    "english name": "name_en",
    "行政区划代码": "district_code",
    "区划代码": "district_code",
    "所属区": "district_code",
    "district": "district_code",
    # The functional zone or park (江北新区, 江宁经开区 …): a code or a name of the zone list.
    "功能区代码": "zone_code",
    "功能区": "zone_code",
    "所属功能区": "zone_code",
    "园区": "zone_code",
    "所属园区": "zone_code",
    "功能区（园区）": "zone_code",
    "zone": "zone_code",
    "行业代码": "industry_code",
    "国民经济行业代码": "industry_code",
    "industry": "industry_code",
    "成立日期": "founded_on",
    "成立时间": "founded_on",
    "founded": "founded_on",
    "所有制": "ownership",
    "所有制代码": "ownership",
    "企业类型": "ownership",
    "国别": "country",
    "投资国别": "country",
    "是否上市": "listed",
    "资质": "qualifications",
    "资质代码": "qualifications",
    "企业资质": "qualifications",
    "地址": "address",
    "注册地址": "address",
    "经营范围": "business_scope",
    "年份": "year",
    "年度": "year",
    "营业收入": "revenue",
    "工业总产值": "output_value",
    "产值": "output_value",
    "纳税额": "tax_paid",
    "税收": "tax_paid",
    "从业人员": "employees",
    "从业人数": "employees",
    "员工人数": "employees",
    "研发投入": "rd_spend",
    "研发费用": "rd_spend",
    "研发人员": "rd_staff",
    "发明专利": "invention_patents",
    "发明专利数": "invention_patents",
    "资产总额": "total_assets",
    "总资产": "total_assets",
    "最近一轮融资额": "last_round_usd",
    "最近融资额": "last_round_usd",
    "估值": "valuation_usd",
    "投后估值": "valuation_usd",
    "数据来源": "source",
    "来源": "source",
    "数据日期": "source_date",
    "主营业务收入": "main_revenue",
    "高新技术产品（服务）收入": "hightech_revenue",
    "高新技术产品(服务)收入": "hightech_revenue",
    "高新技术产品收入": "hightech_revenue",
    "高新收入": "hightech_revenue",
    "科技人员": "tech_staff",
    "科技人员数": "tech_staff",
    "Ⅰ类知识产权": "ip_class1",
    "I类知识产权": "ip_class1",
    "一类知识产权": "ip_class1",
    "Ⅱ类知识产权": "ip_class2",
    "II类知识产权": "ip_class2",
    "二类知识产权": "ip_class2",
    "新增股权融资": "equity_raised",
    "股权融资": "equity_raised",
    "细分市场起始年份": "niche_since",
    "从事细分市场起始年份": "niche_since",
    "进入细分市场年份": "niche_since",
    # What the yearly-figures export writes (with units) reads back as its column.
    **{zh: code for code, zh in FINANCIAL_ZH_HEADERS.items()},
}

# ISO 3166-1 alpha-2 codes (officially assigned), for the `country` column: pycountry's
# copy of the standard.
ISO_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)
