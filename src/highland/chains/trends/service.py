"""Month-by-month trends of a chain's indicators (issue 5, item 5).

`series` gives, for each month of a window ending at `to_month`, the chain's indicators of
that month:

- "recorded": the snapshot kept in the month's scheduling record (ChainMeeting.indicators),
  as computed when the record was made (or recomputed), with its `computed_at`;
- "computed": otherwise, `indicators.compute` as of the month's end, from today's data (see
  chains.indicators for what "as of" means for each indicator).

Values stay exact (money in integer fen, growth as the decimal string indicators gives) and a
missing value stays None — a gap in the line, never 0. Every point carries the freshness the
indicator reported for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.governance.service import get_chain
from highland.chains.models import ChainMeeting
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput

MAX_MONTHS = 36
DEFAULT_MONTHS = 12
COUNTS = ("members", "new_members", "open_demands", "overdue_demands")
MONEY = ("output_value", "revenue", "tax")
RECORDED = "recorded"
COMPUTED = "computed"


def parse_months(text: str | int | None, field: str = "months") -> int:
    """The number of months of a window: a whole number from 1 to MAX_MONTHS."""
    raw = "" if text is None else str(text).strip()
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_MONTHS:
        return int(raw)
    raise InvalidInput(
        f"{field}: '{raw}' must be a whole number of months from 1 to {MAX_MONTHS}",
        field=field,
        code="trends.months",
        params={"value": raw, "max": MAX_MONTHS},
    )


def shift(month: str, delta: int) -> str:
    """The month `delta` months after (or before, when negative) a YYYY-MM month."""
    year, mon = indicators.parse_month(month)
    n = year * 12 + (mon - 1) + delta
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def window(to_month: str, months: int) -> list[str]:
    """The months from to_month − months + 1 to to_month, oldest first."""
    return [shift(to_month, -k) for k in range(months - 1, -1, -1)]


def check(to_month: str | None, months: int | str | None, now: datetime | None = None) -> int:
    """Refuse a malformed `to`, a bad `months` or a `to` after the current month
    (Asia/Shanghai); returns the number of months."""
    indicators.parse_month(to_month, field="to")
    n = parse_months(months)
    current = indicators.current_month(now)
    if str(to_month).strip() > current:
        raise InvalidInput(
            f"to: {str(to_month).strip()} is after the current month "
            f"({current}, Asia/Shanghai); trends stop at the current month",
            field="to",
            code="trends.after_current",
            params={"value": str(to_month).strip(), "current": current},
        )
    return n


def _recorded(session: Session, chain_id: int, months: list[str]) -> dict[str, ChainMeeting]:
    rows = session.scalars(
        select(ChainMeeting).where(
            ChainMeeting.chain_id == chain_id, ChainMeeting.month.in_(months)
        )
    )
    return {m.month: m for m in rows}


def _point(
    month: str, snapshot: dict[str, Any], source: str, meeting: ChainMeeting | None
) -> dict[str, Any]:
    items = snapshot.get("items")
    items = items if isinstance(items, dict) else {}
    values: dict[str, Any] = {}
    fresh: dict[str, Any] = {}
    for key in indicators.ORDER:
        item = items.get(key)
        item = item if isinstance(item, dict) else {}
        values[key] = item.get("value")
        fresh[key] = item.get("freshness")
    return {
        "month": month,
        "source": source,
        "as_of": snapshot.get("as_of"),
        "computed_at": snapshot.get("computed_at"),
        "meeting_id": meeting.id if meeting is not None else None,
        "values": values,
        "freshness": fresh,
        "items": items,
    }


def series(
    session: Session,
    chain_id: int,
    to_month: str,
    months: int | str = DEFAULT_MONTHS,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The indicators of a chain for each month of the window ending at `to_month`.

    Returns a JSON-ready dict: chain_id, from, to, months, current_month, computed_at,
    `points` (one per month, oldest first: month, source "recorded" | "computed",
    as_of, computed_at, meeting_id, values, freshness, items — the full indicator entries)
    and `indicators` (per indicator, in indicators.ORDER: one {month, value, freshness,
    source} per month). `months` may be a text (a query parameter). 404 for an unknown chain;
    InvalidInput naming `to` or `months`."""
    now = now or utcnow()
    get_chain(session, chain_id)
    n = check(to_month, months, now)
    to_month = to_month.strip()
    wanted = window(to_month, n)
    recorded = _recorded(session, chain_id, wanted)
    points = []
    for month in wanted:
        meeting = recorded.get(month)
        if meeting is not None and isinstance(meeting.indicators, dict):
            points.append(_point(month, meeting.indicators, RECORDED, meeting))
        else:
            snapshot = indicators.compute(session, chain_id, month, now)
            points.append(_point(month, snapshot, COMPUTED, None))
    lines = {
        key: [
            {"month": p["month"], "value": p["values"][key], "freshness": p["freshness"][key],
             "source": p["source"]}
            for p in points
        ]
        for key in indicators.ORDER
    }  # fmt: skip
    return {
        "chain_id": chain_id,
        "from": wanted[0],
        "to": to_month,
        "months": n,
        "current_month": indicators.current_month(now),
        "computed_at": now.isoformat(),
        "points": points,
        "indicators": lines,
    }
