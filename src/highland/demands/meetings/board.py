"""The leader's board of a meeting: its demands with institution, deadlines, state and flags,
for the page and as an XLSX file (the meeting's demand list, 诉求清单)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.present import Names, flag, local, state_label
from highland.platform.calendar import load_calendar
from highland.platform.calendar.provisional import demand_marks
from highland.platform.db import utcnow
from highland.platform.identity.permissions import Principal
from highland.platform.kit import numbers
from highland.platform.kit.inert import append
from highland.platform.web.i18n import local_name, translate

# (message key, column width) of the export, in order; headers in Chinese (docs/numbers.md).
COLUMNS: tuple[tuple[str, int], ...] = (
    ("demands.col.no", 6),
    ("demands.col.enterprise", 30),
    ("demands.col.uscc", 22),
    ("demands.col.title", 36),
    ("demands.col.category", 14),
    ("practice.request_type", 10),
    ("demands.col.institution", 24),
    ("demands.col.co_handlers", 24),
    ("demands.col.response_due", 18),
    ("practice.col.resolution_original", 18),
    ("demands.col.resolution_due", 18),
    ("practice.col.extension_days", 10),
    ("demands.col.state", 12),
    ("demands.col.overdue", 12),
    ("demands.col.verdict", 12),
    ("calendar.col.provisional", 14),
)
# The machine codes, each in a column of its own after the words (Chinese headers), and the
# English machine headers of the whole sheet with `headers=codes` (scripts).
CODE_COLUMNS = (("num.board.id", "id"), ("num.board.category_code", "category_code"),
                ("num.board.request_type_code", "request_type_code"),
                ("num.board.institution_code", "institution_code"),
                ("num.board.co_handler_codes", "co_handler_codes"),
                ("num.board.state_code", "state"), ("num.board.flag_code", "flag_code"),
                ("num.board.verdict_code", "verdict_code"))  # fmt: skip
MACHINE_HEADERS = (
    "no", "enterprise", "uscc", "title", "category", "request_type", "institution",
    "co_handlers", "response_due", "resolution_due_original", "resolution_due",
    "extension_days", "state_label", "flag", "verdict", "provisional",
    *(name for _, name in CODE_COLUMNS),
)  # fmt: skip


def board_rows(
    session: Session,
    principal: Principal,
    meeting_id: int,
    lang: str = "zh-CN",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The meeting's demands the caller may see, in filing order, ready to show."""
    repository.meeting(session, principal, meeting_id)
    now = now or utcnow()
    names = Names.load(session, lang)
    cal = load_calendar(session)
    rows = []
    demands = repository.of_meeting_named(session, principal, meeting_id)
    for n, (d, name, name_en, uscc) in enumerate(demands, 1):
        f = flag(d, now)
        marks = demand_marks(cal, d)
        rows.append(
            {
                "no": n,
                "id": d.id,
                "enterprise": local_name(lang, name, name_en),
                "uscc": uscc,
                "title": d.title,
                "category": names.category(d.category_code),
                "request_type": translate(
                    lang, f"practice.request_type.{d.request_type or 'none'}"
                ),
                "institution": names.institution(d.institution_code),
                "institution_code": d.institution_code,
                "category_code": d.category_code,
                "request_type_code": d.request_type or "",
                "co_handler_codes": ",".join(d.co_handlers or []),
                "flag_code": f or "",
                "verdict_code": d.verdict or "",
                "co_handlers": ", ".join(names.institution(c) for c in d.co_handlers or []),
                "response_due": local(d.response_due),
                "resolution_due": local(d.resolution_due),
                "response_due_provisional": marks.response_due,
                "resolution_due_provisional": marks.resolution_due,
                # The deadline before extensions, and the working days they added (0: none).
                "resolution_original": local(d.resolution_due_original or d.resolution_due),
                "extension_days": d.extension_days or 0,
                "state": d.state,
                "state_label": state_label(lang, d.state),
                "flag": f,
                "flag_label": translate(lang, f"demands.flag.{f}") if f else "",
                "verdict": translate(lang, f"demands.verdict.{d.verdict}") if d.verdict else "",
                "rating": d.rating,
            }
        )
    return rows


def state_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many of the rows are in each state, and how many are overdue."""
    counts = Counter(r["state"] for r in rows)
    out = dict(sorted(counts.items()))
    out["overdue"] = sum(1 for r in rows if r["flag"] in ("overdue", "response_overdue"))
    return out


def _zh(key: str) -> str:
    """A header or label of the export, in Chinese (the list that goes to the leader's table)."""
    return translate("zh-CN", key)


def _provisional_cell(r: dict[str, Any]) -> str:
    """The export's mark: which of the row's deadlines are provisional (empty: none)."""
    parts = [
        translate("zh-CN", key)
        for key, on in (
            ("demands.col.response_due", r["response_due_provisional"]),
            ("demands.col.resolution_due", r["resolution_due_provisional"]),
        )
        if on
    ]
    return f"{translate('zh-CN', 'calendar.provisional.mark')}：{'、'.join(parts)}" if parts else ""


def board_xlsx(
    session: Session,
    principal: Principal,
    meeting_id: int,
    now: datetime | None = None,
    headers: str = "zh",
) -> bytes:
    """The meeting's demand list as XLSX: Chinese headers, names and labels with the codes in
    columns of their own (`headers="codes"`: English machine headers), times Beijing time."""
    codes = numbers.header_set(headers) == "codes"
    meeting = repository.meeting(session, principal, meeting_id)
    rows = board_rows(session, principal, meeting_id, "zh-CN", now)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = translate("zh-CN", "demands.board.sheet")
    append(ws, list(MACHINE_HEADERS) if codes
           else [_zh(k) for k, _ in COLUMNS] + [_zh(k) for k, _ in CODE_COLUMNS])  # fmt: skip
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0FA")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r in rows:
        append(
            ws,
            [
                r["no"],
                r["enterprise"],
                r["uscc"],
                r["title"],
                r["category"],
                r["request_type"],
                r["institution"],
                r["co_handlers"],
                r["response_due"] if r["response_due"] != "—" else "",
                r["resolution_original"] if r["resolution_original"] != "—" else "",
                r["resolution_due"] if r["resolution_due"] != "—" else "",
                r["extension_days"],
                r["state_label"],
                r["flag_label"],
                r["verdict"] + (f" ({r['rating']}/5)" if r["rating"] else ""),
                _provisional_cell(r),
                *(r[name] for _, name in CODE_COLUMNS),
            ],
        )
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"
    info = wb.create_sheet(translate("zh-CN", "demands.board.info_sheet"))
    for key, value in (
        ("demands.board.meeting", meeting.title),
        ("demands.board.held_at", local(meeting.held_at)),
        ("demands.board.place", meeting.place),
        ("demands.board.leader", meeting.leader),
        ("demands.board.exported_at", local(now or utcnow())),
    ):
        append(info, [key.rsplit(".", 1)[1] if codes else _zh(key), value])
    if any(_provisional_cell(r) for r in rows):
        # What the list's provisional mark means (docs/calendar.md), in both languages.
        for lang in ("zh-CN", "en"):
            append(
                info,
                [_zh("demands.board.note"), translate(lang, "calendar.provisional.export_note")],
            )
    info.column_dimensions["A"].width = 36
    info.column_dimensions["B"].width = 48
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
