"""Loading the demands' reference data from one YAML file (`highland demands load-reference
FILE`, the demo's reference.yaml): categories, institutions and routing rows, every item
checked against the file and the stored data first, then all written or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.demands.models import DemandCategory
from highland.demands.reference.service import (
    _cycle,
    _save_category,
    _save_institution,
    _save_route,
    check_category,
    check_institution,
    check_route,
)
from highland.platform.audit.service import Actor
from highland.platform.errors import InvalidInput
from highland.platform.institutions.models import Institution
from highland.platform.kit.yaml_lines import line_loader


@dataclass
class _Plan:
    categories: list[dict[str, Any]] = field(default_factory=list)
    institutions: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)


_LOADER = line_loader("key {key!r} is given twice")  # a repeated key is an error, not a loss


def load_reference(session: Session, actor: Actor, text: str, where: str) -> dict[str, int]:
    """Load categories, institutions and routing rows from YAML, all or nothing.

    Returns counts per section. Raises InvalidInput naming the file, section and item.
    """
    try:
        doc = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise InvalidInput(
            f"{where}{line}: not valid YAML ({problem})",
            code="reference.yaml_invalid",
            params={"where": where + line, "problem": problem},
        ) from None
    if not isinstance(doc, dict):
        raise InvalidInput(
            f"{where}: expected a mapping with categories, institutions, routing",
            code="reference.yaml_not_mapping",
            params={"where": where},
        )
    unknown = set(doc) - {"categories", "institutions", "routing"}
    if unknown:
        raise InvalidInput(
            f"{where}: unknown section(s) {', '.join(sorted(unknown))}",
            code="reference.unknown_sections",
            params={"where": where, "sections": ", ".join(sorted(unknown))},
        )
    plan = _Plan()
    for section in ("categories", "institutions", "routing"):
        items = doc.get(section) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InvalidInput(
                f"{where}: '{section}' must be a list of mappings",
                code="reference.section_not_list",
                params={"where": where, "section": section},
            )
    for i, item in enumerate(doc.get("categories") or [], 1):
        plan.categories.append(check_category(item, f"{where}: categories[{i}]"))
    for i, item in enumerate(doc.get("institutions") or [], 1):
        plan.institutions.append(check_institution(session, item, f"{where}: institutions[{i}]"))
    for i, item in enumerate(doc.get("routing") or [], 1):
        plan.routes.append(check_route(session, item, f"{where}: routing[{i}]"))
    _check_plan(session, plan, where)
    for c in plan.categories:
        _save_category(session, actor, c)
    # Parents first, so that foreign keys hold at every flush.
    for inst in _parents_first(plan.institutions):
        _save_institution(session, actor, inst)
        session.flush()
    for r in plan.routes:
        _save_route(session, actor, r)
    session.flush()
    return {
        "categories": len(plan.categories),
        "institutions": len(plan.institutions),
        "routing": len(plan.routes),
    }


def _dupes(codes: list[str]) -> set[str]:
    seen: set[str] = set()
    return {c for c in codes if c in seen or seen.add(c)}  # type: ignore[func-returns-value]


def _check_plan(session: Session, plan: _Plan, where: str) -> None:
    for section, codes in (
        ("categories", [c["code"] for c in plan.categories]),
        ("institutions", [i["code"] for i in plan.institutions]),
        ("routing", [f"{r['category']}×{r['district']}" for r in plan.routes]),
    ):
        dup = _dupes(codes)
        if dup:
            raise InvalidInput(
                f"{where}: {section}: listed twice: {', '.join(sorted(dup))}",
                code="reference.listed_twice",
                params={"where": where, "section": section, "codes": ", ".join(sorted(dup))},
            )
    stored_inst = dict(session.execute(select(Institution.code, Institution.parent_code)).all())
    parents = {**stored_inst, **{i["code"]: i["parent_code"] for i in plan.institutions}}
    for n, inst in enumerate(plan.institutions, 1):
        if inst["parent_code"] and inst["parent_code"] not in parents:
            raise InvalidInput(
                f"{where}: institutions[{n}] ({inst['code']}): parent '{inst['parent_code']}' "
                "is not an institution",
                code="reference.load_unknown_parent",
                params={
                    "where": where,
                    "n": n,
                    "code": inst["code"],
                    "parent": inst["parent_code"],
                },
            )
        loop = _cycle(parents, inst["code"])
        if loop:
            raise InvalidInput(
                f"{where}: institutions[{n}] ({inst['code']}): parents make a cycle: "
                + " → ".join(loop),
                code="reference.load_parent_cycle",
                params={"where": where, "n": n, "code": inst["code"], "loop": " → ".join(loop)},
            )
    categories = set(session.scalars(select(DemandCategory.code))) | {
        c["code"] for c in plan.categories
    }
    for n, r in enumerate(plan.routes, 1):
        label = f"{where}: routing[{n}]"
        if r["category"] not in categories:
            raise InvalidInput(
                f"{label}: category '{r['category']}' is not defined",
                code="reference.route_unknown_category",
                params={"where": label, "value": r["category"]},
            )
        for code in [r["lead"], *r["co"]]:
            if code not in parents:
                raise InvalidInput(
                    f"{label}: institution '{code}' is not defined",
                    code="reference.route_unknown_institution",
                    params={"where": label, "value": code},
                )
        if r["lead"] in r["co"]:
            raise InvalidInput(
                f"{label}: the lead '{r['lead']}' is also a co-handler",
                code="reference.route_lead_is_co",
                params={"where": label, "value": r["lead"]},
            )


def _parents_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_code = {i["code"]: i for i in items}
    done: set[str] = set()
    out: list[dict[str, Any]] = []

    def visit(code: str) -> None:
        if code in done or code not in by_code:
            return
        parent = by_code[code]["parent_code"]
        if parent:
            visit(parent)
        done.add(code)
        out.append(by_code[code])

    for code in by_code:
        visit(code)
    return out
