"""Chain pictures: the chain map (/chains/{id}/map, and map.svg for embedding) and the
district breakdown (/chains/{id}/districts). Thin adapters over chains.pictures.service, which
gathers the figures drawn and draws them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.chains import figures as chain_figures
from highland.chains import service
from highland.chains.analytics import measures
from highland.chains.analytics import service as analytics
from highland.chains.pictures import service as pictures
from highland.platform.deps import DB, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.i18n import local_name, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, render

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.chains_read))


def _query(
    request: Request,
    chain_id: DbInt,
    db: Session,
    region: str,
    measure: str,
    few: int,
) -> tuple[str, pictures.MapData, str]:
    lang = language(request)
    d = pictures.map_data(db, chain_id, lang, region or measures.DEFAULT_REGION, measure, few)
    labels = pictures.labels(lang)
    svg = pictures.chain_map_svg(d.boxes, labels, lang, pictures.as_of_text(lang, d))
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
    year = pictures.revenue_year(chain_figures.current(db), chain_id)
    regions = request.app.state.region_names
    names = {c: local_name(lang, v[0], v[1]) for c, v in regions.items()}
    rows = pictures.district_rows(
        db, chain_id, year, result["districts"], names | {"": translate(lang, "zones.not_given")}
    )
    zones = pictures.zone_rows(db, chain_id, year, names | {"": translate(lang, "zones.none")})
    charts = pictures.district_charts(rows, pictures.labels(lang)) if rows else []
    ctx = {"nav": "chains", "chain": chain, "rows": rows, "charts": charts, "year": year,
           "a": result, "measure": measure, "zones": zones}  # fmt: skip
    return render(request, "chains/pictures_districts.html", ctx)
