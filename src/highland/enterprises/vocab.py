"""Controlled vocabularies of the registry: qualifications, ownership, sources, headers."""

from __future__ import annotations

# code → (zh, en, usual validity in years or None)
QUALIFICATIONS: dict[str, tuple[str, str, int | None]] = {
    "high_tech": ("高新技术企业", "High-tech enterprise", 3),
    "tech_sme": ("科技型中小企业", "Technology-based SME", 1),
    "innovative_sme": ("创新型中小企业", "Innovative SME", 3),
    "srdi": ("专精特新中小企业", "SRDI SME (specialised, refined, distinctive, innovative)", 3),
    "little_giant": ("专精特新“小巨人”企业", "SRDI “little giant”", 3),
    "single_champion": ("制造业单项冠军企业", "Manufacturing single champion", 3),
    "tech_center": ("企业技术中心", "Enterprise technology centre", None),
}

QUALIFICATION_ALIASES: dict[str, str] = {
    **{code: code for code in QUALIFICATIONS},
    **{zh: code for code, (zh, _en, _v) in QUALIFICATIONS.items()},
    "高企": "high_tech",
    "高新技术企业认定": "high_tech",
    "科小": "tech_sme",
    "专精特新": "srdi",
    "小巨人": "little_giant",
    "专精特新小巨人": "little_giant",
    "单项冠军": "single_champion",
}

OWNERSHIP: dict[str, tuple[str, str]] = {
    "private": ("民营", "Private"),
    "state": ("国有", "State-owned"),
    "collective": ("集体", "Collective"),
    "foreign": ("外商投资", "Foreign-funded"),
    "hmt": ("港澳台投资", "Hong Kong, Macao or Taiwan-funded"),
}

OWNERSHIP_ALIASES: dict[str, str] = {
    **{code: code for code in OWNERSHIP},
    **{zh: code for code, (zh, _en) in OWNERSHIP.items()},
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

SOURCES: dict[str, tuple[str, str]] = {
    "tax": ("税务", "Tax bureau"),
    "statistics": ("统计", "Statistics bureau"),
    "market_regulator": ("市场监管", "Market regulator"),
    "self_declared": ("企业自报", "Self-declared"),
}
SOURCE_ALIASES: dict[str, str] = {
    **{code: code for code in SOURCES},
    **{zh: code for code, (zh, _en) in SOURCES.items()},
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
    "industry_code",
    "founded_on",
    "ownership",
    "country",
    "listed",
    "qualifications",
    "address",
)
ENTERPRISE_REQUIRED = ("uscc", "name", "district_code", "industry_code", "founded_on")

MONEY_COLUMNS = ("revenue", "output_value", "tax_paid", "rd_spend", "total_assets")
USD_COLUMNS = ("last_round_usd", "valuation_usd")
COUNT_COLUMNS = ("employees", "rd_staff", "invention_patents")
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
    "source",
    "source_date",
)
FINANCIAL_REQUIRED = ("uscc", "year")

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
    "行业代码": "industry_code",
    "国民经济行业代码": "industry_code",
    "industry": "industry_code",
    "成立日期": "founded_on",
    "成立时间": "founded_on",
    "founded": "founded_on",
    "所有制": "ownership",
    "企业类型": "ownership",
    "国别": "country",
    "投资国别": "country",
    "是否上市": "listed",
    "资质": "qualifications",
    "企业资质": "qualifications",
    "地址": "address",
    "注册地址": "address",
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
}

# ISO 3166-1 alpha-2 codes (officially assigned), for the `country` column.
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW""".split()
)
