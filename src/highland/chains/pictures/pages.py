"""Chain pictures: the chain map (/chains/{id}/map, and map.svg for embedding) and the
district breakdown (/chains/{id}/districts).

The map's figures come from the chain member figures of chains.figures (accepted members of
each segment with its sub-segments and their revenue for one year — the latest year in which
any member has a revenue figure), the leading firms, and the LQs of
chains.analytics.service.analyse; the district breakdown is one SQL GROUP BY. Missing revenue
stays missing (None), never 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from highland.chains import figures as chain_figures
from highland.chains import service
from highland.chains.analytics import measures
from highland.chains.analytics import service as analytics
from highland.chains.models import Chain, EnterpriseSegment, LeadingFirm, Segment
from highland.chains.pictures import service as pictures
from highland.enterprises.models import Enterprise, Financial
from highland.platform.db import utcnow
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))
P = "chains.pictures."


# --------------------------------------------------------------------------- data


def _accepted(chain_id: int) -> Any:
    return select(EnterpriseSegment.enterprise_id).where(
        EnterpriseSegment.chain_id == chain_id, EnterpriseSegment.status == "accepted"
    )


def revenue_year(figures: chain_figures.Figures, chain_id: int) -> int | None:
    """The latest year in which any accepted member of the chain has a revenue figure."""
    years = figures.chain(chain_id).filter((pl.col("segment_code") == "") & (pl.col("year") > 0))[
        "year"
    ]
    return int(years.max()) if years.len() else None  # type: ignore[arg-type]


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


@dataclass
class MapData:
    """What the map page shows."""

    chain: Chain
    boxes: list[pictures.Box]
    revenue_year: int | None
    lq: dict[str, Any]  # analytics.analyse output


def map_data(
    db: Session,
    chain_id: DbInt,
    lang: str,
    region: str,
    measure: str,
    few: int,
    result: dict[str, Any] | None = None,
) -> MapData:
    """The boxes of the chain map: members and output of each segment and its sub-segments,
    the segment's LQ tier (or member-count tier), bottleneck flag and leading firms. `result`:
    the chain's analytics.analyse output when the caller has it already (same region,
    measure and few), so that it is not computed twice."""
    chain = service.get_chain(db, chain_id)
    if result is None:
        result = analytics.analyse(db, chain_id, region=region, measure=measure, few=few, top=0)
    segments = service.segments(db, chain.version_id) if chain.version_id is not None else []
    figures = chain_figures.current(db)
    year = revenue_year(figures, chain_id)
    rows = figures.chain(chain_id).filter(pl.col("year").is_in([0, year or 0]))
    members = {r["segment_code"]: r["members"] for r in rows.to_dicts() if r["year"] == 0}
    output = {r["segment_code"]: r for r in rows.to_dicts() if r["year"] != 0}
    leaders = leading_names(db, chain_id, lang)
    own: dict[str, set[int]] = defaultdict(set)
    if leaders:  # the segments the leading firms are accepted in (a handful of rows)
        for code, ent in db.execute(
            select(EnterpriseSegment.segment_code, EnterpriseSegment.enterprise_id).where(
                EnterpriseSegment.chain_id == chain_id,
                EnterpriseSegment.status == "accepted",
                EnterpriseSegment.enterprise_id.in_(list(leaders)),
            )
        ):
            own[code].add(int(ent))
    lqs = {s["segment"]: s["lq"] for s in result["segments"]}
    boxes = []
    for s, depth, column in _ordered(segments):
        lq = lqs.get(s.code, {})
        name = s.name if lang == "zh-CN" or not s.name_en else s.name_en
        count = int(members.get(s.code, 0))
        out = output.get(s.code)
        boxes.append(
            pictures.Box(
                code=s.code,
                stream=column,
                depth=depth,
                name=name,
                members=count,
                output_fen=int(out["revenue"]) if out else None,
                with_output=int(out["members"]) if out else 0,
                tier=pictures.strength(lq.get("tier"), count, few),
                lq=lq.get("lq"),
                bottleneck=bool(s.bottleneck),
                leading=tuple(n for e, n in leaders.items() if e in own.get(s.code, set())),
                parent=s.parent_code,
            )
        )
    return MapData(chain, boxes, year, result)


def district_rows(
    db: Session, chain_id: DbInt, year: int | None, lqs: list[dict[str, Any]], names: dict[str, str]
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


def as_of_text(lang: str, d: MapData, now: datetime | None = None) -> str:
    """The map's "data as of" line: today, the revenue year, the LQ year and region."""
    today = (now or utcnow()).astimezone(CITY_TZ).date().isoformat()
    year = d.revenue_year if d.revenue_year is not None else "—"
    lq_year = d.lq["year"] if d.lq["year"] is not None else "—"
    return translate(lang, P + "as_of_detail", today=today, year=year, lq_year=lq_year,
                     region=d.lq["region"])  # fmt: skip


def _query(
    request: Request,
    chain_id: DbInt,
    db: Session,
    region: str,
    measure: str,
    few: int,
) -> tuple[str, MapData, str]:
    lang = language(request)
    d = map_data(db, chain_id, lang, region or measures.DEFAULT_REGION, measure, few)
    labels = _labels(lang)
    svg = pictures.chain_map_svg(d.boxes, labels, lang, as_of_text(lang, d))
    return lang, d, svg


REGION = Query(measures.DEFAULT_REGION, max_length=16)
MEASURE = Query("employment", max_length=16)
FEW = Query(analytics.DEFAULT_FEW, ge=1, le=1000)


@router.get("/chains/{chain_id}/map")
def map_page(
    request: Request,
    chain_id: DbInt,
    region: str = REGION,
    measure: str = MEASURE,
    few: DbInt = FEW,
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
    chain_id: DbInt,
    region: str = REGION,
    measure: str = MEASURE,
    few: DbInt = FEW,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain map alone, as an SVG image (the chain page embeds it)."""
    _, _, svg = _query(request, chain_id, db, region, measure, few)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.get("/chains/{chain_id}/districts")
def districts_page(
    request: Request,
    chain_id: DbInt,
    region: str = REGION,
    measure: str = MEASURE,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The chain's member enterprises and output by district, with the district LQs."""
    lang = language(request)
    chain = service.get_chain(db, chain_id)
    result = analytics.analyse(  # refuses an unknown measure, naming it
        db, chain_id, region=region or measures.DEFAULT_REGION, measure=measure, top=0
    )
    year = revenue_year(chain_figures.current(db), chain_id)
    regions = request.app.state.region_names
    names = {c: (v[0] if lang == "zh-CN" else v[1]) for c, v in regions.items()}
    rows = district_rows(db, chain_id, year, result["districts"], names)
    charts = pictures.district_charts(rows, _labels(lang)) if rows else []
    ctx = {"nav": "chains", "chain": chain, "rows": rows, "charts": charts, "year": year,
           "a": result, "measure": measure}  # fmt: skip
    return render(request, "chains/pictures_districts.html", ctx)
