"""Administrative divisions (GB/T 2260) and the functional zones and parks a city defines."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CITIES", "DEFAULT_ZONES", "DISTRICTS", "Region", "districts_of"]


@dataclass(frozen=True)
class Region:
    """A district (GB/T 2260 code) or a functional zone / park such as a development zone."""

    code: str
    name_zh: str
    name_en: str
    kind: str  # "district" | "zone"
    level: str | None = None  # a zone's level: national | provincial | municipal


# City code -> (Chinese name, English name).
CITIES: dict[str, tuple[str, str]] = {
    "320100": ("南京市", "Nanjing"),
}


def _district(code: str, name_zh: str, name_en: str) -> Region:
    return Region(code=code, name_zh=name_zh, name_en=name_en, kind="district")


# City code -> its county-level districts, as currently listed in GB/T 2260.
DISTRICTS: dict[str, list[Region]] = {
    "320100": [
        _district("320102", "玄武区", "Xuanwu"),
        _district("320104", "秦淮区", "Qinhuai"),
        _district("320105", "建邺区", "Jianye"),
        _district("320106", "鼓楼区", "Gulou"),
        _district("320111", "浦口区", "Pukou"),
        _district("320113", "栖霞区", "Qixia"),
        _district("320114", "雨花台区", "Yuhuatai"),
        _district("320115", "江宁区", "Jiangning"),
        _district("320116", "六合区", "Luhe"),
        _district("320117", "溧水区", "Lishui"),
        _district("320118", "高淳区", "Gaochun"),
    ],
}


def _zone(code: str, name_zh: str, name_en: str, level: str) -> Region:
    return Region(code=code, name_zh=name_zh, name_en=name_en, kind="zone", level=level)


# Functional zones and parks are not administrative divisions and overlap districts, so they get
# "<city code>-<letters>" codes: GB/T 2260 codes are six digits, so these can never clash. The
# starting list an administrator then edits (Admin → Zones); levels as the State Council or the
# province approved them.
DEFAULT_ZONES: dict[str, list[Region]] = {
    "320100": [
        _zone("320100-JBXQ", "江北新区", "Jiangbei New Area", "national"),
        _zone(
            "320100-JKQ",
            "南京经济技术开发区",
            "Nanjing Economic and Technological Development Zone",
            "national",
        ),
        _zone(
            "320100-JNKQ",
            "江宁经济技术开发区",
            "Jiangning Economic and Technological Development Zone",
            "national",
        ),
        _zone("320100-GXQ", "南京高新技术产业开发区", "Nanjing High-tech Zone", "national"),
        _zone("320100-RJG", "中国（南京）软件谷", "China (Nanjing) Software Valley", "municipal"),
        _zone(
            "320100-ZMQ",
            "中国（江苏）自由贸易试验区南京片区",
            "Nanjing Area, China (Jiangsu) Pilot Free Trade Zone",
            "national",
        ),
        _zone(
            "320100-JBXCL",
            "南京江北新材料科技园",
            "Nanjing Jiangbei New Materials Technology Park",
            "provincial",
        ),
        _zone("320100-XZGXQ", "徐庄高新技术产业开发区", "Xuzhuang High-tech Zone", "provincial"),
    ],
}


def districts_of(city_code: str) -> list[Region]:
    """Return the GB/T 2260 districts of a city, or raise KeyError for an unknown city."""
    try:
        districts = DISTRICTS[city_code]
    except KeyError:
        known = ", ".join(f"{code} {CITIES[code][1]}" for code in sorted(DISTRICTS))
        raise KeyError(
            f"unknown city code {city_code!r}: no district list for it (known: {known})"
        ) from None
    # A copy, so callers cannot mutate the shared table.
    return list(districts)
