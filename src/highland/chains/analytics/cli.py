"""`highland chains …` analytics commands: load reference figures and prospects, print a
chain's analytics summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from highland.platform.audit.service import Actor
from highland.platform.cli import actor as cli_actor
from highland.platform.cli import fail, init_db, language, say, words
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.web.i18n import error_text, has

app = typer.Typer(help="Chain analytics: reference figures, prospects, summaries.")
reference_app = typer.Typer(help="Reference figures for location quotients.", no_args_is_help=True)
prospects_app = typer.Typer(help="Prospect lists (outside enterprises to attract).")
app.add_typer(reference_app, name="reference")
app.add_typer(prospects_app, name="prospects")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _init_and_actor() -> Actor:

    init_db()
    return cli_actor()


def _load(kind: str, path: Path) -> None:
    from highland.chains.analytics import reference_data

    actor = _init_and_actor()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail("cli.cannot_read", 2, file=str(path), problem=exc.__class__.__name__) from None
    loader = reference_data.load_reference if kind == "reference" else reference_data.load_prospects
    try:
        with transaction() as s:
            counts = loader(s, actor, data, path.name)
    except reference_data.FileErrors as exc:
        for e in exc.errors:
            line = words("cli.analytics.row_error", file=str(path), row=e.row, column=e.column,
                         problem=error_text(language(), e))  # fmt: skip
            err.print(line, highlight=False, markup=False)
        raise fail("cli.errors_nothing_written", errors=len(exc.errors)) from None
    except HighlandError as exc:
        raise fail("cli.in_file", file=str(path), problem=exc) from None
    summary = words("sep.enum").join(
        words(f"cli.analytics.count.{k}", n=v) if has(f"cli.analytics.count.{k}") else f"{v} {k}"
        for k, v in counts.items()
    )
    say(f"cli.analytics.loaded_{kind}", counts=summary, file=str(path))


@reference_app.command("load")
def reference_load(
    path: Annotated[Path, typer.Argument(help="CSV/XLSX: region,year,industry_code,measure,...")],
) -> None:
    """Load reference figures (all or nothing; every error with its row and column)."""
    _load("reference", path)


@prospects_app.command("load")
def prospects_load(
    path: Annotated[Path, typer.Argument(help="CSV/XLSX: name,uscc,region,industry_code,...")],
) -> None:
    """Load a prospect list (all or nothing; every error with its row and column)."""
    _load("prospects", path)


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The printed summary of analytics.analyse's result."""
    c = result["chain"]
    lq = result["lq"]
    conc = result["concentration"]
    lines = [
        f"chain {c['id']} {c['name']} · region {result['region']} · year {result['year']} · "
        f"measure {result['measure']}",
        f"LQ {lq['lq'] or '–'} ({lq['tier'] or lq['reason']})"
        + (" ★ECO" if lq["eco_star"] else ""),
    ]
    for s in result["segments"]:
        q = s["lq"]
        lines.append(
            f"  segment {s['segment']} members {s['members']} LQ {q['lq'] or '–'}"
            + (f" ({q['reason']})" if q["lq"] is None else f" {q['tier']}")
        )
    for d in result["districts"]:
        lines.append(f"  district {d['district']} LQ {d['lq'] or '–'} {d['tier'] or ''}".rstrip())
    largest = conc["largest"]
    lines.append(
        f"HHI {conc['hhi'] or '–'} ({conc['band'] or 'no revenue'}) · members {conc['members']}"
        + (f" · largest {largest['name']} {largest['share']}" if largest else "")
    )
    for i, g in enumerate(result["gaps"], start=1):
        names = ", ".join(f"{p['name']} ({p['score']})" for p in g["prospects"]) or "no prospect"
        lines.append(f"gap {i}: {g['segment']} score {g['score']} → {names}")
    return lines


@app.command("analytics")
def analytics_command(
    chain_id: Annotated[int, typer.Argument(help="The chain's id")],
    region: Annotated[str, typer.Option(help="Reference region (GB/T 2260 or CN)")] = "320000",
    year: Annotated[int | None, typer.Option(help="Year (default: latest reference)")] = None,
    measure: Annotated[str, typer.Option(help="employment | revenue_fen | enterprises")] = (
        "employment"
    ),
) -> None:
    """Print a chain's LQs, concentration and gaps with their prospects."""
    from highland.chains.analytics import service as analytics

    _init_and_actor()
    try:
        with transaction() as s:
            result = analytics.analyse(s, chain_id, region=region, year=year, measure=measure)
    except HighlandError as exc:
        raise fail(exc) from None
    for line in summary_lines(result):
        out.print(line, highlight=False, markup=False)


def figures_command(
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Rebuild what is stale now (e.g. after an import)")
    ] = False,
) -> None:
    """Show when the chain analytics' aggregates were built and whether they are current."""
    from highland.chains import figures

    _init_and_actor()
    if refresh:
        with transaction() as s:
            figures.refresh(s)  # the builds are stored as this command's transaction commits
    with session_factory()() as s:
        state = figures.state(s)
    if not state:
        say("cli.analytics.never_built")
    for name, st in sorted(state.items()):
        status = (
            words("cli.analytics.current")
            if st["fresh"]
            else words("cli.analytics.stale", generation=st["current"])
        )
        typer.echo(  # plain tab-separated lines (Rich would expand the tabs)
            words(
                "cli.analytics.figures_row",
                name=name,
                built=st["built_at"],
                generation=st["built_from"],
                rows=st["rows"],
                ms=st["milliseconds"],
                status=status,
            )  # fmt: skip
        )
