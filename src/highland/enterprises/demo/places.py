"""Nanjing's districts for demo firms: where firms cluster, their streets, roads and the
authorities that register them; the functional zones (功能区、园区) some of them lie in."""

from __future__ import annotations

from dataclasses import dataclass

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
    # Each street's GB/T 2260 district where the place is not itself a district (江北新区);
    # empty: every street is in `code`.
    street_districts: tuple[str, ...] = ()
    # The zone every firm of the place is in (江北新区), or the zone (code, share of the
    # district's firms) some of its firms are in: a development zone or park inside it.
    zone: str | None = None
    park: tuple[str, float] | None = None


# Weights follow where Nanjing's firms cluster: Jiangning, Qixia, Yuhuatai and Jianye lead.
DISTRICTS = (
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
        park=("320100-XZGXQ", 0.2),
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
        park=("320100-JKQ", 0.25),
    ),
    _District(
        "320114",
        "雨花台区",
        11,
        ("雨花街道", "赛虹桥街道", "西善桥街道", "板桥街道", "铁心桥街道", "梅山街道", "古雄街道"),
        ("软件大道", "雨花大道", "宁双路", "凤集大道", "安德门大街", "玉兰路"),
        ("320114",),
        park=("320100-RJG", 0.35),
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
        park=("320100-JNKQ", 0.3),
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
    # Jiangbei New Area (江北新区) is a 国家级新区, not a GB/T 2260 district: its firms get the
    # district of their street (泰山、顶山、沿江、盘城 in 浦口区 320111; 大厂、葛塘、长芦 in
    # 六合区 320116) and the zone 320100-JBXQ; they are registered by the city, Pukou or Luhe.
    _District(
        "320100-JBXQ",
        "江北新区",
        5,
        ("泰山街道", "顶山街道", "沿江街道", "盘城街道", "大厂街道", "葛塘街道", "长芦街道"),
        ("浦滨路", "星火路", "团结路", "丽景路", "江淼路", "新锦湖路"),
        ("320100", "320111", "320116"),
        street_districts=("320111",) * 4 + ("320116",) * 3,
        zone="320100-JBXQ",
    ),
)
