"""`highland chains suggest | accept | reject | leading`: enterprises in segments from the CLI."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from highland.platform.audit.service import Actor
from highland.platform.cli import actor as cli_actor
from highland.platform.cli import fail, init_db, say, words
from highland.platform.db import transaction
from highland.platform.errors import HighlandError

app = typer.Typer(help="Enterprises in chain segments and leading firms.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ChainOpt = Annotated[str, typer.Option("--chain", help="Chain id (or code).")]


def _init_and_actor() -> Actor:

    init_db()
    return cli_actor()


def _chain_id(s: Session, chain: str) -> int:
    """A chain given by id or code."""
    from highland.chains.mapping import service as mapping

    return mapping.chain_id_of(s, chain)


@app.command("suggest")
def suggest(
    chain: Annotated[str | None, typer.Option("--chain", help="Chain id or code (default: all).")]
    = None,
) -> None:  # fmt: skip
    """Suggest enterprises for segments (industry code, business-scope keywords)."""
    from highland.chains.mapping import service as mapping

    actor = _init_and_actor()
    try:
        with transaction() as s:
            cid = None if chain is None else _chain_id(s, chain)
            result = mapping.suggest(s, actor, cid)
    except HighlandError as exc:
        raise fail(exc) from None
    for code, (ins, upd, wd) in result.chains.items():
        say("cli.mapping.suggested", chain=code, created=ins, updated=upd, withdrawn=wd)


def _decide(decision: str, chain: str, ids: str | None, segment: str | None,
            min_confidence: int | None) -> None:  # fmt: skip
    from highland.chains.mapping import service as mapping

    actor = _init_and_actor()
    try:
        id_list = [int(x) for x in ids.split(",") if x.strip()] if ids else []
    except ValueError:
        raise fail("cli.mapping.bad_ids", 2, value=repr(ids)) from None
    try:
        with transaction() as s:
            n = mapping.decide(
                s, actor, _chain_id(s, chain), decision, ids=id_list, segment=segment,
                min_confidence=min_confidence,
            )  # fmt: skip
    except HighlandError as exc:
        raise fail(exc) from None
    say("cli.mapping.rejected" if decision == "reject" else "cli.mapping.accepted", rows=n)


IdsOpt = Annotated[str | None, typer.Option("--ids", help="Row ids, comma-separated.")]
SegOpt = Annotated[str | None, typer.Option("--segment", help="Every suggestion of a segment.")]
ConfOpt = Annotated[
    int | None, typer.Option("--min-confidence", help="With --segment: at least this (0–100).")
]


@app.command("accept")
def accept(chain: ChainOpt, ids: IdsOpt = None, segment: SegOpt = None,
           min_confidence: ConfOpt = None) -> None:  # fmt: skip
    """Accept suggestions in bulk (audited)."""
    _decide("accept", chain, ids, segment, min_confidence)


@app.command("reject")
def reject(chain: ChainOpt, ids: IdsOpt = None, segment: SegOpt = None,
           min_confidence: ConfOpt = None) -> None:  # fmt: skip
    """Reject suggestions in bulk (audited)."""
    _decide("reject", chain, ids, segment, min_confidence)


@app.command("leading")
def leading(
    chain: ChainOpt,
    mark: Annotated[str | None, typer.Option("--mark", help="USCC to mark as 链主.")] = None,
    unmark: Annotated[str | None, typer.Option("--unmark", help="USCC to unmark.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (with --mark).")] = None,
) -> None:
    """List leading firms and ranked suggestions, or mark / unmark one."""
    from highland.chains.mapping import leading as lead

    actor = _init_and_actor()
    try:
        with transaction() as s:
            cid = _chain_id(s, chain)
            if mark:
                lead.mark_leading(s, actor, cid, mark, reason)
                say("cli.mapping.marked", uscc=mark)
                return
            if unmark:
                lead.unmark_leading(s, actor, cid, unmark)
                say("cli.mapping.unmarked", uscc=unmark)
                return
            for firm, ent in lead.leading_firms(s, cid):
                line = words("cli.mapping.leading_row", uscc=ent.uscc, name=ent.name,
                             reason=firm.reason or "")  # fmt: skip
                out.print(line, highlight=False, markup=False)
            rows, year = lead.leading_suggestions(s, cid)
            for r in rows:
                share = words("missing") if r.share_percent is None else str(r.share_percent)
                line = words("cli.mapping.suggest_row", uscc=r.uscc, name=r.name, year=year,
                             share=share, upstream=r.upstream_members)  # fmt: skip
                out.print(line, highlight=False, markup=False)
    except HighlandError as exc:
        raise fail(exc) from None
