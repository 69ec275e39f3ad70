"""The docking domain's words other code may name: technology fields (领域) and the TRL scale.

A field is a code (`ic`, `medicine` …) whose names live in the catalogue (`docking.field.<code>`,
both languages); an import may write the code or either name."""

from __future__ import annotations

FIELDS: tuple[str, ...] = (
    "software",  # 软件和信息服务
    "ai",  # 人工智能
    "ic",  # 集成电路
    "nev",  # 新能源汽车
    "medicine",  # 生物医药
    "grid",  # 智能电网
    "rail",  # 轨道交通
    "equipment",  # 智能制造装备
    "materials",  # 新材料
    "energy",  # 新能源
    "environment",  # 节能环保
)
TRL_MIN, TRL_MAX = 1, 9
