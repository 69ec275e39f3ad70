"""Industrial classification for national economic activities (GB/T 4754-2017).

Only sections (门类, A-T) and divisions (大类, two digits) are tabulated; three-digit groups (中类)
and four-digit classes (小类) are accepted by their division prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

__all__ = [
    "DIVISIONS",
    "SECTIONS",
    "SECTION_RANGES",
    "Industry",
    "IndustryError",
    "industry_error_expr",
    "industry_parts_expr",
    "parse_industry",
    "section_of",
]

# Section letter -> (Chinese name, English name).
SECTIONS: dict[str, tuple[str, str]] = {
    "A": ("农、林、牧、渔业", "Agriculture, Forestry, Animal Husbandry and Fishery"),
    "B": ("采矿业", "Mining"),
    "C": ("制造业", "Manufacturing"),
    "D": (
        "电力、热力、燃气及水生产和供应业",
        "Production and Supply of Electricity, Heat, Gas and Water",
    ),
    "E": ("建筑业", "Construction"),
    "F": ("批发和零售业", "Wholesale and Retail Trade"),
    "G": ("交通运输、仓储和邮政业", "Transport, Storage and Postal Services"),
    "H": ("住宿和餐饮业", "Accommodation and Catering"),
    "I": (
        "信息传输、软件和信息技术服务业",
        "Information Transmission, Software and Information Technology Services",
    ),
    "J": ("金融业", "Finance"),
    "K": ("房地产业", "Real Estate"),
    "L": ("租赁和商务服务业", "Leasing and Business Services"),
    "M": ("科学研究和技术服务业", "Scientific Research and Technical Services"),
    "N": (
        "水利、环境和公共设施管理业",
        "Water Conservancy, Environment and Public Facilities Management",
    ),
    "O": ("居民服务、修理和其他服务业", "Resident Services, Repair and Other Services"),
    "P": ("教育", "Education"),
    "Q": ("卫生和社会工作", "Health and Social Work"),
    "R": ("文化、体育和娱乐业", "Culture, Sports and Entertainment"),
    "S": (
        "公共管理、社会保障和社会组织",
        "Public Administration, Social Security and Social Organisations",
    ),
    "T": ("国际组织", "International Organisations"),
}

# Section letter -> (first division, last division), inclusive.
SECTION_RANGES: dict[str, tuple[str, str]] = {
    "A": ("01", "05"),
    "B": ("06", "12"),
    "C": ("13", "43"),
    "D": ("44", "46"),
    "E": ("47", "50"),
    "F": ("51", "52"),
    "G": ("53", "60"),
    "H": ("61", "62"),
    "I": ("63", "65"),
    "J": ("66", "69"),
    "K": ("70", "70"),
    "L": ("71", "72"),
    "M": ("73", "75"),
    "N": ("76", "79"),
    "O": ("80", "82"),
    "P": ("83", "83"),
    "Q": ("84", "85"),
    "R": ("86", "90"),
    "S": ("91", "96"),
    "T": ("97", "97"),
}

# Division code -> (Chinese name, short English name); the section is derived from the ranges
# above so the two tables cannot disagree.
_DIVISION_NAMES: dict[str, tuple[str, str]] = {
    # A
    "01": ("农业", "Agriculture"),
    "02": ("林业", "Forestry"),
    "03": ("畜牧业", "Animal husbandry"),
    "04": ("渔业", "Fishery"),
    "05": (
        "农、林、牧、渔专业及辅助性活动",
        "Agriculture, forestry and fishery support activities",
    ),
    # B
    "06": ("煤炭开采和洗选业", "Coal mining and washing"),
    "07": ("石油和天然气开采业", "Petroleum and natural gas extraction"),
    "08": ("黑色金属矿采选业", "Ferrous metal ore mining"),
    "09": ("有色金属矿采选业", "Non-ferrous metal ore mining"),
    "10": ("非金属矿采选业", "Non-metallic mineral mining"),
    "11": ("开采专业及辅助性活动", "Mining support activities"),
    "12": ("其他采矿业", "Other mining"),
    # C
    "13": ("农副食品加工业", "Agricultural and sideline food processing"),
    "14": ("食品制造业", "Food manufacturing"),
    "15": ("酒、饮料和精制茶制造业", "Liquor, beverages and refined tea"),
    "16": ("烟草制品业", "Tobacco products"),
    "17": ("纺织业", "Textiles"),
    "18": ("纺织服装、服饰业", "Textile garments and apparel"),
    "19": ("皮革、毛皮、羽毛及其制品和制鞋业", "Leather, fur, feather products and footwear"),
    "20": ("木材加工和木、竹、藤、棕、草制品业", "Wood, bamboo, rattan, palm and straw products"),
    "21": ("家具制造业", "Furniture"),
    "22": ("造纸和纸制品业", "Paper and paper products"),
    "23": ("印刷和记录媒介复制业", "Printing and reproduction of recorded media"),
    "24": (
        "文教、工美、体育和娱乐用品制造业",
        "Education, arts and crafts, sports and entertainment goods",
    ),
    "25": ("石油、煤炭及其他燃料加工业", "Petroleum, coal and other fuel processing"),
    "26": ("化学原料和化学制品制造业", "Chemical raw materials and chemical products"),
    "27": ("医药制造业", "Pharmaceuticals"),
    "28": ("化学纤维制造业", "Chemical fibres"),
    "29": ("橡胶和塑料制品业", "Rubber and plastic products"),
    "30": ("非金属矿物制品业", "Non-metallic mineral products"),
    "31": ("黑色金属冶炼和压延加工业", "Ferrous metal smelting and rolling"),
    "32": ("有色金属冶炼和压延加工业", "Non-ferrous metal smelting and rolling"),
    "33": ("金属制品业", "Metal products"),
    "34": ("通用设备制造业", "General-purpose equipment"),
    "35": ("专用设备制造业", "Special-purpose equipment"),
    "36": ("汽车制造业", "Automobiles"),
    "37": (
        "铁路、船舶、航空航天和其他运输设备制造业",
        "Railway, ship, aerospace and other transport equipment",
    ),
    "38": ("电气机械和器材制造业", "Electrical machinery and equipment"),
    "39": (
        "计算机、通信和其他电子设备制造业",
        "Computers, communication and other electronic equipment",
    ),
    "40": ("仪器仪表制造业", "Instruments and meters"),
    "41": ("其他制造业", "Other manufacturing"),
    "42": ("废弃资源综合利用业", "Waste resource recycling"),
    "43": ("金属制品、机械和设备修理业", "Repair of metal products, machinery and equipment"),
    # D
    "44": ("电力、热力生产和供应业", "Electricity and heat production and supply"),
    "45": ("燃气生产和供应业", "Gas production and supply"),
    "46": ("水的生产和供应业", "Water production and supply"),
    # E
    "47": ("房屋建筑业", "Building construction"),
    "48": ("土木工程建筑业", "Civil engineering"),
    "49": ("建筑安装业", "Construction installation"),
    "50": ("建筑装饰、装修和其他建筑业", "Building decoration, renovation and other construction"),
    # F
    "51": ("批发业", "Wholesale"),
    "52": ("零售业", "Retail"),
    # G
    "53": ("铁路运输业", "Rail transport"),
    "54": ("道路运输业", "Road transport"),
    "55": ("水上运输业", "Water transport"),
    "56": ("航空运输业", "Air transport"),
    "57": ("管道运输业", "Pipeline transport"),
    "58": ("多式联运和运输代理业", "Multimodal transport and transport agencies"),
    "59": ("装卸搬运和仓储业", "Loading, unloading and warehousing"),
    "60": ("邮政业", "Postal services"),
    # H
    "61": ("住宿业", "Accommodation"),
    "62": ("餐饮业", "Catering"),
    # I
    "63": (
        "电信、广播电视和卫星传输服务",
        "Telecommunications, broadcasting and satellite transmission",
    ),
    "64": ("互联网和相关服务", "Internet and related services"),
    "65": ("软件和信息技术服务业", "Software and information technology services"),
    # J
    "66": ("货币金融服务", "Monetary and financial services"),
    "67": ("资本市场服务", "Capital market services"),
    "68": ("保险业", "Insurance"),
    "69": ("其他金融业", "Other financial services"),
    # K
    "70": ("房地产业", "Real estate"),
    # L
    "71": ("租赁业", "Leasing"),
    "72": ("商务服务业", "Business services"),
    # M
    "73": ("研究和试验发展", "Research and experimental development"),
    "74": ("专业技术服务业", "Professional technical services"),
    "75": ("科技推广和应用服务业", "Technology promotion and application services"),
    # N
    "76": ("水利管理业", "Water conservancy management"),
    "77": ("生态保护和环境治理业", "Ecological protection and environmental management"),
    "78": ("公共设施管理业", "Public facilities management"),
    "79": ("土地管理业", "Land management"),
    # O
    "80": ("居民服务业", "Resident services"),
    "81": (
        "机动车、电子产品和日用产品修理业",
        "Repair of motor vehicles, electronics and household goods",
    ),
    "82": ("其他服务业", "Other services"),
    # P
    "83": ("教育", "Education"),
    # Q
    "84": ("卫生", "Health"),
    "85": ("社会工作", "Social work"),
    # R
    "86": ("新闻和出版业", "News and publishing"),
    "87": ("广播、电视、电影和录音制作业", "Radio, television, film and sound recording"),
    "88": ("文化艺术业", "Culture and arts"),
    "89": ("体育", "Sports"),
    "90": ("娱乐业", "Entertainment"),
    # S
    "91": ("中国共产党机关", "Organs of the Communist Party of China"),
    "92": ("国家机构", "State organs"),
    "93": ("人民政协、民主党派", "CPPCC and democratic parties"),
    "94": ("社会保障", "Social security"),
    "95": (
        "群众团体、社会团体和其他成员组织",
        "Mass organisations, social organisations and other membership organisations",
    ),
    "96": (
        "基层群众自治组织及其他组织",
        "Grassroots self-governing organisations and other organisations",
    ),
    # T
    "97": ("国际组织", "International organisations"),
}


def _section_for(division: str) -> str:
    # Two-digit strings compare like the numbers they denote.
    matches = [s for s, (lo, hi) in SECTION_RANGES.items() if lo <= division <= hi]
    if len(matches) != 1:
        raise AssertionError(f"division {division} lies in sections {matches}")
    return matches[0]


# Division code -> (section letter, Chinese name, short English name).
DIVISIONS: dict[str, tuple[str, str, str]] = {
    code: (_section_for(code), zh, en) for code, (zh, en) in _DIVISION_NAMES.items()
}
_DIVISION_SECTION = {code: section for code, (section, _, _) in DIVISIONS.items()}

# Stripped before parsing: ASCII whitespace plus the no-break and ideographic (full-width)
# spaces common in Chinese spreadsheets. An explicit set, so Python and Polars strip the same.
_STRIP = " \t\n\r\f\v\u00a0\u3000"
# ASCII-only classes: Python and Rust regexes would otherwise both accept other Unicode digits.
_CODE_RE = re.compile(r"([A-Za-z])?([0-9]{2,4})")
_CODE_PATTERN = r"^[A-Za-z]?[0-9]{2,4}$"

_MSG_FORMAT = "industry code must be 2–4 digits, optionally after the section letter, got '{}'"
_MSG_UNKNOWN = "unknown division '{}' (GB/T 4754-2017 has no division {})"
_MSG_MISMATCH = "section letter '{}' does not match division {}, which is in section {}"


class IndustryError(ValueError):
    """Invalid industry code; `reason` is "format", "unknown_division" or "section_mismatch"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Industry:
    """A parsed GB/T 4754-2017 code: 2-4 digits plus its section letter and division."""

    code: str
    section: str
    division: str


def section_of(division: str) -> str:
    """Return the section letter of a two-digit division, or raise IndustryError."""
    try:
        return _DIVISION_SECTION[division]
    except KeyError:
        raise IndustryError("unknown_division", _MSG_UNKNOWN.format(division, division)) from None


def parse_industry(code: str) -> Industry:
    """Parse 'C3562', 'c3562', '3562', '356', '35' (whitespace ignored) or raise IndustryError."""
    text = code.strip(_STRIP)
    match = _CODE_RE.fullmatch(text)
    if match is None:
        raise IndustryError("format", _MSG_FORMAT.format(text))
    letter, digits = match.groups()
    division = digits[:2]
    section = section_of(division)
    if letter is not None and letter.upper() != section:
        raise IndustryError(
            "section_mismatch", _MSG_MISMATCH.format(letter.upper(), division, section)
        )
    return Industry(code=digits, section=section, division=division)


# --- Tables for the Polars expressions -----------------------------------------------------
# Eager Polars queries get no common-subexpression elimination, so instead of re-running regex
# extractions for every output, the expressions look whole inputs up in precomputed tables.
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _valid_texts() -> dict[str, str]:
    # Every accepted (stripped) spelling -> its digits: about 32,000 entries.
    table: dict[str, str] = {}
    suffixes = ["", *(str(d) for d in range(10)), *(f"{n:02d}" for n in range(100))]
    for division, section in _DIVISION_SECTION.items():
        for suffix in suffixes:
            digits = division + suffix
            for prefix in ("", section, section.lower()):
                table[prefix + digits] = digits
    return table


def _prefix_errors() -> dict[str, str]:
    # For well-formed codes the first three characters (letter + division, or the division and
    # the next digit, or just the division) decide every remaining error.
    table: dict[str, str] = {}
    digit_prefixes = [f"{n:02d}" for n in range(100)] + [f"{n:03d}" for n in range(1000)]
    for key in digit_prefixes:
        if key[:2] not in _DIVISION_SECTION:
            table[key] = _MSG_UNKNOWN.format(key[:2], key[:2])
    for letter in _ASCII_LETTERS:
        for n in range(100):
            division = f"{n:02d}"
            section = _DIVISION_SECTION.get(division)
            if section is None:
                table[letter + division] = _MSG_UNKNOWN.format(division, division)
            elif letter.upper() != section:
                table[letter + division] = _MSG_MISMATCH.format(letter.upper(), division, section)
    return table


_VALID_TEXT = _valid_texts()
_PREFIX_ERROR = _prefix_errors()


def industry_parts_expr(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Polars expressions (code, section, division) for raw codes; all null where invalid."""
    code = col.str.strip_chars(_STRIP).replace_strict(
        _VALID_TEXT, default=None, return_dtype=pl.String
    )
    division = code.str.head(2)
    section = division.replace_strict(_DIVISION_SECTION, default=None, return_dtype=pl.String)
    return (
        code.alias("industry_code"),
        section.alias("industry_section"),
        division.alias("industry_division"),
    )


def industry_error_expr(col: pl.Expr) -> pl.Expr:
    """Polars expression: null for valid codes (and null input), else parse_industry's message."""
    text = col.str.strip_chars(_STRIP)
    return (
        pl.when(col.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(~text.str.contains(_CODE_PATTERN))
        .then(pl.format(_MSG_FORMAT, text))
        .otherwise(
            text.str.head(3).replace_strict(_PREFIX_ERROR, default=None, return_dtype=pl.String)
        )
        # A fixed name rather than the input's, so with_columns cannot silently replace the code.
        .alias("industry_error")
    )
