"""GB/T 2260 districts and custom regions."""

from __future__ import annotations

import dataclasses
import re

import pytest

from highland.platform.kit.regions import (
    CITIES,
    DEFAULT_ZONES,
    DISTRICTS,
    Region,
    districts_of,
)

NANJING = "320100"


def test_nanjing_is_known() -> None:
    assert CITIES[NANJING] == ("南京市", "Nanjing")
    assert set(DISTRICTS) <= set(CITIES)
    assert set(DEFAULT_ZONES) <= set(CITIES)


def test_nanjing_districts() -> None:
    got = {r.code: (r.name_zh, r.name_en) for r in districts_of(NANJING)}
    assert got == {
        "320102": ("玄武区", "Xuanwu"),
        "320104": ("秦淮区", "Qinhuai"),
        "320105": ("建邺区", "Jianye"),
        "320106": ("鼓楼区", "Gulou"),
        "320111": ("浦口区", "Pukou"),
        "320113": ("栖霞区", "Qixia"),
        "320114": ("雨花台区", "Yuhuatai"),
        "320115": ("江宁区", "Jiangning"),
        "320116": ("六合区", "Luhe"),
        "320117": ("溧水区", "Lishui"),
        "320118": ("高淳区", "Gaochun"),
    }


@pytest.mark.parametrize("city", sorted(DISTRICTS))
def test_district_codes_belong_to_their_city(city: str) -> None:
    regions = districts_of(city)
    codes = [r.code for r in regions]
    assert len(codes) == len(set(codes))
    for r in regions:
        assert r.kind == "district"
        assert re.fullmatch(r"[0-9]{6}", r.code)
        # A district shares the province and prefecture digits and is not the city itself.
        assert r.code[:4] == city[:4] and r.code != city
        assert r.name_zh.endswith("区") or r.name_zh.endswith("县") or r.name_zh.endswith("市")


def test_custom_regions_never_clash_with_gb2260() -> None:
    customs = DEFAULT_ZONES[NANJING]
    names = {r.code: r.name_zh for r in customs}
    assert names["320100-JBXQ"] == "江北新区"
    wanted = {"南京经济技术开发区", "江宁经济技术开发区", "南京高新技术产业开发区"}
    assert wanted <= set(names.values())
    assert all(r.level in {"national", "provincial", "municipal"} for r in customs)
    district_codes = {r.code for regions in DISTRICTS.values() for r in regions}
    for r in customs:
        assert r.kind == "zone"
        assert not re.fullmatch(r"[0-9]{6}", r.code)
        assert r.code not in district_codes and r.code not in CITIES
        assert r.name_en


def test_unknown_city() -> None:
    with pytest.raises(KeyError, match="999999"):
        districts_of("999999")


def test_districts_of_returns_a_copy() -> None:
    first = districts_of(NANJING)
    first.clear()
    assert len(districts_of(NANJING)) == 11


def test_region_is_frozen() -> None:
    region = districts_of(NANJING)[0]
    assert isinstance(region, Region)
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.code = "000000"
