"""Industries of demo firms (GB/T 4754-2017 classes with the words their names use), the
registration types that carry them, and the business scopes they write."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from highland.enterprises.demo.vectors import pick

# --- Industries ------------------------------------------------------------------------------

# Kinds drive the economics: output value exists for industry and construction, revenue per
# employee differs by an order of magnitude between trade and services.
MFG, _SVC, _CON, _TRADE, _UTIL, _AGRI = "mfg", "svc", "con", "trade", "util", "agri"
OUTPUT_KINDS = (MFG, _CON, _UTIL)
REVENUE_PER_EMPLOYEE = {
    MFG: 9.0e5,
    _SVC: 4.5e5,
    _CON: 8.0e5,
    _TRADE: 2.5e6,
    _UTIL: 3.0e6,
    _AGRI: 3.0e5,
}
# Typical offset of a firm's log10 revenue from the overall distribution, by kind.
KIND_SIZE_SHIFT = {MFG: 0.1, _SVC: -0.1, _CON: 0.15, _TRADE: 0.2, _UTIL: 0.7, _AGRI: -0.5}


@dataclass(frozen=True)
class Industry:
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
) -> Industry:
    # Words are written "中文=English" to keep the tables readable.
    pairs = tuple((zh, en) for zh, en in (w.split("=") for w in words))
    return Industry(code, kind, weight, pairs, chain, tech or chain is not None, assets)


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
    _ind("3964", MFG, 1.0, "机器人科技=Robotics Technology", "服务机器人=Service Robot", chain=_AI),
    _ind(
        "3962",
        MFG,
        0.7,
        "智能驾驶科技=Intelligent Driving Technology",
        "车联网科技=Connected Vehicle Technology",
        chain=_AI,
    ),
    _ind("3963", MFG, 0.5, "无人机科技=UAV Technology", chain=_AI),
    _ind("3961", MFG, 0.5, "智能穿戴=Smart Wearables", chain=_AI),
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
    _ind("3973", MFG, 1.2, "集成电路=Integrated Circuit", "半导体=Semiconductor", chain=_IC),
    _ind("3972", MFG, 0.6, "半导体=Semiconductor", "功率半导体=Power Semiconductor", chain=_IC),
    _ind(
        "3974",
        MFG,
        0.4,
        "光电显示=Optoelectronic Display",
        "显示科技=Display Technology",
        chain=_IC,
    ),
    _ind("3976", MFG, 0.5, "光电科技=Optoelectronics Technology", chain=_IC),
    _ind("3983", MFG, 0.5, "传感技术=Sensing Technology", chain=_IC),
    _ind("3562", MFG, 0.4, "半导体设备=Semiconductor Equipment", chain=_IC),
    _ind("3985", MFG, 0.4, "电子材料=Electronic Materials", chain=_IC),
    # New medicine and life health.
    _ind(
        "2710",
        MFG,
        0.8,
        "医药化工=Pharmaceutical Chemical",
        "化学制药=Chemical Pharmaceutical",
        chain=_BIO,
    ),
    _ind("2720", MFG, 1.2, "制药=Pharmaceutical", "药业=Pharmaceutical", chain=_BIO),
    _ind("2740", MFG, 0.5, "中药=Traditional Chinese Medicine", chain=_BIO),
    _ind("2761", MFG, 1.0, "生物医药=Biopharmaceutical", "生物制药=Biopharmaceutical", chain=_BIO),
    _ind("2762", MFG, 0.4, "生物制品=Biological Products", "基因科技=Gene Technology", chain=_BIO),
    _ind("2770", MFG, 0.3, "医用材料=Medical Materials", chain=_BIO),
    _ind("3581", MFG, 1.0, "医疗器械=Medical Devices", "医疗科技=Medical Technology", chain=_BIO),
    _ind("3586", MFG, 0.4, "康复器械=Rehabilitation Equipment", chain=_BIO),
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
    _ind("3612", MFG, 0.4, "新能源汽车=New Energy Vehicle", chain=_NEV),
    _ind(
        "3670",
        MFG,
        2.5,
        "汽车零部件=Auto Parts",
        "新能源汽车零部件=New Energy Vehicle Parts",
        "汽车电子=Automotive Electronics",
        chain=_NEV,
    ),
    _ind(
        "3841",
        MFG,
        1.0,
        "新能源科技=New Energy Technology",
        "锂电科技=Lithium Battery Technology",
        "储能科技=Energy Storage Technology",
        chain=_NEV,
    ),
    _ind("3812", MFG, 0.6, "电机=Electric Motor", "驱动科技=Drive Technology", chain=_NEV),
    _ind("5267", _SVC, 0.3, "充电科技=EV Charging Technology", chain=_NEV),
    # Smart grid.
    _ind("3821", MFG, 1.0, "电气=Electric", "电力设备=Power Equipment", chain=_GRID),
    _ind(
        "3823",
        MFG,
        1.0,
        "电力自动化=Power Automation",
        "电气科技=Electrical Technology",
        chain=_GRID,
    ),
    _ind(
        "3829",
        MFG,
        0.8,
        "电力科技=Electric Power Technology",
        "智能电网科技=Smart Grid Technology",
        chain=_GRID,
    ),
    _ind("3824", MFG, 0.4, "电力电子=Power Electronics", chain=_GRID),
    _ind("3825", MFG, 0.4, "光伏科技=Photovoltaic Technology", chain=_GRID),
    _ind("4011", MFG, 0.7, "自动化=Automation", "自动化系统=Automation Systems", chain=_GRID),
    _ind("4420", _UTIL, 0.3, "售电=Power Sales", "能源=Energy", chain=_GRID),
    # Rail transit.
    _ind("3711", MFG, 0.2, "轨道交通装备=Rail Transit Equipment", chain=_RAIL),
    _ind(
        "3714",
        MFG,
        0.6,
        "轨道交通科技=Rail Transit Technology",
        "铁路配件=Railway Parts",
        chain=_RAIL,
    ),
    _ind("3716", MFG, 0.6, "铁路器材=Railway Equipment", chain=_RAIL),
    _ind(
        "3720",
        MFG,
        0.6,
        "轨道交通设备=Rail Transit Equipment",
        "城轨科技=Urban Rail Technology",
        chain=_RAIL,
    ),
    # Intelligent manufacturing equipment.
    _ind("3421", MFG, 0.8, "数控机床=CNC Machine Tool", "机床=Machine Tool", chain=_EQUIP),
    _ind("3491", MFG, 1.0, "智能装备=Intelligent Equipment", "机器人=Robotics", chain=_EQUIP),
    _ind("3493", MFG, 0.4, "增材制造=Additive Manufacturing", chain=_EQUIP),
    _ind("3441", MFG, 0.6, "泵业=Pump", "真空设备=Vacuum Equipment", chain=_EQUIP),
    _ind("3443", MFG, 0.5, "阀门=Valve", "流体控制=Fluid Control", chain=_EQUIP),
    _ind("3444", MFG, 0.4, "液压=Hydraulics", chain=_EQUIP),
    _ind("3599", MFG, 0.8, "智能装备=Intelligent Equipment", "机械设备=Machinery", chain=_EQUIP),
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
    _ind("2614", MFG, 1.0, "化工=Chemical", "新材料=New Materials"),
    _ind("3311", MFG, 1.0, "钢结构=Steel Structure"),
    _ind("3484", MFG, 1.5, "精密机械=Precision Machinery", "机械制造=Machinery Manufacturing"),
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
ETYPES = (
    ("91", 0.955, _COMPANY_INDUSTRIES),
    ("92", 0.033, _INDIVIDUAL_INDUSTRIES),
    ("93", 0.006, _COOP_INDUSTRIES),
    ("52", 0.006, _INSTITUTE_INDUSTRIES),
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
    MFG: ("货物进出口", "技术进出口"),
    _SVC: ("技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广", "信息咨询服务"),
    _CON: ("建设工程施工", "工程管理服务"),
    _TRADE: ("日用百货销售", "五金产品零售"),
    _UTIL: ("发电业务、输电业务、供（配）电业务", "合同能源管理"),
    _AGRI: ("农产品的生产、销售、加工、运输、贮藏及其他相关服务", "谷物种植"),
}


def _scope_texts(ind: Industry) -> tuple[str, str]:
    """Two plausible business scopes of an industry (firms alternate between them)."""
    words = [zh for zh, _ in ind.words]
    lead = [f"{words[0]}产品的研发、生产和销售" if ind.kind == MFG else f"{words[0]}服务"]
    lead += [f"{w}技术开发" for w in words[1:2]] if ind.tech else []
    chain = list(_CHAIN_SCOPE.get(ind.chain or "", ()))
    kind = list(_KIND_SCOPE.get(ind.kind, ()))
    first = "；".join([*lead, *chain[:2], *kind[:1]])
    second = "；".join([*lead[:1], *chain[2:], *kind])
    return "一般项目：" + first + "。", "一般项目：" + second + "。"


def business_scope(industries: list[Industry], industry_i: np.ndarray) -> pl.Series:
    """A business scope per firm from its industry; about one firm in 19 has none."""
    texts = [_scope_texts(ind) for ind in industries]
    n = industry_i.size
    row = np.arange(n)
    variant = industry_i * 2 + (row % 2)
    flat = [t for pair in texts for t in pair]
    scope = pick(flat, variant)
    none = pl.Series(row % 19 == 7)
    return pl.select(pl.when(none).then(None).otherwise(scope)).to_series().alias("")
