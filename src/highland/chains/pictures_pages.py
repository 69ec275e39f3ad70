"""Chain pictures: the chain map (/chains/{id}/map, and map.svg for embedding) and the
district breakdown (/chains/{id}/districts).

The figures come from the registry in a few set-based queries: accepted members per segment
(EnterpriseSegment), their revenue for one year — the latest year in which any member has a
revenue figure — summed by SQL GROUP BY, the leading firms, and the LQs of
chains.analytics.analyse. Missing revenue stays missing (None), never 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from highland.chains import analytics, pictures, service
from highland.chains.models import Chain, EnterpriseSegment, LeadingFirm, Segment
from highland.db import utcnow
from highland.deps import DB, require
from highland.enterprises.models import Enterprise, Financial
from highland.errors import InvalidInput
from highland.identity.permissions import Permission, Principal
from highland.kit.dates import CITY_TZ
from highland.web.i18n import translate
from highland.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
P = "chains.pictures."


# --------------------------------------------------------------------------- data


def _accepted(chain_id: int) -> Any:
    return select(EnterpriseSegment.enterprise_id).where(
        EnterpriseSegment.chain_id == chain_id, EnterpriseSegment.status == "accepted"
    )


def revenue_year(db: Session, chain_id: int) -> int | None:
    """The latest year in which any accepted member of the chain has a revenue figure."""
    return db.scalar(
        select(func.max(Financial.year)).where(
            Financial.enterprise_id.in_(_accepted(chain_id)), Financial.revenue.is_not(None)
        )
    )


def revenues(db: Session, chain_id: int, year: int | None) -> dict[int, int]:
    """Accepted members' revenue (fen) in the year; members without a figure are absent."""
    if year is None:
        return {}
    rows = db.execute(
        select(Financial.enterprise_id, Financial.revenue).where(
            Financial.enterprise_id.in_(_accepted(chain_id)),
            Financial.year == year,
            Financial.revenue.is_not(None),
        )
    ).all()
    return {int(e): int(r) for e, r in rows if r is not None}


def leading_names(db: Session, chain_id: int, lang: str = "zh-CN") -> dict[int, str]:
    """The chain's leading firms (链主): enterprise id → name (English when asked and known)."""
    rows = db.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.name_en)
        .join(LeadingFirm, LeadingFirm.enterprise_id == Enterprise.id)
        .where(LeadingFirm.chain_id == chain_id)
        .order_by(LeadingFirm.marked_at, LeadingFirm.id)
    ).all()
    return {int(i): (en if lang != "zh-CN" and en else n) for i, n, en in rows}


def _ordered(segments: list[Segment]) -> list[tuple[Segment, int, str]]:
    """(segment, depth, column) depth-first within each stream, upstream → downstream. A
    sub-segment stays under its parent, in the column of its top-level segment (as on the
    chain page)."""
    out: list[tuple[Segment, int, str]] = []

    def walk(nodes: list[service.Node], column: str) -> None:
        for n in nodes:
            out.append((n.segment, n.depth, column))
            walk(n.children, column)

    for stream, roots in service.by_stream(segments).items():
        if stream in pictures.STREAMS:
            walk(roots, stream)
    return out


def _descendants(segments: list[Segment]) -> dict[str, set[str]]:
    children: dict[str | None, list[str]] = defaultdict(list)
    for s in segments:
        children[s.parent_code].append(s.code)
    out: dict[str, set[str]] = {}
    for s in segments:
        seen: set[str] = set()
        stack = [s.code]
        while stack:
            code = stack.pop()
            if code not in seen:
                seen.add(code)
                stack.extend(children.get(code, []))
        out[s.code] = seen
    return out


@dataclass
class MapData:
    """What the map page shows."""

    chain: Chain
    boxes: list[pictures.Box]
    revenue_year: int | None
    lq: dict[str, Any]  # analytics.analyse output


def map_data(db: Session, chain_id: int, lang: str, region: str, measure: str, few: int) -> MapData:
    """The boxes of the chain map: members and output of each segment and its sub-segments,
    the segment's LQ tier (or member-count tier), bottleneck flag and leading firms."""
    chain = service.get_chain(db, chain_id)
    result = analytics.analyse(db, chain_id, region=region, measure=measure, few=few, top=0)
    segments = service.segments(db, chain.version_id) if chain.version_id is not None else []
    per_segment = analytics.members(db, chain_id)
    year = revenue_year(db, chain_id)
    money = revenues(db, chain_id, year)
    leaders = leading_names(db, chain_id, lang)
    lqs = {s["segment"]: s["lq"] for s in result["segments"]}
    trees = _descendants(segments)
    boxes = []
    for s, depth, column in _ordered(segments):
        ids = {e for code in trees[s.code] for e in per_segment.get(code, set())}
        known = [money[e] for e in ids if e in money]
        lq = lqs.get(s.code, {})
        name = s.name if lang == "zh-CN" or not s.name_en else s.name_en
        own = per_segment.get(s.code, set())
        boxes.append(
            pictures.Box(
                code=s.code,
                stream=column,
                depth=depth,
                name=name,
                members=len(ids),
                output_fen=sum(known) if known else None,
                with_output=len(known),
                tier=pictures.strength(lq.get("tier"), len(ids), few),
                lq=lq.get("lq"),
                bottleneck=bool(s.bottleneck),
                leading=tuple(n for e, n in leaders.items() if e in own),
                parent=s.parent_code,
            )
        )
    return MapData(chain, boxes, year, result)


def district_rows(
    db: Session, chain_id: int, year: int | None, lqs: list[dict[str, Any]], names: dict[str, str]
) -> list[pictures.DistrictRow]:
    """Members and their output by district (SQL GROUP BY), with the district LQs."""
    on = (Financial.enterprise_id == Enterprise.id) & (Financial.year == year) if year else false()
    stmt = (
        select(
            Enterprise.district_code,
            func.count(func.distinct(Enterprise.id)),
            func.sum(Financial.revenue),
            func.count(Financial.revenue),
        )
        .select_from(Enterprise)
        .outerjoin(Financial, on)
        .where(Enterprise.id.in_(_accepted(chain_id)))
        .group_by(Enterprise.district_code)
    )
    found = {d: (int(n), None if s is None else int(s), int(k)) for d, n, s, k in db.execute(stmt)}
    by_lq = {q["district"]: q for q in lqs}
    rows = []
    for code in sorted(set(found) | set(by_lq)):
        n, total, k = found.get(code, (0, None, 0))
        q = by_lq.get(code, {})
        rows.append(
            pictures.DistrictRow(
                code=code,
                name=names.get(code, code),
                members=n,
                output_fen=total if k else None,
                with_output=k,
                lq=q.get("lq"),
                tier=q.get("tier"),
            )
        )
    return rows


# --------------------------------------------------------------------------- pages


def _labels(lang: str) -> dict[str, str]:
    keys = ("title", "no_data", "known_of", "members", "leading", "legend", "size_note",
            "empty", "as_of", "enterprises", "output", "lq")  # fmt: skip
    out = {k: translate(lang, P + k) for k in keys}
    out["bottleneck"] = translate(lang, "chains.bottleneck")
    for stream in pictures.STREAMS:
        out["stream." + stream] = translate(lang, "chains.stream." + stream)
    for tier in (*pictures.LQ_TIERS, *pictures.COUNT_TIERS):
        out["tier." + tier] = translate(lang, P + "tier." + tier)
    return out


def _as_of(lang: str, d: MapData) -> str:
    today = utcnow().astimezone(CITY_TZ).date().isoformat()
    year = d.revenue_year if d.revenue_year is not None else "—"
    lq_year = d.lq["year"] if d.lq["year"] is not None else "—"
    return translate(lang, P + "as_of_detail", today=today, year=year, lq_year=lq_year,
                     region=d.lq["region"])  # fmt: skip


def _query(
    request: Request,
    chain_id: int,
    db: Session,
    region: str,
    measure: str,
    few: int,
) -> tuple[str, MapData, str]:
    lang = language(request)
    if measure not in analytics.MEASURES:
        raise InvalidInput(f"measure must be one of {', '.join(analytics.MEASURES)}",
                           field="measure")  # fmt: skip
    d = map_data(db, chain_id, lang, region or analytics.DEFAULT_REGION, measure, few)
    labels = _labels(lang)
    svg = pictures.chain_map_svg(d.boxes, labels, lang, _as_of(lang, d))
    return lang, d, svg


REGION = Query(analytics.DEFAULT_REGION, max_length=16)
MEASURE = Query("employment", max_length=16)
FEW = Query(analytics.DEFAULT_FEW, ge=1, le=1000)


@router.get("/chains/{chain_id}/map")
def map_page(
    request: Request,
    chain_id: int,
    region: str = REGION,
    measure: str = MEASURE,
    few: int = FEW,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain map: segments upstream → downstream, sized by output, coloured by strength."""
    _, d, svg = _query(request, chain_id, db, region, measure, few)
    ctx = {"nav": "chains", "chain": d.chain, "svg": svg, "d": d, "few": few,
           "measure": measure}  # fmt: skip
    return render(request, "chains/pictures_map.html", ctx)


@router.get("/chains/{chain_id}/map.svg")
def map_svg(
    request: Request,
    chain_id: int,
    region: str = REGION,
    measure: str = MEASURE,
    few: int = FEW,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain map alone, as an SVG image (the chain page embeds it)."""
    _, _, svg = _query(request, chain_id, db, region, measure, few)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.get("/chains/{chain_id}/districts")
def districts_page(
    request: Request,
    chain_id: int,
    region: str = REGION,
    measure: str = MEASURE,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain's member enterprises and output by district, with the district LQs."""
    lang = language(request)
    if measure not in analytics.MEASURES:
        raise InvalidInput(f"measure must be one of {', '.join(analytics.MEASURES)}",
                           field="measure")  # fmt: skip
    chain = service.get_chain(db, chain_id)
    result = analytics.analyse(
        db, chain_id, region=region or analytics.DEFAULT_REGION, measure=measure, top=0
    )
    year = revenue_year(db, chain_id)
    regions = request.app.state.region_names
    names = {c: (v[0] if lang == "zh-CN" else v[1]) for c, v in regions.items()}
    rows = district_rows(db, chain_id, year, result["districts"], names)
    charts = pictures.district_charts(rows, _labels(lang)) if rows else []
    ctx = {"nav": "chains", "chain": chain, "rows": rows, "charts": charts, "year": year,
           "a": result, "measure": measure}  # fmt: skip
    return render(request, "chains/pictures_districts.html", ctx)
