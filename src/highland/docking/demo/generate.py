"""Illustrative achievements and needs from the topic table (topics.py), deterministic for a
seed. Each achievement is a technology used somewhere (a topic and an application); each need
asks for a technology somewhere in an enterprise's own words (a paraphrase and the problem as
the enterprise feels it). The labelled pairs: the need of (topic, application) and the
achievement of the same topic and application."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from highland.docking.demo.topics import APPLICATIONS, LABELLED_APPS, TOPICS, Topic

INSTITUTIONS = ("南京大学", "东南大学", "南京航空航天大学", "南京理工大学", "河海大学",
                "南京邮电大学", "南京工业大学", "南京医科大学", "中国药科大学", "南京信息工程大学",
                "紫金山实验室", "江苏省产业技术研究院", "南京林业大学", "南京师范大学")  # fmt: skip
SUFFIXES = ("应用", "关键技术", "工程化", "集成方案", "示范应用", "产业化", "研制", "优化")
RESULTS = ("性能指标达到国际先进水平", "关键指标优于进口同类产品", "成本较现有方案降低三成",
           "已在多家单位试用", "形成发明专利十余项", "完成中试验证")  # fmt: skip
STAGES = ("实验室验证", "中试", "样机试制", "小批量生产", "规模化应用")
VERBS = ("急需", "寻求", "引进", "征集", "寻找")
ASKS = ("可以技术转让或联合开发", "希望三年内实现量产", "预算充足、可共建实验室",
        "需要能驻厂调试的团队", "优先考虑本地高校院所")  # fmt: skip


def achievement(ti: int, app: str, variant: int, ref: str, rng: random.Random) -> dict[str, Any]:
    """One achievement row (the import's canonical columns) of topic ti used in app."""
    t = TOPICS[ti]
    suffix = SUFFIXES[variant % len(SUFFIXES)]
    return {
        "ach_ref": ref,
        "ach_title": f"{t.name}在{app}中的{suffix}",
        "ach_title_en": None,
        "ach_abstract": (f"针对{app}{t.problem}的问题，课题组研发{t.name}，突破{t.terms[0]}、"
                         f"{t.terms[1]}等关键技术，{rng.choice(RESULTS)}。成果已完成"
                         f"{rng.choice(STAGES)}。"),  # fmt: skip
        "ach_keywords": "；".join((t.name, t.terms[0], t.terms[1], app)),
        "ach_field": t.field,
        "ach_institution": rng.choice(INSTITUTIONS),
        "ach_trl": str(3 + (variant + ti) % 6),
        "ach_contact": f"技术转移中心 025-8{ti:03d}{variant:03d}（示例）",
        "ach_chain": t.chain,
        "ach_segment": t.segment,
    }


def need(ti: int, app: str, variant: int, rng: random.Random) -> dict[str, Any]:
    """One need (the need form's fields, without the enterprise) of topic ti in app."""
    t = TOPICS[ti]
    asked = t.paraphrases[variant % 2]
    return {
        "title": f"{app}方向{rng.choice(VERBS)}{asked}",
        "description": (f"我司业务涉及{app}，{t.need_problem}，希望找到{asked}方面的成熟技术，"
                        f"{rng.choice(ASKS)}。"),  # fmt: skip
        "keywords": [asked, app],
        "field": t.field,
        "chain": t.chain,
        "segment": t.segment,
    }


def labelled(seed: int = 17, wordings: int = 3) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """The labelled pairs (need number, need, achievement): every topic in each of its field's
    first LABELLED_APPS applications is one need (44 × 5 = 220), answered by `wordings`
    achievements of that technology in that application (other titles, results and owners):
    660 pairs by default."""
    rng = random.Random(seed)
    pairs = []
    number = 0
    for ti, t in enumerate(TOPICS):
        for ai, app in enumerate(APPLICATIONS[t.field][:LABELLED_APPS]):
            number += 1
            asked = need(ti, app, ai, rng)
            for v in range(wordings):
                pairs.append((number, asked, achievement(ti, app, v, f"L-{ti:02d}-{ai}-{v}", rng)))
    return pairs


def distractors(n: int, seed: int = 29) -> Iterator[dict[str, Any]]:
    """n achievements that answer no labelled need: each topic in its field's other
    applications (the technology right, the use wrong), in every wording, then repeated with
    other owners."""
    rng = random.Random(seed)
    made = 0
    variant = 1
    while made < n:
        for ti, t in enumerate(TOPICS):
            for app in APPLICATIONS[t.field][LABELLED_APPS:]:
                if made >= n:
                    return
                yield achievement(ti, app, variant, f"D-{made:06d}", rng)
                made += 1
        variant += 1


def demo_achievements(n: int, seed: int = 2024) -> Iterator[dict[str, Any]]:
    """n illustrative achievements over every topic and application."""
    rng = random.Random(seed)
    combos = [(ti, app) for ti, t in enumerate(TOPICS) for app in APPLICATIONS[t.field]]
    for i in range(n):
        ti, app = combos[i % len(combos)]
        yield achievement(ti, app, i // len(combos), f"SL-{i + 1:05d}", rng)


def demo_needs(n: int, seed: int = 2024) -> Iterator[dict[str, Any]]:
    """n illustrative needs over every topic and application."""
    rng = random.Random(seed)
    combos = [(ti, app) for ti, t in enumerate(TOPICS) for app in APPLICATIONS[t.field]]
    rng.shuffle(combos)
    for i in range(n):
        ti, app = combos[i % len(combos)]
        yield need(ti, app, i, rng)


def topic(ti: int) -> Topic:
    """A topic by its index."""
    return TOPICS[ti]
