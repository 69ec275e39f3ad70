"""Administrative divisions (GB/T 2260) and city-defined custom regions."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CITIES", "DEFAULT_CUSTOM_REGIONS", "DISTRICTS", "Region", "districts_of"]


@dataclass(frozen=True)
class Region:
    """A district (GB/T 2260 code) or a custom region such as a development zone."""

    code: str
    name_zh: str
    name_en: str
    kind: str  # "district" | "custom"


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


def _custom(code: str, name_zh: str, name_en: str) -> Region:
    return Region(code=code, name_zh=name_zh, name_en=name_en, kind="custom")


# Functional zones are not administrative divisions and overlap several districts, so they get
# "<city code>-<letters>" codes: GB/T 2260 codes are six digits, so these can never clash.
DEFAULT_CUSTOM_REGIONS: dict[str, list[Region]] = {
    "320100": [
        _custom("320100-JBXQ", "江北新区", "Jiangbei New Area"),
        _custom(
            "320100-JKQ",
            "南京经济技术开发区",
            "Nanjing Economic and Technological Development Zone",
        ),
        _custom("320100-GXQ", "南京高新技术产业开发区", "Nanjing High-tech Zone"),
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
