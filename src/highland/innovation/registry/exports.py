"""The registers as CSV or XLSX: Chinese headers and labels by default (`headers=codes`: the
column codes and stored values scripts read, the same columns the import takes); amounts exact
in the currency's major units; projects with their stage, stage dates and next review."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from highland.enterprises import public as enterprises
from highland.innovation import iso, repository
from highland.innovation.vocab import COLUMNS, HEADERS_ZH
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert, numbers
from highland.platform.web.i18n import translate

ZH = "zh-CN"
PROJECT_EXTRA = ("stage", "registered_on", "started_on", "operating_on", "stalled_on", "reason",
                 "next_review")  # fmt: skip
LABELLED = {"kind": "innovation.kind.{}", "level": "innovation.level.{}",
            "stage": "innovation.s.{}"}  # fmt: skip


def amount_text(minor: int | None, cur: str | None) -> str | None:
    """Minor units as the exact amount in major units ("1200000.50")."""
    if minor is None:
        return None
    digits = iso.minor_digits(cur or "CNY")
    return str(Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits)))


def columns(kind: str) -> tuple[str, ...]:
    """The export's columns of a register."""
    return COLUMNS[kind] + (PROJECT_EXTRA if kind == "projects" else ())


def _value(v: Any) -> Any:
    if isinstance(v, list):
        return ";".join(v)
    if isinstance(v, datetime):
        return numbers.beijing_time(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def rows(session: Session, principal: Principal, kind: str, codes: bool,
         items: list[Any] | None = None) -> list[list[Any]]:  # fmt: skip
    """The register's rows (or the given ones) as cells, in `columns(kind)` order."""
    if items is None:
        items = repository.listed(session, principal, kind)
    cols = columns(kind)
    usccs = enterprises.refs(session, [i.enterprise_id for i in items
                                       if getattr(i, "enterprise_id", None)])  # fmt: skip
    codes_of = {v: k for k, v in repository.event_codes(session).items()}
    plats = {p.id: p.name for p in repository.listed(session, principal, "platforms")} \
        if kind == "projects" else {}  # fmt: skip
    out = []
    for i in items:
        ent = usccs.get(getattr(i, "enterprise_id", None) or -1)
        special = {
            "host_uscc": ent.uscc if ent else None, "uscc": ent.uscc if ent else None,
            "platform": plats.get(getattr(i, "platform_id", None) or -1),
            "chain": getattr(i, "chain_code", None), "segment": getattr(i, "segment_code", None),
            "amount": amount_text(getattr(i, "amount_minor", None), getattr(i, "currency", None)),
            "event": codes_of.get(getattr(i, "event_id", None) or -1),
            "stage": getattr(i, "state", None),
        }  # fmt: skip
        cells = []
        for c in cols:
            v = special[c] if c in special else getattr(i, c)
            if not codes and c in LABELLED and v:
                key = "innovation.ekind.{}" if kind == "events" and c == "kind" else LABELLED[c]
                v = translate(ZH, key.format(v))
            if not codes and c == "illustrative":
                v = translate(ZH, "innovation.illustrative") if v else ""
            cells.append(_value(v))
        out.append(cells)
    return out


def _headers(kind: str, codes: bool) -> list[str]:
    return [c if codes else HEADERS_ZH[c] for c in columns(kind)]


def export_csv(session: Session, principal: Principal, kind: str, headers: str | None,
               items: list[Any] | None = None) -> bytes:  # fmt: skip
    """A register (or the given rows of it) as UTF-8 CSV (with BOM, for Excel)."""
    codes = numbers.header_set(headers) == "codes"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(_headers(kind, codes))
    for r in rows(session, principal, kind, codes, items):
        w.writerow(inert.csv_row(r))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export_xlsx(session: Session, principal: Principal, kind: str, headers: str | None,
                items: list[Any] | None = None) -> bytes:  # fmt: skip
    """A register (or the given rows of it) as XLSX."""
    codes = numbers.header_set(headers) == "codes"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = kind if codes else translate(ZH, f"innovation.kind_of.{kind}")
    inert.append(ws, _headers(kind, codes))
    for r in rows(session, principal, kind, codes, items):
        inert.append(ws, r)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
