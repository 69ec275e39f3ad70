"""Registry pages: list, portrait, import, export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from highland.enterprises import figures_export, service
from highland.enterprises import repository as repo
from highland.enterprises.imports import load_report, run_import, save_report
from highland.enterprises.portrait import not_applicable_reason
from highland.enterprises.portrait.numbers import labels as portrait_labels
from highland.enterprises.row_errors import column_label, row_error_phrase
from highland.enterprises.vocab import OWNERSHIP, QUALIFICATIONS
from highland.enterprises.wording import phrase_text
from highland.platform.calendar.provisional import calendar_warning
from highland.platform.deps import DB, csrf_protect, require, streamed
from highland.platform.errors import HighlandError, NotFound
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.kit.dates import parse_date, today_local
from highland.platform.kit.industry import DIVISIONS, SECTIONS
from highland.platform.web.charts import bar_line
from highland.platform.web.i18n import error_text, translate
from highland.platform.web.params import DbInt
from highland.platform.web.render import language, register_names, render
from highland.platform.web.uploads import read_upload

router = APIRouter(include_in_schema=False)
# Every page may name a qualification, an ownership type or a data source by its code.
register_names("qual_name", "vocab.qualification")
register_names("ownership_name", "vocab.ownership")
register_names("source_name", "vocab.source")
READ = Depends(require(Permission.enterprises_read))
EXPORT = Depends(require(Permission.enterprises_export))
IMPORT = Depends(require(Permission.enterprises_import))
MONEY_COLS = ("revenue", "output_value", "tax_paid", "rd_spend", "total_assets", "main_revenue",
              "hightech_revenue", "equity_raised")  # fmt: skip
COUNT_COLS = ("employees", "rd_staff", "invention_patents", "tech_staff", "ip_class1", "ip_class2")
# How each recognition field reads: a share (percent), money (万元), years or points.
RECOGNITION_KINDS = {
    **dict.fromkeys(("tech_staff_share", "rd_staff_share", "hightech_revenue_share",
                     "main_revenue_share", "rd_intensity_3y", "rd_intensity_min_2y",
                     "main_revenue_growth_2y"), "ratio"),
    **dict.fromkeys(("rd_spend_2y", "equity_raised_2y", "equity_raised_3y"), "money"),
    "niche_years": "years",
    "tech_sme_score": "points",
}  # fmt: skip


def filter_params(
    q: str | None = None,
    district: str | None = None,
    section: str | None = None,
    division: str | None = None,
    size_class: str | None = None,
    qualification: str | None = None,
    ownership: str | None = None,
    scale: str | None = None,
    zone: str | None = None,
) -> repo.EnterpriseFilter:
    """Read the shared filters from the query string (district and zone: a code, or "none" for
    a district not given / no zone)."""
    return repo.EnterpriseFilter(
        q, district, section, division, size_class, qualification, ownership, scale, zone
    ).cleaned()


@router.get("/enterprises")
def list_page(
    request: Request,
    page: DbInt = Query(1, ge=1, le=100_000),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """The filtered, searchable list."""
    result = repo.list_page(
        db, principal, flt, page, 50, request.app.state.settings.search_count_cap
    )
    return render(
        request,
        "enterprises/list.html",
        {
            "nav": "enterprises",
            "flt": flt,
            "result": result,
            "query": urlencode(flt.as_query()),
            "regions": repo.regions(db),
            "sections": SECTIONS,
            "divisions": DIVISIONS,
            "qualifications": list(QUALIFICATIONS),
            "ownership": OWNERSHIP,
            # An industry the 2017 size standard does not cover reads 不适用, with the reason.
            "size_na": _size_not_applicable(language(request)),
            # The page an admin lands on after signing in: warns from 1 November when next
            # year's holiday schedule is missing (docs/calendar.md).
            "calendar_warning": calendar_warning(db, principal),
        },
    )


def _size_not_applicable(lang: str) -> Callable[[Any], str | None]:
    """Why an enterprise has no size because of its industry (the 2017 standard does not cover
    it), in the reader's language; None when its size is missing for want of figures."""

    def why(e: Any) -> str | None:
        reason = not_applicable_reason(e.industry_section, e.industry_division, e.industry_code)
        if reason is None:
            return None
        return translate(lang, f"size.na.{reason}", code=e.industry_code)

    return why


@router.get("/enterprises/export.csv")
def export_csv(
    headers: str | None = Query(None, max_length=40),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    db: Session = DB,
    principal: Principal = EXPORT,
) -> Response:
    """Download the filtered list as CSV."""
    return StreamingResponse(
        streamed(db, service.export_csv(db, principal, flt, numbers.header_set(headers))),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="enterprises-{today_local()}.csv"'},
    )


@router.get("/enterprises/export.xlsx")
def export_xlsx(
    headers: str | None = Query(None, max_length=40),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    db: Session = DB,
    principal: Principal = EXPORT,
) -> Response:
    """Download the filtered list as XLSX."""
    return Response(
        service.export_xlsx(db, principal, flt, numbers.header_set(headers)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="enterprises-{today_local()}.xlsx"'},
    )


def figure_years(
    year: int | None = Query(None, ge=1900, le=9999),
    year_from: int | None = Query(None, alias="from", ge=1900, le=9999),
    year_to: int | None = Query(None, alias="to", ge=1900, le=9999),
) -> figures_export.Years:
    """The years of a figures export from the query string: `year`, or `from` and/or `to`."""
    return figures_export.year_range(year, year_from, year_to)


@router.get("/enterprises/export-figures.csv")
def export_figures_csv(
    headers: str | None = Query(None, max_length=40),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    years: figures_export.Years = Depends(figure_years),
    db: Session = DB,
    principal: Principal = EXPORT,
) -> Response:
    """Download the yearly figures of the filtered list as CSV."""
    name = f"figures-{today_local()}.csv"
    return StreamingResponse(
        streamed(
            db, figures_export.export_csv(db, principal, flt, years, numbers.header_set(headers))
        ),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/enterprises/export-figures.xlsx")
def export_figures_xlsx(
    headers: str | None = Query(None, max_length=40),
    flt: repo.EnterpriseFilter = Depends(filter_params),
    years: figures_export.Years = Depends(figure_years),
    db: Session = DB,
    principal: Principal = EXPORT,
) -> Response:
    """Download the yearly figures of the filtered list as XLSX."""
    name = f"figures-{today_local()}.xlsx"
    return Response(
        figures_export.export_xlsx(db, principal, flt, years, numbers.header_set(headers)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _charts(view: service.PortraitView, lang: str) -> tuple[str, str]:
    years = [f.year for f in view.figures]
    wan = numbers.wan_number

    money = bar_line(
        years,
        [
            (translate(lang, "col.revenue"), [wan(f.revenue) for f in view.figures]),
            (translate(lang, "col.rd_spend"), [wan(f.rd_spend) for f in view.figures]),
        ],
        translate(lang, "unit.wan_yuan"),
    )
    people = bar_line(
        years,
        [
            (translate(lang, "col.employees"), [f.employees for f in view.figures]),
            (translate(lang, "col.rd_staff"), [f.rd_staff for f in view.figures]),
        ],
        integers=True,
    )
    return money, people


@router.get("/enterprises/{uscc}")
def portrait_page(
    request: Request,
    uscc: str,
    as_of: str | None = None,
    db: Session = DB,
    principal: Principal = READ,
) -> Response:
    """An enterprise's portrait."""
    when = parse_date(as_of, "as_of") if as_of else today_local()
    view = service.portrait(db, principal, uscc, when)
    lang = language(request)
    money, people = _charts(view, lang) if view.figures else ("", "")
    return render(
        request,
        "enterprises/portrait.html",
        {
            "nav": "enterprises",
            "e": view.enterprise,
            "p": view.portrait,
            "as_of": when,
            "figures": [_figure_row(f) for f in view.figures],
            "money_cols": MONEY_COLS,
            "recognition": RECOGNITION_KINDS,
            "count_cols": COUNT_COLS,
            "chart_money": money,
            "chart_people": people,
            "words": lambda phrase: phrase_text(lang, phrase),
            "labels": portrait_labels,
        },
    )


def _figure_row(f: object) -> dict[str, object]:
    cols = ("year", "source", *MONEY_COLS, *COUNT_COLS)
    return {c: getattr(f, c) for c in cols}


@router.get("/imports")
def import_form(request: Request, principal: Principal = IMPORT) -> Response:
    """The upload form."""
    return render(request, "enterprises/import.html", {"nav": "import", "kind": "enterprises"})


@router.post("/imports", dependencies=[Depends(csrf_protect)])
async def import_upload(
    request: Request,
    kind: str = Form("enterprises"),
    file: UploadFile = File(...),
    dry_run: str | None = Form(None),
    skip_invalid: str | None = Form(None),
    principal: Principal = IMPORT,
) -> Response:
    """Run an import from the form and show its result and report."""
    lang = language(request)
    ctx: dict[str, object] = {
        "nav": "import",
        "kind": kind,
        # Each row error by its code, in the reader's language (the CSV report keeps English).
        "row_error": lambda message: phrase_text(lang, row_error_phrase(message)),
        "column_name": lambda column: phrase_text(lang, column_label(column)),
    }
    try:
        data, name = await read_upload(request, file)
        result = await run_in_threadpool(  # reading and checking the file: off the event loop
            run_import,
            request.app.state.sessions,
            principal,
            kind,
            data,
            name,
            dry_run=bool(dry_run),
            skip_invalid=bool(skip_invalid),
        )
    except HighlandError as exc:
        ctx["file_error"] = error_text(lang, exc)  # in the reader's language
        return render(request, "enterprises/import.html", ctx, status_code=exc.status_code)
    ctx["result"] = result
    if result.errors:
        ctx["report_id"] = await run_in_threadpool(
            save_report,
            request.app.state.sessions,
            principal,
            result,
            request.app.state.settings.import_report_keep_days,
        )
    status = 422 if result.errors and not result.written and not skip_invalid else 200
    return render(request, "enterprises/import.html", ctx, status_code=status)


@router.get("/imports/reports/{report_id}.csv")
def import_report(
    report_id: str, request: Request, principal: Principal = IMPORT, db: Session = DB
) -> Response:
    """Download an import's row-level report (only its author may)."""
    text = load_report(db, principal, report_id)
    if text is None:
        raise NotFound("no such report", code="enterprises.no_report", params={"id": report_id})
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="import-report-{report_id}.csv"'},
    )
