"""Synthetic Nanjing enterprises and yearly figures for demos, in the import-file contract.

Everything is drawn from one seeded numpy generator and built column by column (numpy for the
numbers, Polars for the strings), so a million firms take seconds and the same (n, seed) always
gives identical frames. Every column is a string, null meaning an empty cell, because the frames
go through the same validating CSV importer as real files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from highland.enterprises.vocab import MONEY_COLUMNS, USD_COLUMNS
from highland.platform.kit.uscc import ALPHABET, make_uscc

__all__ = [
    "ENTERPRISE_COLUMNS",
    "FINANCIAL_COLUMNS",
    "generate",
    "synthetic_marker",
]

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
    "business_scope",
)
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
)

_EARLIEST_YEAR = 1990
_MAX_N = 10**8  # organisation-code bodies stay unique up to here


def synthetic_marker() -> str:
    """Return the bilingual label the UI shows next to generated data."""
    return "演示数据（合成） / Demo data (synthetic)"


# --- Districts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _District:
    code: str
    name: str
    weight: float
    streets: tuple[str, ...]
    roads: tuple[str, ...]
    # Registering authorities whose code may open a USCC of a firm located here.
    authorities: tuple[str, ...]


# Weights follow where Nanjing's firms cluster: Jiangning, Qixia, Yuhuatai and Jianye lead.
_DISTRICTS = (
    _District(
        "320102",
        "玄武区",
        5,
        (
            "梅园新村街道",
            "新街口街道",
            "玄武门街道",
            "锁金村街道",
            "红山街道",
            "孝陵卫街道",
            "玄武湖街道",
        ),
        ("中山路", "珠江路", "龙蟠路", "北京东路", "玄武大道", "童卫路"),
        ("320102",),
    ),
    _District(
        "320104",
        "秦淮区",
        6,
        (
            "夫子庙街道",
            "秦虹街道",
            "红花街道",
            "双塘街道",
            "中华门街道",
            "大光路街道",
            "瑞金路街道",
            "月牙湖街道",
            "光华路街道",
            "朝天宫街道",
        ),
        ("中山南路", "太平南路", "御道街", "光华路", "白下路", "应天大街"),
        ("320104",),
    ),
    _District(
        "320105",
        "建邺区",
        10,
        ("南苑街道", "兴隆街道", "沙洲街道", "双闸街道", "莫愁湖街道", "江心洲街道"),
        ("江东中路", "河西大街", "庐山路", "嘉陵江东街", "楠溪江东街", "云龙山路"),
        ("320105",),
    ),
    _District(
        "320106",
        "鼓楼区",
        8,
        (
            "宁海路街道",
            "华侨路街道",
            "湖南路街道",
            "中央门街道",
            "挹江门街道",
            "江东街道",
            "凤凰街道",
            "热河南路街道",
            "幕府山街道",
            "建宁路街道",
        ),
        ("中山北路", "湖南路", "广州路", "汉中门大街", "幕府东路", "热河南路"),
        ("320106",),
    ),
    _District(
        "320111",
        "浦口区",
        6,
        ("江浦街道", "桥林街道", "汤泉街道", "星甸街道", "永宁街道"),
        ("浦口大道", "文德路", "凤凰大道", "浦珠北路", "园林路"),
        ("320111",),
    ),
    _District(
        "320113",
        "栖霞区",
        12,
        (
            "尧化街道",
            "马群街道",
            "迈皋桥街道",
            "燕子矶街道",
            "仙林街道",
            "栖霞街道",
            "龙潭街道",
            "西岗街道",
        ),
        ("仙林大道", "文苑路", "纬地路", "恒竞路", "尧新大道", "栖霞大道"),
        ("320113",),
    ),
    _District(
        "320114",
        "雨花台区",
        11,
        ("雨花街道", "赛虹桥街道", "西善桥街道", "板桥街道", "铁心桥街道", "梅山街道", "古雄街道"),
        ("软件大道", "雨花大道", "宁双路", "凤集大道", "安德门大街", "玉兰路"),
        ("320114",),
    ),
    _District(
        "320115",
        "江宁区",
        22,
        (
            "东山街道",
            "秣陵街道",
            "汤山街道",
            "淳化街道",
            "禄口街道",
            "江宁街道",
            "谷里街道",
            "湖熟街道",
            "横溪街道",
            "麒麟街道",
        ),
        (
            "胜太路",
            "天元中路",
            "诚信大道",
            "将军大道",
            "秣周东路",
            "清水亭西路",
            "苏源大道",
            "双龙大道",
        ),
        ("320115",),
    ),
    _District(
        "320116",
        "六合区",
        4,
        (
            "雄州街道",
            "龙池街道",
            "程桥街道",
            "冶山街道",
            "横梁街道",
            "龙袍街道",
            "马鞍街道",
            "金牛湖街道",
        ),
        ("雄州东路", "雄州南路", "延安路", "长江路", "金牛湖路"),
        ("320116",),
    ),
    _District(
        "320117",
        "溧水区",
        4,
        ("永阳街道", "柘塘街道", "东屏街道", "石湫街道", "洪蓝街道", "白马镇", "晶桥镇"),
        ("交通路", "通济街", "珍珠南路", "秦淮大道", "柘宁东路"),
        ("320117",),
    ),
    _District(
        "320118",
        "高淳区",
        3,
        ("淳溪街道", "古柏街道", "漆桥街道", "固城街道", "东坝街道", "桠溪街道", "阳江镇"),
        ("宝塔路", "北岭路", "石臼湖北路", "镇兴路", "古檀大道"),
        ("320118",),
    ),
    # Jiangbei New Area is a functional zone, not a GB/T 2260 district: the platform keys it as
    # a custom region, and its firms are registered by the city or by Pukou and Luhe.
    _District(
        "320100-JBXQ",
        "江北新区",
        5,
        ("泰山街道", "顶山街道", "沿江街道", "盘城街道", "大厂街道", "葛塘街道", "长芦街道"),
        ("浦滨路", "星火路", "团结路", "丽景路", "江淼路", "新锦湖路"),
        ("320100", "320111", "320116"),
    ),
)

# --- Industries ------------------------------------------------------------------------------

# Kinds drive the economics: output value exists for industry and construction, revenue per
# employee differs by an order of magnitude between trade and services.
_MFG, _SVC, _CON, _TRADE, _UTIL, _AGRI = "mfg", "svc", "con", "trade", "util", "agri"
_OUTPUT_KINDS = (_MFG, _CON, _UTIL)
_REVENUE_PER_EMPLOYEE = {
    _MFG: 9.0e5,
    _SVC: 4.5e5,
    _CON: 8.0e5,
    _TRADE: 2.5e6,
    _UTIL: 3.0e6,
    _AGRI: 3.0e5,
}
# Typical offset of a firm's log10 revenue from the overall distribution, by kind.
_KIND_SIZE_SHIFT = {_MFG: 0.1, _SVC: -0.1, _CON: 0.15, _TRADE: 0.2, _UTIL: 0.7, _AGRI: -0.5}


@dataclass(frozen=True)
class _Industry:
    code: str  # GB/T 4754-2017 class
    kind: str
    weight: float
    words: tuple[tuple[str, str], ...]  # (Chinese, English) industry words used in names
    chain: str | None = None
    tech: bool = False
    assets: float = 1.0  # multiplier on total assets / revenue (property, investment hold more)


def _ind(
    code: str,
    kind: str,
    weight: float,
    *words: str,
    chain: str | None = None,
    tech: bool = False,
    assets: float = 1.0,
) -> _Industry:
    # Words are written "中文=English" to keep the tables readable.
    pairs = tuple((zh, en) for zh, en in (w.split("=") for w in words))
    return _Industry(code, kind, weight, pairs, chain, tech or chain is not None, assets)


_SW, _AI, _IC, _BIO, _NEV, _GRID, _RAIL, _EQUIP = (
    "software",
    "ai",
    "ic",
    "biomed",
    "nev",
    "grid",
    "rail",
    "equipment",
)

_COMPANY_INDUSTRIES = [
    # Nanjing's eight priority industrial chains. Software and information services.
    _ind(
        "6511",
        _SVC,
        3.0,
        "软件科技=Software Technology",
        "信息技术=Information Technology",
        "数据科技=Data Technology",
        chain=_SW,
    ),
    _ind(
        "6513",
        _SVC,
        7.0,
        "软件科技=Software Technology",
        "网络科技=Network Technology",
        "信息科技=Information Technology",
        "数字科技=Digital Technology",
        chain=_SW,
    ),
    _ind(
        "6531", _SVC, 3.0, "信息系统=Information Systems", "系统集成=System Integration", chain=_SW
    ),
    _ind("6532", _SVC, 1.5, "物联网科技=IoT Technology", chain=_SW),
    _ind("6540", _SVC, 1.0, "信息技术服务=IT Services", chain=_SW),
    _ind(
        "6550",
        _SVC,
        1.5,
        "数据服务=Data Services",
        "云计算科技=Cloud Computing Technology",
        chain=_SW,
    ),
    _ind("6560", _SVC, 1.0, "信息技术咨询=IT Consulting", chain=_SW),
    _ind("6572", _SVC, 0.8, "动漫科技=Animation Technology", "游戏科技=Game Technology", chain=_SW),
    # Artificial intelligence.
    _ind(
        "6513",
        _SVC,
        3.0,
        "人工智能科技=Artificial Intelligence Technology",
        "智能科技=Intelligent Technology",
        chain=_AI,
    ),
    _ind(
        "3964", _MFG, 1.0, "机器人科技=Robotics Technology", "服务机器人=Service Robot", chain=_AI
    ),
    _ind(
        "3962",
        _MFG,
        0.7,
        "智能驾驶科技=Intelligent Driving Technology",
        "车联网科技=Connected Vehicle Technology",
        chain=_AI,
    ),
    _ind("3963", _MFG, 0.5, "无人机科技=UAV Technology", chain=_AI),
    _ind("3961", _MFG, 0.5, "智能穿戴=Smart Wearables", chain=_AI),
    # Integrated circuits.
    _ind(
        "6520",
        _SVC,
        2.5,
        "集成电路设计=IC Design",
        "微电子=Microelectronics",
        "芯片设计=Chip Design",
        chain=_IC,
    ),
    _ind("3973", _MFG, 1.2, "集成电路=Integrated Circuit", "半导体=Semiconductor", chain=_IC),
    _ind("3972", _MFG, 0.6, "半导体=Semiconductor", "功率半导体=Power Semiconductor", chain=_IC),
    _ind(
        "3974",
        _MFG,
        0.4,
        "光电显示=Optoelectronic Display",
        "显示科技=Display Technology",
        chain=_IC,
    ),
    _ind("3976", _MFG, 0.5, "光电科技=Optoelectronics Technology", chain=_IC),
    _ind("3983", _MFG, 0.5, "传感技术=Sensing Technology", chain=_IC),
    _ind("3562", _MFG, 0.4, "半导体设备=Semiconductor Equipment", chain=_IC),
    _ind("3985", _MFG, 0.4, "电子材料=Electronic Materials", chain=_IC),
    # New medicine and life health.
    _ind(
        "2710",
        _MFG,
        0.8,
        "医药化工=Pharmaceutical Chemical",
        "化学制药=Chemical Pharmaceutical",
        chain=_BIO,
    ),
    _ind("2720", _MFG, 1.2, "制药=Pharmaceutical", "药业=Pharmaceutical", chain=_BIO),
    _ind("2740", _MFG, 0.5, "中药=Traditional Chinese Medicine", chain=_BIO),
    _ind("2761", _MFG, 1.0, "生物医药=Biopharmaceutical", "生物制药=Biopharmaceutical", chain=_BIO),
    _ind("2762", _MFG, 0.4, "生物制品=Biological Products", "基因科技=Gene Technology", chain=_BIO),
    _ind("2770", _MFG, 0.3, "医用材料=Medical Materials", chain=_BIO),
    _ind("3581", _MFG, 1.0, "医疗器械=Medical Devices", "医疗科技=Medical Technology", chain=_BIO),
    _ind("3586", _MFG, 0.4, "康复器械=Rehabilitation Equipment", chain=_BIO),
    _ind(
        "7340",
        _SVC,
        1.5,
        "医药科技=Pharmaceutical Technology",
        "生物技术=Biotechnology",
        "医药研发=Pharmaceutical R&D",
        chain=_BIO,
    ),
    # New energy vehicles.
    _ind("3612", _MFG, 0.4, "新能源汽车=New Energy Vehicle", chain=_NEV),
    _ind(
        "3670",
        _MFG,
        2.5,
        "汽车零部件=Auto Parts",
        "新能源汽车零部件=New Energy Vehicle Parts",
        "汽车电子=Automotive Electronics",
        chain=_NEV,
    ),
    _ind(
        "3841",
        _MFG,
        1.0,
        "新能源科技=New Energy Technology",
        "锂电科技=Lithium Battery Technology",
        "储能科技=Energy Storage Technology",
        chain=_NEV,
    ),
    _ind("3812", _MFG, 0.6, "电机=Electric Motor", "驱动科技=Drive Technology", chain=_NEV),
    _ind("5267", _SVC, 0.3, "充电科技=EV Charging Technology", chain=_NEV),
    # Smart grid.
    _ind("3821", _MFG, 1.0, "电气=Electric", "电力设备=Power Equipment", chain=_GRID),
    _ind(
        "3823",
        _MFG,
        1.0,
        "电力自动化=Power Automation",
        "电气科技=Electrical Technology",
        chain=_GRID,
    ),
    _ind(
        "3829",
        _MFG,
        0.8,
        "电力科技=Electric Power Technology",
        "智能电网科技=Smart Grid Technology",
        chain=_GRID,
    ),
    _ind("3824", _MFG, 0.4, "电力电子=Power Electronics", chain=_GRID),
    _ind("3825", _MFG, 0.4, "光伏科技=Photovoltaic Technology", chain=_GRID),
    _ind("4011", _MFG, 0.7, "自动化=Automation", "自动化系统=Automation Systems", chain=_GRID),
    _ind("4420", _UTIL, 0.3, "售电=Power Sales", "能源=Energy", chain=_GRID),
    # Rail transit.
    _ind("3711", _MFG, 0.2, "轨道交通装备=Rail Transit Equipment", chain=_RAIL),
    _ind(
        "3714",
        _MFG,
        0.6,
        "轨道交通科技=Rail Transit Technology",
        "铁路配件=Railway Parts",
        chain=_RAIL,
    ),
    _ind("3716", _MFG, 0.6, "铁路器材=Railway Equipment", chain=_RAIL),
    _ind(
        "3720",
        _MFG,
        0.6,
        "轨道交通设备=Rail Transit Equipment",
        "城轨科技=Urban Rail Technology",
        chain=_RAIL,
    ),
    # Intelligent manufacturing equipment.
    _ind("3421", _MFG, 0.8, "数控机床=CNC Machine Tool", "机床=Machine Tool", chain=_EQUIP),
    _ind("3491", _MFG, 1.0, "智能装备=Intelligent Equipment", "机器人=Robotics", chain=_EQUIP),
    _ind("3493", _MFG, 0.4, "增材制造=Additive Manufacturing", chain=_EQUIP),
    _ind("3441", _MFG, 0.6, "泵业=Pump", "真空设备=Vacuum Equipment", chain=_EQUIP),
    _ind("3443", _MFG, 0.5, "阀门=Valve", "流体控制=Fluid Control", chain=_EQUIP),
    _ind("3444", _MFG, 0.4, "液压=Hydraulics", chain=_EQUIP),
    _ind("3599", _MFG, 0.8, "智能装备=Intelligent Equipment", "机械设备=Machinery", chain=_EQUIP),
    # The long tail outside the chains.
    _ind(
        "5179",
        _TRADE,
        7.0,
        "商贸=Trading",
        "贸易=Trading",
        "机电设备=Mechanical and Electrical Equipment",
    ),
    _ind("5193", _TRADE, 2.0, "电子商务=E-commerce"),
    _ind("5211", _TRADE, 1.0, "百货=Department Store"),
    _ind("5212", _TRADE, 1.0, "超市=Supermarket"),
    _ind("5261", _TRADE, 1.0, "汽车销售=Automobile Sales"),
    _ind(
        "4710",
        _CON,
        4.0,
        "建设工程=Construction Engineering",
        "建筑工程=Building Engineering",
        "建设=Construction",
    ),
    _ind(
        "4813", _CON, 2.0, "市政工程=Municipal Engineering", "路桥工程=Road and Bridge Engineering"
    ),
    _ind("7010", _SVC, 1.5, "置业=Real Estate", "房地产开发=Real Estate Development", assets=4.0),
    _ind("7020", _SVC, 2.0, "物业管理=Property Management", "物业服务=Property Services"),
    _ind(
        "7212", _SVC, 3.0, "投资管理=Investment Management", "资产管理=Asset Management", assets=5.0
    ),
    _ind("7224", _SVC, 2.0, "供应链管理=Supply Chain Management"),
    _ind("7243", _SVC, 3.0, "企业管理咨询=Management Consulting", "咨询=Consulting"),
    _ind("7251", _SVC, 1.0, "广告传媒=Advertising Media", "文化传媒=Culture Media"),
    _ind(
        "7320",
        _SVC,
        2.0,
        "工程技术=Engineering Technology",
        "新材料科技=New Materials Technology",
        tech=True,
    ),
    _ind("7519", _SVC, 3.0, "科技=Technology", "科技发展=Technology Development", tech=True),
    _ind("5431", _SVC, 2.0, "物流=Logistics", "运输=Transportation"),
    _ind("6110", _SVC, 0.5, "酒店管理=Hotel Management"),
    _ind("6210", _SVC, 1.5, "餐饮管理=Catering Management"),
    _ind("2614", _MFG, 1.0, "化工=Chemical", "新材料=New Materials"),
    _ind("3311", _MFG, 1.0, "钢结构=Steel Structure"),
    _ind("3484", _MFG, 1.5, "精密机械=Precision Machinery", "机械制造=Machinery Manufacturing"),
]

# Individual businesses (个体工商户, prefix 92) are shops named after their district.
_INDIVIDUAL_INDUSTRIES = [
    _ind("5213", _TRADE, 3.0, "便利店=Convenience Store"),
    _ind("6210", _SVC, 2.0, "餐馆=Restaurant"),
    _ind("6291", _SVC, 2.0, "小吃店=Snack Bar"),
    _ind("5292", _TRADE, 1.0, "电子商务商行=E-commerce Shop"),
]
# Farmers' cooperatives (prefix 93).
_COOP_INDUSTRIES = [
    _ind(
        "0141",
        _AGRI,
        1.0,
        "蔬菜专业合作社=Vegetable Cooperative",
        "果蔬种植专业合作社=Fruit and Vegetable Cooperative",
    ),
]
# Private non-enterprise research institutes (民办非企业单位, prefix 52, registered by civil
# affairs): the new-type R&D institutions a city counts among its innovation actors.
_INSTITUTE_INDUSTRIES = [
    _ind(
        "7320",
        _SVC,
        1.0,
        "产业技术研究院=Industrial Technology Research Institute",
        "先进技术研究院=Institute of Advanced Technology",
        tech=True,
    ),
]

# Registration type per entity type, with its share of firms.
_ETYPES = (
    ("91", 0.955, _COMPANY_INDUSTRIES),
    ("92", 0.033, _INDIVIDUAL_INDUSTRIES),
    ("93", 0.006, _COOP_INDUSTRIES),
    ("52", 0.006, _INSTITUTE_INDUSTRIES),
)

# --- Ownership -------------------------------------------------------------------------------

_OWNERSHIPS = ("private", "state", "collective", "foreign", "hmt")
_OWNERSHIP_P = (0.84, 0.06, 0.015, 0.05, 0.035)
_OWNERSHIP_SIZE_SHIFT = (0.0, 0.6, -0.2, 0.4, 0.3)
_FOREIGN = (
    ("DE", 14),
    ("US", 18),
    ("JP", 16),
    ("KR", 12),
    ("SG", 10),
    ("FR", 6),
    ("GB", 6),
    ("NL", 5),
    ("CH", 5),
    ("IT", 4),
)
_HMT = (("HK", 60), ("TW", 32), ("MO", 8))

# --- Trade names (字号) ----------------------------------------------------------------------

# Characters common in Chinese trade names with their pinyin. None starts with a vowel, so the
# run-together romanisation ("Weimeng") never needs a syllable apostrophe.
_TRADE_CHARS = (
    ("华", "hua"),
    ("瑞", "rui"),
    ("恒", "heng"),
    ("远", "yuan"),
    ("芯", "xin"),
    ("微", "wei"),
    ("创", "chuang"),
    ("泰", "tai"),
    ("信", "xin"),
    ("联", "lian"),
    ("盛", "sheng"),
    ("鼎", "ding"),
    ("博", "bo"),
    ("科", "ke"),
    ("新", "xin"),
    ("天", "tian"),
    ("宏", "hong"),
    ("康", "kang"),
    ("金", "jin"),
    ("正", "zheng"),
    ("汇", "hui"),
    ("通", "tong"),
    ("达", "da"),
    ("光", "guang"),
    ("明", "ming"),
    ("海", "hai"),
    ("云", "yun"),
    ("智", "zhi"),
    ("思", "si"),
    ("锐", "rui"),
    ("卓", "zhuo"),
    ("越", "yue"),
    ("嘉", "jia"),
    ("德", "de"),
    ("宁", "ning"),
    ("苏", "su"),
    ("江", "jiang"),
    ("东", "dong"),
    ("宇", "yu"),
    ("星", "xing"),
    ("辰", "chen"),
    ("启", "qi"),
    ("航", "hang"),
    ("凯", "kai"),
    ("盟", "meng"),
    ("景", "jing"),
    ("源", "yuan"),
    ("润", "run"),
    ("丰", "feng"),
    ("祥", "xiang"),
    ("和", "he"),
    ("顺", "shun"),
    ("益", "yi"),
    ("元", "yuan"),
    ("亿", "yi"),
    ("蓝", "lan"),
    ("青", "qing"),
    ("紫", "zi"),
    ("晶", "jing"),
    ("聚", "ju"),
    ("擎", "qing"),
    ("拓", "tuo"),
    ("驰", "chi"),
    ("腾", "teng"),
    ("飞", "fei"),
    ("弘", "hong"),
    ("豪", "hao"),
    ("力", "li"),
    ("立", "li"),
    ("图", "tu"),
    ("维", "wei"),
    ("讯", "xun"),
    ("视", "shi"),
    ("睿", "rui"),
    ("沃", "wo"),
    ("融", "rong"),
    ("赛", "sai"),
    ("森", "sen"),
    ("世", "shi"),
    ("同", "tong"),
    ("万", "wan"),
    ("鑫", "xin"),
    ("扬", "yang"),
    ("长", "chang"),
    ("志", "zhi"),
    ("众", "zhong"),
    ("方", "fang"),
    ("峰", "feng"),
    ("贝", "bei"),
    ("诺", "nuo"),
    ("佳", "jia"),
    ("捷", "jie"),
    ("骏", "jun"),
    ("朗", "lang"),
    ("麦", "mai"),
    ("铭", "ming"),
    ("普", "pu"),
    ("奇", "qi"),
    ("清", "qing"),
    ("容", "rong"),
    ("尚", "shang"),
    ("索", "suo"),
    ("唐", "tang"),
    ("威", "wei"),
    ("翔", "xiang"),
    ("欣", "xin"),
    ("耀", "yao"),
    ("誉", "yu"),
    ("臻", "zhen"),
    ("钧", "jun"),
    ("帆", "fan"),
    ("桥", "qiao"),
    ("谷", "gu"),
    ("川", "chuan"),
)

# --- Qualifications --------------------------------------------------------------------------

# (code, certificate years) in the order they are written into the cell.
_QUALIFICATIONS = (
    ("high_tech", 3),
    ("tech_sme", 1),
    ("srdi", 3),
    ("little_giant", 3),
    ("innovative_sme", 3),
)

# --- Growth ----------------------------------------------------------------------------------

# Gazelle rule: base-year revenue floor (yuan) and 3-year CAGR floor, services vs manufacturing.
_GAZELLE_RULE = {True: (3e6, 0.20), False: (5e6, 0.50)}  # keyed by is-manufacturing
# With the firms whose ordinary growth happens to meet the rule, about 3 % of all firms qualify.
_GAZELLE_SHARE_OF_ELIGIBLE = 0.04


# --- Helpers ---------------------------------------------------------------------------------


def _pick(values: list[str] | tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(idx)


def _choice(
    rng: np.random.Generator, weights: list[float] | tuple[float, ...], size: int
) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for vectors of (year, month, day)."""
    ym = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1).astype(
        "timedelta64[M]"
    )
    return ym.astype("datetime64[D]").astype(np.int64) + (day - 1)


_CENTS = pl.Series([f".{i:02d}" for i in range(100)], dtype=pl.String)


def _date_strings(days: np.ndarray) -> pl.Series:
    """ISO dates for day numbers since 1970-01-01."""
    # Formatting each date is slow; gathering from a table of the few thousand distinct days
    # the generator uses is not.
    if days.size == 0:
        return pl.Series([], dtype=pl.String)
    lo = int(days.min())
    table = (
        pl.Series(np.arange(lo, int(days.max()) + 1, dtype=np.int32))
        .cast(pl.Date)
        .dt.to_string("%Y-%m-%d")
    )
    return table.gather(days - lo)


def _fixed2(values: np.ndarray) -> pl.Series:
    """Non-negative amounts (NaN = missing) as strings with exactly two decimals."""
    cents = pl.Series(np.rint(values * 100.0), nan_to_null=True).cast(pl.Int64)
    return pl.select(
        pl.concat_str([(cents // 100).cast(pl.String), _CENTS.gather(cents % 100)])
    ).to_series()


def _counts(values: np.ndarray) -> pl.Series:
    """Counts (NaN = missing) as integer strings."""
    return pl.Series(values, nan_to_null=True).cast(pl.Int64).cast(pl.String)


_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
# GB 11714 values letters by their place in A-Z (base 36), not by their USCC alphabet index.
_ORG_VALUE = np.array([int(ch, 36) for ch in ALPHABET], dtype=np.int64)


def _alphabet_values(codes: list[str]) -> np.ndarray:
    return np.array([[ALPHABET.index(ch) for ch in code] for code in codes], dtype=np.int64)


def _uscc_column(reg: np.ndarray, region: np.ndarray, body: np.ndarray) -> np.ndarray:
    """USCC byte strings from alphabet-value matrices: reg (n,2), region (n,6), body (n,8)."""
    # Same arithmetic as make_uscc, vectorised: calling make_uscc per row costs ~7 s a million.
    n = body.shape[0]
    org_sum = (_ORG_VALUE[body] * _ORG_WEIGHTS).sum(axis=1)
    org_check = 11 - org_sum % 11  # 1..11; 10 is written 'X', 11 is written '0'
    org_check = np.where(org_check == 11, 0, org_check)
    org_check = np.where(org_check == 10, ALPHABET.index("X"), org_check)
    values = np.empty((n, 18), dtype=np.int64)
    values[:, 0:2] = reg
    values[:, 2:8] = region
    values[:, 8:16] = body
    values[:, 16] = org_check
    values[:, 17] = (31 - (values[:, :17] * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    return np.ascontiguousarray(_ALPHABET_BYTES[values]).view("S18").ravel()


def _org_bodies(idx: np.ndarray, new_style: np.ndarray) -> np.ndarray:
    """Unique 8-character organisation-code bodies (alphabet values) derived from row indices."""
    # Firms registered since the 2015 reform get "MA" + 6 base-31 characters, older ones the
    # 8-digit numeric codes of the old system. Each branch is an affine bijection of the index
    # (multipliers coprime to 31**6 and 10**8) and the two never overlap (letters vs digits),
    # so bodies are unique for any n up to _MAX_N.
    new = (idx * 7_368_787 + 1_234_567) % 31**6
    old = (idx * 7_919 + 13_572_468) % 10**8
    new_body = np.empty((idx.shape[0], 8), dtype=np.int64)
    old_body = np.empty((idx.shape[0], 8), dtype=np.int64)
    new_body[:, 0] = ALPHABET.index("M")
    new_body[:, 1] = ALPHABET.index("A")
    for pos in range(7, 1, -1):
        new_body[:, pos] = new % 31
        new //= 31
    for pos in range(7, -1, -1):
        old_body[:, pos] = old % 10  # a digit's alphabet value is the digit itself
        old //= 10
    return np.where(new_style[:, None], new_body, old_body)


# --- Generator -------------------------------------------------------------------------------


def generate(
    n: int, seed: int = 2024, first_year: int = 2021, last_year: int = 2025
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return synthetic (enterprises, financials) frames of strings for n Nanjing firms."""
    if not 0 <= n <= _MAX_N:
        raise ValueError(f"n must be between 0 and {_MAX_N}, got {n}")
    if not _EARLIEST_YEAR < first_year <= last_year:
        raise ValueError(f"need {_EARLIEST_YEAR} < first_year <= last_year")
    rng = np.random.default_rng(seed)
    idx = np.arange(n, dtype=np.int64)
    n_years = last_year - first_year + 1
    years = np.arange(first_year, last_year + 1)

    # -- who and where --
    etype_i = _choice(rng, [e[1] for e in _ETYPES], n)
    industries: list[_Industry] = []
    industry_i = np.empty(n, dtype=np.int64)
    for e, (_, _, table) in enumerate(_ETYPES):
        rows = np.flatnonzero(etype_i == e)
        industry_i[rows] = len(industries) + _choice(rng, [ind.weight for ind in table], rows.size)
        industries.extend(table)
    kind = np.array([ind.kind for ind in industries])[industry_i]
    kind_shift = np.array([_KIND_SIZE_SHIFT[ind.kind] for ind in industries])[industry_i]
    rev_per_emp = np.array([_REVENUE_PER_EMPLOYEE[ind.kind] for ind in industries])[industry_i]
    is_mfg = kind == _MFG
    is_tech = np.array([ind.tech for ind in industries])[industry_i]
    company = etype_i == 0

    district_i = _choice(rng, [d.weight for d in _DISTRICTS], n)
    ownership_i = np.where(company, _choice(rng, _OWNERSHIP_P, n), 0)
    ownership_i = np.where(etype_i == 2, 2, ownership_i)  # cooperatives are collective

    # -- founding: skewed recent, state and collective firms older --
    scale = np.where(np.isin(ownership_i, (1, 2)), 16.0, 7.0)
    # Wrapping (rather than clipping) ages past 1990 avoids a pile of firms founded in 1990.
    age = np.floor(rng.exponential(scale)) % (last_year - _EARLIEST_YEAR + 1)
    found_year = (last_year - age).astype(np.int64)
    found_doy = rng.integers(0, 365, size=n)  # 0..364 stays inside the year, leap or not
    found_days = _days(found_year, np.ones(n, np.int64), np.ones(n, np.int64)) + found_doy

    # -- size: log10 of full-year revenue in the first figure year --
    big = rng.random(n) < 0.04
    log_rev = np.where(big, rng.normal(8.3, 0.6, size=n), rng.normal(6.75, 0.85, size=n))
    log_rev += np.array(_OWNERSHIP_SIZE_SHIFT)[ownership_i]
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
    qual = _draw_qualifications(rng, n, last_year, company, is_tech, is_mfg, log_rev, found_year)

    # -- yearly revenue --
    k = np.arange(n_years)[None, :]
    fy_idx = np.maximum(found_year - first_year, 0)[:, None]
    valid = k >= fy_idx
    later = k > fy_idx
    pattern = _choice(rng, (0.58, 0.16, 0.26), n)[:, None]  # steady, declining, volatile
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
        gazelle = eligible & (rng.random(n) < _GAZELLE_SHARE_OF_ELIGIBLE)
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
        floor = np.where(is_mfg, _GAZELLE_RULE[True][0], _GAZELLE_RULE[False][0])
        base = ln_rev[:, -4]
        target = np.clip(base, np.log(floor * rng.uniform(1.1, 3.0, size=n)), np.log(1e9))
        ln_rev += np.where(gazelle, target - base, 0.0)[:, None]
    # Squeeze the bottom too (firms that opened in December, long decliners) towards ~¥100k.
    low_end = np.log(1.2e5)
    ln_rev = np.where(ln_rev < low_end, low_end - 0.25 * (low_end - ln_rev), ln_rev)
    revenue = np.exp(np.clip(ln_rev, np.log(5e4), np.log(5.5e10)))

    fin = _figures(
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
    )
    financials = _financial_frame(enterprises["uscc"], fin, valid, years)
    return enterprises, financials


def _draw_qualifications(
    rng: np.random.Generator,
    n: int,
    last_year: int,
    company: np.ndarray,
    is_tech: np.ndarray,
    is_mfg: np.ndarray,
    log_rev: np.ndarray,
    found_year: np.ndarray,
) -> dict[str, np.ndarray]:
    """Which firm holds which qualification; value = issue year, 0 when not held."""
    old_enough = found_year <= last_year - 1
    smaller = log_rev < 8.3
    mid = (log_rev >= 7.0) & (log_rev <= 9.5)
    p = {
        "high_tech": np.where(is_tech, 0.15, np.where(is_mfg, 0.02, 0.004)) * old_enough,
        "tech_sme": np.where(is_tech, 0.22, np.where(is_mfg, 0.03, 0.0)) * smaller,
        "srdi": np.where(is_tech | is_mfg, 0.06, 0.0) * mid * old_enough,
        "little_giant": np.where(is_tech | is_mfg, 0.012, 0.0) * mid * old_enough,
        "innovative_sme": np.where(is_tech, 0.10, np.where(is_mfg, 0.03, 0.0)) * old_enough,
    }
    held: dict[str, np.ndarray] = {}
    for code, years_valid in _QUALIFICATIONS:
        has = company & (rng.random(n) < p[code])
        # Certificates still in force mostly, with some recently lapsed ones for realism.
        issue = last_year - rng.integers(0, years_valid + 1, size=n)
        issue = np.maximum(issue, found_year + 1)
        held[code] = np.where(has & (issue <= last_year), issue, 0)
    # A "little giant" is by definition also an SRDI firm.
    held["srdi"] = np.where(
        (held["little_giant"] > 0) & (held["srdi"] == 0), held["little_giant"], held["srdi"]
    )
    return held


def _figures(
    rng: np.random.Generator,
    revenue: np.ndarray,
    valid: np.ndarray,
    later: np.ndarray,
    firm_age: np.ndarray,
    kind: np.ndarray,
    rev_per_emp: np.ndarray,
    is_tech: np.ndarray,
    etype_i: np.ndarray,
    industries: list[_Industry],
    industry_i: np.ndarray,
    high_tech: np.ndarray,
    ownership_i: np.ndarray,
) -> dict[str, np.ndarray]:
    """All yearly figures as (n, years) float matrices, NaN = missing."""
    n, n_years = int(revenue.shape[0]), int(revenue.shape[1])
    shape = (n, n_years)
    is_mfg = kind == _MFG

    # Headcount grows less than proportionally with revenue (elasticity 0.8), anchored so that a
    # ¥100m firm has revenue / (typical revenue per employee of its kind) staff.
    ln_emp = (
        np.log(1e8 / rev_per_emp)[:, None]
        + 0.8 * (np.log(revenue) - np.log(1e8))
        + rng.normal(0, 0.45, size=n)[:, None]
        + rng.normal(0, 0.05, size=shape)
    )
    employees = np.clip(np.rint(np.exp(ln_emp)), 1, 20_000)
    employees = np.where((etype_i == 1)[:, None], np.minimum(employees, 12), employees)

    tax_rate = rng.uniform(0.03, 0.08, size=n)[:, None]
    tax = revenue * tax_rate * np.exp(rng.normal(0, 0.08, size=shape))

    u = rng.random(n)
    rd_ratio = np.where(
        is_tech,
        rng.uniform(0.03, 0.15, size=n),
        np.where(
            is_mfg,
            np.where(u < 0.3, 0.0, rng.uniform(0.002, 0.04, size=n)),
            np.where(u < 0.65, 0.0, rng.uniform(0.001, 0.02, size=n)),
        ),
    )
    rd_ratio = np.where(high_tech > 0, np.maximum(rd_ratio, 0.04), rd_ratio)
    rd_ratio = np.where(etype_i == 1, 0.0, rd_ratio)
    rd = np.minimum(
        revenue * rd_ratio[:, None] * np.exp(rng.normal(0, 0.12, size=shape)), 0.15 * revenue
    )

    rd_share = np.where(is_tech, rng.uniform(0.1, 0.45, size=n), rng.uniform(0.02, 0.15, size=n))
    rd_staff = np.where(rd > 0, np.clip(np.rint(employees * rd_share[:, None]), 1, employees), 0)

    # Invention patents are a stock: what the firm held before the window, plus yearly grants.
    propensity = np.where(
        is_tech,
        rng.uniform(0.3, 2.0, size=n),
        np.where(is_mfg, rng.uniform(0.0, 0.5, size=n), rng.uniform(0.0, 0.1, size=n)),
    )
    lam = np.minimum(rd / 3e6 * propensity[:, None], 400.0)
    grants = rng.poisson(lam) * later
    first = valid & ~later
    prior_years = np.clip((firm_age * first).sum(axis=1), 0, 10)
    initial = rng.poisson(np.minimum((lam * first).sum(axis=1) * prior_years * 0.5, 5_000.0))
    patents = initial[:, None] + np.cumsum(grants, axis=1)

    asset_mult = np.array([ind.assets for ind in industries])[industry_i]
    assets = (
        revenue
        * (rng.uniform(0.5, 2.0, size=n) * asset_mult)[:, None]
        * np.exp(rng.normal(0, 0.06, size=shape))
    )

    has_output = np.isin(kind, _OUTPUT_KINDS)
    output = np.where(has_output[:, None], revenue * rng.uniform(0.93, 1.1, size=shape), np.nan)

    last_round, valuation = _financing(rng, valid, firm_age, is_tech, etype_i, ownership_i)

    # Missing is not zero: blank cells where a firm did not report.
    def blank(values: np.ndarray, share: float) -> np.ndarray:
        return np.where(rng.random(shape) < share, np.nan, values.astype(np.float64))

    employees_f = blank(employees, 0.03)
    rd_staff_f = np.where(np.isnan(employees_f), np.nan, blank(rd_staff, 0.02))
    return {
        "revenue": revenue,
        "output_value": blank(output, 0.02),
        "tax_paid": blank(tax, 0.01),
        "employees": employees_f,
        "rd_spend": blank(rd, 0.05),
        "rd_staff": rd_staff_f,
        "invention_patents": blank(patents, 0.03),
        "total_assets": blank(assets, 0.04),
        "last_round_usd": last_round,
        "valuation_usd": valuation,
    }


def _financing(
    rng: np.random.Generator,
    valid: np.ndarray,
    firm_age: np.ndarray,
    is_tech: np.ndarray,
    etype_i: np.ndarray,
    ownership_i: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Venture rounds for ~5 % of young private tech firms: (last round, valuation) in USD."""
    n, n_years = int(valid.shape[0]), int(valid.shape[1])
    young = firm_age[:, -1] <= 8
    eligible = (etype_i == 0) & is_tech & young & np.isin(ownership_i, (0, 4))
    financed = eligible & (rng.random(n) < 0.05)
    first_valid = np.argmax(valid, axis=1)
    first_round = first_valid + np.floor(rng.random(n) * (n_years - first_valid)).astype(np.int64)
    # Median ~US$20m; the lognormal tail yields some US$100m-1bn and a handful of unicorns.
    start = 10.0 ** rng.normal(7.2, 0.55, size=n)
    step = rng.uniform(1.2, 2.5, size=(n, n_years))
    fraction = rng.uniform(0.08, 0.25, size=(n, n_years))
    new_round_roll = rng.random((n, n_years)) < 0.3
    valuation = np.full((n, n_years), np.nan)
    last_round = np.full((n, n_years), np.nan)
    for k in range(n_years):
        prev_v = valuation[:, k - 1] if k else np.full(n, np.nan)
        prev_r = last_round[:, k - 1] if k else np.full(n, np.nan)
        opens = k == first_round
        raises = (k > first_round) & new_round_roll[:, k]
        v = np.where(opens, start, np.where(raises, prev_v * step[:, k], prev_v))
        r = np.where(opens | raises, v * fraction[:, k], prev_r)
        valuation[:, k] = np.where(financed, v, np.nan)
        last_round[:, k] = np.where(financed, r, np.nan)
    return last_round, valuation


def _enterprise_frame(
    rng: np.random.Generator,
    idx: np.ndarray,
    etype_i: np.ndarray,
    industries: list[_Industry],
    industry_i: np.ndarray,
    district_i: np.ndarray,
    ownership_i: np.ndarray,
    found_year: np.ndarray,
    found_days: np.ndarray,
    listed: np.ndarray,
    listed_unknown: np.ndarray,
    share_company: np.ndarray,
    qual: dict[str, np.ndarray],
) -> pl.DataFrame:
    """Build the enterprises frame (all strings) from the drawn attributes."""
    n = len(idx)
    etype_codes = [e[0] for e in _ETYPES]

    # -- USCC --
    authorities = [d.authorities for d in _DISTRICTS]
    auth_roll = rng.random(n)
    n_auth = np.array([len(a) for a in authorities])[district_i]
    auth_pick = np.floor(auth_roll * n_auth).astype(np.int64)
    # About one firm in ten is registered with the city bureau rather than its district.
    city_level = rng.random(n) < 0.1
    flat_auth = [a for group in authorities for a in group]
    auth_offset = np.cumsum([0] + [len(a) for a in authorities])[:-1]
    region_codes = flat_auth + ["320100"]
    region_i = np.where(city_level, len(flat_auth), auth_offset[district_i] + auth_pick)
    region_vals = _alphabet_values(region_codes)[region_i]
    reg_vals = _alphabet_values(etype_codes)[etype_i]
    body_vals = _org_bodies(idx, found_year >= 2016)
    uscc = pl.Series(_uscc_column(reg_vals, region_vals, body_vals)).cast(pl.String)
    _cross_check_uscc(uscc, region_codes, region_i, etype_codes, etype_i, body_vals)

    # -- names --
    chars = [c for c, _ in _TRADE_CHARS]
    pinyin = [p for _, p in _TRADE_CHARS]
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
    streets = [s for d in _DISTRICTS for s in d.streets]
    roads = [r for d in _DISTRICTS for r in d.roads]
    s_off = np.cumsum([0] + [len(d.streets) for d in _DISTRICTS])[:-1]
    r_off = np.cumsum([0] + [len(d.roads) for d in _DISTRICTS])[:-1]
    s_cnt = np.array([len(d.streets) for d in _DISTRICTS])
    r_cnt = np.array([len(d.roads) for d in _DISTRICTS])
    street_i = s_off[district_i] + np.floor(rng.random(n) * s_cnt[district_i]).astype(np.int64)
    road_i = r_off[district_i] + np.floor(rng.random(n) * r_cnt[district_i]).astype(np.int64)
    number = np.minimum(np.ceil(rng.exponential(120.0, n)), 999).astype(np.int64)
    building = rng.random(n) < 0.35
    block = rng.integers(1, 13, size=n)
    room = rng.integers(1, 25, size=n) * 100 + rng.integers(1, 20, size=n)
    no_address = rng.random(n) < 0.06

    # -- ownership and country --
    country_i = np.where(ownership_i == 3, _choice(rng, [w for _, w in _FOREIGN], n), 0)
    hmt_i = _choice(rng, [w for _, w in _HMT], n)

    # -- qualification cells --
    qual_cols = []
    for code, years_valid in _QUALIFICATIONS:
        holders = np.flatnonzero(qual[code] > 0)
        issue = qual[code][holders]
        k = holders.size
        # High-tech certificates are issued late in the year, the SME lists from spring on.
        month = rng.integers(10, 13, size=k) if code == "high_tech" else rng.integers(3, 10, size=k)
        day = rng.integers(1, 29, size=k)  # day <= 28 keeps every anniversary a valid date
        start = _days(issue, month, day)
        end = _days(issue + years_valid, month, day) - 1
        dated = pl.Series(rng.random(k) < 0.85)
        text = pl.select(
            pl.when(dated)
            .then(
                pl.concat_str(
                    [pl.lit(code + "@"), _date_strings(start), pl.lit("/"), _date_strings(end)]
                )
            )
            .otherwise(pl.lit(code))
        ).to_series()
        cell = pl.repeat(None, n, dtype=pl.String, eager=True).alias(code)
        qual_cols.append(cell.scatter(holders, text) if k else cell)

    parts = pl.DataFrame(
        {
            "etype": _pick(etype_codes, etype_i),
            "c1": _pick(chars, c1),
            "c2": _pick(chars, c2),
            "c3": third_zh,
            "p1": _pick([p.capitalize() for p in pinyin], c1),
            "p2": _pick(pinyin, c2),
            "p3": third_en,
            "word_zh": _pick([w[0] for w in words], word_i),
            "word_en": _pick([w[1] for w in words], word_i),
            "dist_zh": _pick([d.name for d in _DISTRICTS], district_i),
            "foreign_style": foreign_style,
            "share": share_company,
            "no_english": no_english,
            "street": _pick(streets, street_i),
            "road": _pick(roads, road_i),
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

    country = np.where(ownership_i == 3, np.array([c for c, _ in _FOREIGN])[country_i], "")
    country = np.where(ownership_i == 4, np.array([c for c, _ in _HMT])[hmt_i], country)
    listed_s = np.where(listed, "true", "false")
    frame = parts.select(
        uscc=uscc,
        name=name,
        name_en=name_en,
        district_code=_pick([d.code for d in _DISTRICTS], district_i),
        industry_code=_pick([ind.code for ind in industries], industry_i),
        founded_on=_date_strings(found_days),
        ownership=_pick(_OWNERSHIPS, ownership_i),
        country=pl.Series(country, dtype=pl.String),
        listed=pl.Series(listed_s, dtype=pl.String),
        qualifications=qualifications,
        address=address,
        business_scope=_business_scope(industries, industry_i),
    )
    return frame.with_columns(
        pl.when(pl.col("country") == "").then(None).otherwise("country").alias("country"),
        pl.when(pl.lit(pl.Series(listed_unknown & ~listed)))
        .then(None)
        .otherwise("listed")
        .alias("listed"),
    )


# Business scope (经营范围): phrases of the national list of business-scope items, by chain
# and by kind, led by the industry's own words; the chains' keyword suggestions read them.
_CHAIN_SCOPE = {
    _SW: ("软件开发", "信息系统集成服务", "数据处理和存储支持服务", "信息技术咨询服务"),
    _AI: ("人工智能应用软件开发", "人工智能基础软件开发", "智能机器人的研发", "云计算装备技术服务"),
    _IC: ("集成电路设计", "集成电路制造", "半导体分立器件制造", "电子元器件制造"),
    _BIO: ("药品生产", "医学研究和试验发展", "第二类医疗器械销售", "生物化工产品技术研发"),
    _NEV: ("新能源汽车整车销售", "汽车零部件研发", "电池制造", "新能源汽车电附件销售"),
    _GRID: ("输配电及控制设备制造", "智能输配电及控制设备销售", "光伏设备及元器件制造",
            "电力电子元器件制造"),
    _RAIL: ("城市轨道交通设备制造", "高铁设备、配件制造", "铁路机车车辆配件制造",
             "轨道交通专用设备、关键系统及部件销售"),
    _EQUIP: ("工业机器人制造", "智能基础制造装备制造", "数控机床制造", "通用设备制造"),
}  # fmt: skip
_KIND_SCOPE = {
    _MFG: ("货物进出口", "技术进出口"),
    _SVC: ("技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "信息咨询服务"),
    _CON: ("建设工程施工", "工程管理服务"),
    _TRADE: ("日用百货销售", "五金产品零售"),
    _UTIL: ("发电业务、输电业务、供（配）电业务", "合同能源管理"),
    _AGRI: ("农产品的生产、销售、加工、运输、贮藏及其他相关服务", "谷物种植"),
}


def _scope_texts(ind: _Industry) -> tuple[str, str]:
    """Two plausible business scopes of an industry (firms alternate between them)."""
    words = [zh for zh, _ in ind.words]
    lead = [f"{words[0]}产品的研发、生产和销售" if ind.kind == _MFG else f"{words[0]}服务"]
    lead += [f"{w}技术开发" for w in words[1:2]] if ind.tech else []
    chain = list(_CHAIN_SCOPE.get(ind.chain or "", ()))
    kind = list(_KIND_SCOPE.get(ind.kind, ()))
    first = "；".join([*lead, *chain[:2], *kind[:1]])
    second = "；".join([*lead[:1], *chain[2:], *kind])
    return "一般项目：" + first + "。", "一般项目：" + second + "。"


def _business_scope(industries: list[_Industry], industry_i: np.ndarray) -> pl.Series:
    """A business scope per firm from its industry; about one firm in 19 has none."""
    texts = [_scope_texts(ind) for ind in industries]
    n = industry_i.size
    row = np.arange(n)
    variant = industry_i * 2 + (row % 2)
    flat = [t for pair in texts for t in pair]
    scope = _pick(flat, variant)
    none = pl.Series(row % 19 == 7)
    return pl.select(pl.when(none).then(None).otherwise(scope)).to_series().alias("")


def _cross_check_uscc(
    uscc: pl.Series,
    region_codes: list[str],
    region_i: np.ndarray,
    etype_codes: list[str],
    etype_i: np.ndarray,
    body_vals: np.ndarray,
) -> None:
    """Compare a spread of vectorised codes with make_uscc, the reference construction."""
    n = uscc.len()
    if n == 0:
        return
    for i in np.unique(np.linspace(0, n - 1, num=min(n, 64)).astype(np.int64)):
        body = "".join(ALPHABET[v] for v in body_vals[i])
        expected = make_uscc(region_codes[region_i[i]], body, etype_codes[etype_i[i]])
        if uscc[int(i)] != expected:
            raise RuntimeError(f"vectorised USCC {uscc[int(i)]} != make_uscc {expected}")


def _financial_frame(
    uscc: pl.Series, fin: dict[str, np.ndarray], valid: np.ndarray, years: np.ndarray
) -> pl.DataFrame:
    """Flatten the (firm, year) matrices into one string row per firm and reported year."""
    firm, year_k = np.nonzero(valid)
    money = {*MONEY_COLUMNS, *USD_COLUMNS}
    columns: dict[str, pl.Series] = {
        "uscc": uscc.gather(firm),
        "year": _pick([str(y) for y in years], year_k),
    }
    for col in FINANCIAL_COLUMNS[2:]:
        flat = fin[col][valid]
        columns[col] = _fixed2(flat) if col in money else _counts(flat)
    return pl.DataFrame(columns)
