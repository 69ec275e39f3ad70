"""View helpers of the demand pages and the board export: local times, labels, flags, the
event log in words, and which inputs each action's form needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from highland.demands import repository
from highland.demands.models import Demand, DemandEvent
from highland.demands.workflow import State
from highland.platform.audit.service import Actor
from highland.platform.calendar.provisional import reclock_text
from highland.platform.errors import HighlandError, InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit.dates import CITY_TZ
from highland.platform.web.i18n import error_text, has, local_name, translate
from highland.platform.web.render import render

# The inputs each action's form shows (the service checks them; these are only the fields).
ACTION_INPUTS: dict[str, tuple[str, ...]] = {
    "dispatch": ("institution_optional",),
    "accept": ("note",),
    "start": ("note",),
    "wait": ("reason",),
    "resume": ("note",),
    "resolve": ("resolution",),
    "confirm": ("verdict", "rating", "comment"),
    "return": ("reason",),
    "transfer": ("institution", "reason"),
    "withdraw": ("reason",),
    "recategorise": ("category",),
}
# States in which no institution owes anything now: not yet routed, sent back to the router,
# or waiting for the enterprise's verdict (as metrics.NOT_OVERDUE counts them).
NO_FLAG = frozenset({State.submitted.value, State.returned.value, State.resolved.value})
# Form fields whose errors are shown next to them on the filing form.
FILE_FIELDS = (
    "enterprise", "category", "title", "description", "priority", "chain", "tags", "attachments",
)  # fmt: skip


def actor_of(principal: Principal) -> Actor:
    """Who a page's change is recorded as: the user, their role and their channel."""
    return Actor(principal.username, principal.role.value, principal.channel)


def form_error(lang: str, exc: HighlandError) -> dict[str, Any]:
    """An error for a form: the field it belongs to and the message, with a lead-in."""
    field = form_field(exc.field)
    key = f"demands.field.{field}"
    return {
        "field": field,
        "label": translate(lang, key) if field and has(key) else None,
        "message": error_text(lang, exc),
        "lead": translate(lang, f"demands.error.{exc.status_code}"),
        "status": exc.status_code,
    }


def chain_id(text: str) -> int | None:
    """A chain id typed into a form (None when empty)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(
            f"chain: '{text}' is not a chain id (a whole number)",
            field="chain",
            code="demand.bad_chain",
            params={"value": text},
        ) from None


def day(text: str | None, name: str, end: bool = False) -> datetime | None:
    """A date typed into a form as the start (or, with `end`, the last second) of that day in
    Beijing time; None when empty."""
    if not text:
        return None
    try:
        d = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(
            f"{name}: '{text}' is not a date; write YYYY-MM-DD",
            field=name,
            code="practice.date_invalid",
            params={"value": text},
        ) from None
    if end:
        d = d.replace(hour=23, minute=59, second=59)
    return d.replace(tzinfo=CITY_TZ)


def local(dt: datetime | None, seconds: bool = False) -> str:
    """A time in Asia/Shanghai, e.g. '2026-10-13 23:59' ('—' when there is none)."""
    if dt is None:
        return "—"
    return dt.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def size(n: int) -> str:
    """A file size in words: bytes, KB or MB."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def form_field(field: str | None) -> str | None:
    """The form field an error belongs to (service fields like 'attachment' or 'chain')."""
    if not field:
        return None
    if field.startswith("attachment"):
        return "attachments"
    return field.split(".")[-1]


@dataclass(frozen=True)
class Names:
    """Institution and category names in the page's language."""

    lang: str
    institutions: dict[str, tuple[str, str | None]]
    categories: dict[str, tuple[str, str]]

    @classmethod
    def load(cls, session: Session, lang: str) -> Names:
        """Every institution's and category's names."""
        inst, cats = repository.name_rows(session)
        return cls(lang, inst, cats)

    def institution(self, code: str | None) -> str:
        """An institution's name (its code when unknown, '—' when none)."""
        if not code:
            return "—"
        names = self.institutions.get(code)
        if names is None:
            return code
        return local_name(self.lang, names[0], names[1])

    def category(self, code: str | None) -> str:
        """A category's name."""
        if not code:
            return "—"
        names = self.categories.get(code)
        if names is None:
            return code
        return local_name(self.lang, names[0], names[1])


def flag(d: Demand, now: datetime) -> str | None:
    """The clock flag of a demand now: overdue, response_overdue, warning, paused or None."""
    if not d.open or d.state in NO_FLAG:
        return None
    if d.state == State.waiting.value:
        return "paused"
    if d.breached_at is not None or (d.resolution_due is not None and now > d.resolution_due):
        return "overdue"
    if d.responded_at is None and d.response_due is not None and now > d.response_due:
        return "response_overdue"
    if d.warned_at is not None or (d.warn_at is not None and now >= d.warn_at):
        return "warning"
    return None


def state_label(lang: str, state: str | None) -> str:
    """A state in words."""
    return translate(lang, f"demands.state.{state}") if state else "—"


def event_rows(lang: str, names: Names, evs: list[DemandEvent]) -> list[dict[str, Any]]:
    """The log in words: who, when, action, from → to, and the reason or detail given."""
    rows = []
    for e in evs:
        data = e.data or {}
        detail: list[str] = []
        for key in ("reason", "note", "resolution", "comment"):
            if data.get(key):
                detail.append(str(data[key]))
        if data.get("verdict"):
            detail.insert(
                0,
                translate(lang, f"demands.verdict.{data['verdict']}")
                + (f" · {data['rating']}/5" if data.get("rating") else ""),
            )
        to = {"dispatch": data.get("institution"), "transfer": data.get("to")}.get(
            e.action, data.get("institution_to")
        )
        if to:
            detail.insert(0, "→ " + names.institution(str(to)))
        if e.action == "recategorise":
            detail.insert(
                0,
                f"{names.category(str(data.get('from')))} → {names.category(str(data.get('to')))}",
            )
        if data.get("paused_working_days") is not None:
            detail.append(translate(lang, "demands.paused_days", n=data["paused_working_days"]))
        if e.action == "reclock":
            detail.append(reclock_text(lang, data))
        detail[:0] = _practice_detail(lang, e.action, data)
        rows.append(
            {
                "seq": e.seq,
                "at": local(e.at),
                "actor": e.actor,
                "role": e.actor_role,
                "action": translate(lang, f"demands.action.{e.action}"),
                "action_code": e.action,
                # An event that leaves the state (a callback, an extension) shows only the state.
                "from": state_label(lang, e.from_state)
                if e.from_state and e.from_state != e.to_state
                else "",
                "to": state_label(lang, e.to_state),
                "detail": " · ".join(detail),
            }
        )
    return rows


def _practice_detail(lang: str, action: str, data: dict[str, Any]) -> list[str]:
    """The 12345 practice's events in words: days asked, the deadline moved, the call's answer."""
    if action == "extend_ask":
        return [translate(lang, "practice.extension.days") + f" {data.get('days')}"]
    if action == "extend_ok":
        old, new = (_iso_local(data.get(k)) for k in ("old_due", "new_due"))
        return [translate(lang, "practice.extension.moved", old=old, new=new)]
    if action == "callback":
        reached = "yes_reached" if data.get("reached") else "not_reached"
        out = [translate(lang, f"practice.callback.{reached}")]
        if data.get("satisfied") is not None:
            key = "yes_satisfied" if data["satisfied"] else "not_satisfied"
            out.append(translate(lang, f"practice.callback.{key}"))
        return out
    return []


def _iso_local(value: Any) -> str:
    try:
        return local(datetime.fromisoformat(str(value)))
    except ValueError:
        return "—"


def parse_lines(text: str | None) -> list[str]:
    """USCCs or codes given one per line or separated by commas."""
    out: list[str] = []
    for part in (text or "").replace("，", ",").replace(";", ",").replace("\n", ",").split(","):
        item = part.strip()
        if item and item not in out:
            out.append(item)
    return out


def render_page(
    request: Request, db: Session, name: str, ctx: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a demand page (the header's unread count comes from the notices package)."""
    return render(request, name, ctx, status_code=status_code)
