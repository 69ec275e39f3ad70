"""The demo chain files name GB/T 4754-2017 classes that fit their segments."""

from __future__ import annotations

from typing import Any

import yaml

from highland.chains.demo_data import CHAIN_FILES as FILES


def _segments(nodes: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in nodes:
        found[node["code"]] = [str(c) for c in node.get("industry") or []]
        found.update(_segments(node.get("segments") or []))
    return found


def _chain(name: str) -> dict[str, list[str]]:
    return _segments(yaml.safe_load((FILES / name).read_text(encoding="utf-8"))["segments"])


def test_medicine_reagents_are_not_photographic_chemicals() -> None:
    # 2665 医学生产用信息化学品制造 is photographic / imaging chemicals, not bio reagents;
    # 2761 生物药品制造 and 2770 卫生材料及医药用品制造 are (GB/T 4754-2017).
    seg = _chain("3-medicine.yaml")
    assert all("2665" not in codes for codes in seg.values())
    assert "2761" in seg["bioprocess-supplies"]
    assert "2770" in seg["ivd"]


def test_rail_operation_is_intercity_not_high_speed() -> None:
    seg = _chain("7-rail.yaml")
    assert "5312" in seg["operation"]  # 城际铁路旅客运输
    assert "5311" not in seg["operation"]  # 高速铁路旅客运输
