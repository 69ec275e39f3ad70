"""JSON shapes of the demands API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from highland.demands.models import Demand, DemandEvent
from highland.platform.web.params import DbInt


class DemandIn(BaseModel):
    """A demand to file."""

    model_config = ConfigDict(extra="forbid")

    enterprise: str = Field(description="USCC of the enterprise that raises the demand")
    category: str
    title: str
    description: str
    priority: str = "normal"
    request_type: str | None = Field(
        None, description="诉求类型: consult, help, complaint or suggest (none: not given)"
    )
    chain_id: DbInt | None = None
    tags: list[str] = []
    meeting_id: DbInt | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    public: bool = False
    dispatch: bool = Field(False, description="route and dispatch at once (routers only)")


class ActionIn(BaseModel):
    """An action on a demand; `version` is the version you loaded (or send If-Match)."""

    model_config = ConfigDict(extra="forbid")

    version: DbInt | None = None
    reason: str | None = None
    note: str | None = None
    institution: str | None = None
    co: list[str] | None = None
    resolution: str | None = None
    verdict: str | None = None
    rating: DbInt | None = None
    comment: str | None = None
    category: str | None = None


class EventOut(BaseModel):
    """One event of the log."""

    seq: int
    at: datetime
    actor: str
    actor_role: str | None
    action: str
    from_state: str | None
    to_state: str
    institution: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, e: DemandEvent) -> EventOut:
        """From a row."""
        return cls(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            actor_role=e.actor_role,
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            institution=e.institution_code,
            data=dict(e.data or {}),
        )


class AttachmentOut(BaseModel):
    """An attachment's description (download it from its URL)."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class DemandOut(BaseModel):
    """A demand as the caller may see it."""

    id: int
    version: int
    enterprise: str
    enterprise_name: str
    category: str
    title: str
    description: str
    priority: str
    request_type: str | None
    chain_id: int | None
    tags: list[str]
    meeting_id: int | None
    source: str
    state: str
    open: bool
    institution: str | None
    co_handlers: list[str]
    created_at: datetime
    dispatched_at: datetime | None
    response_due: datetime | None
    resolution_due: datetime | None
    # Counted through a year without a holiday notice (statutory days only): may still move
    # when the year's notice is entered (docs/calendar.md).
    response_due_provisional: bool = False
    resolution_due_provisional: bool = False
    resolution_due_original: datetime | None = Field(
        None, description="the resolution deadline before approved extensions"
    )
    extension_days: int = Field(0, description="working days added by approved extensions")
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    paused_days: int
    warned: bool
    breached: bool
    escalated: bool
    returns: int
    reopens: int
    resolution: str | None
    verdict: str | None
    rating: int | None
    feedback: str | None
    actions: list[str] = []
    attachments: list[AttachmentOut] = []
    events: list[EventOut] | None = None

    @classmethod
    def of(
        cls, d: Demand, uscc: str, name: str, actions: list[str], marks: Any = None
    ) -> DemandOut:
        """From a row and its enterprise (`marks`: its provisional deadlines)."""
        return cls(
            response_due_provisional=bool(marks and marks.response_due),
            resolution_due_provisional=bool(marks and marks.resolution_due),
            id=d.id,
            version=d.version,
            enterprise=uscc,
            enterprise_name=name,
            category=d.category_code,
            title=d.title,
            description=d.description,
            priority=d.priority,
            request_type=d.request_type,
            chain_id=d.chain_id,
            tags=list(d.tags or []),
            meeting_id=d.meeting_id,
            source=d.source,
            state=d.state,
            open=d.open,
            institution=d.institution_code,
            co_handlers=list(d.co_handlers or []),
            created_at=d.created_at,
            dispatched_at=d.dispatched_at,
            response_due=d.response_due,
            resolution_due=d.resolution_due,
            resolution_due_original=d.resolution_due_original,
            extension_days=d.extension_days or 0,
            responded_at=d.responded_at,
            resolved_at=d.resolved_at,
            closed_at=d.closed_at,
            paused_days=d.paused_days or 0,
            warned=d.warned_at is not None,
            breached=d.breached_at is not None,
            escalated=d.escalated_at is not None,
            returns=d.returns or 0,
            reopens=d.reopens or 0,
            resolution=d.resolution,
            verdict=d.verdict,
            rating=d.rating,
            feedback=d.feedback,
            actions=actions,
        )


class DemandPage(BaseModel):
    """A page of demands."""

    total: int
    page: int
    per_page: int
    items: list[DemandOut]


class CategoryIn(BaseModel):
    """A category's fields."""

    model_config = ConfigDict(extra="forbid")

    name: str
    name_en: str
    description: str | None = None
    response_days: DbInt
    resolution_days: DbInt
    urgent_response_days: DbInt | None = Field(
        None, description="urgent tier (紧急, priority urgent): 0 = the same working day"
    )
    urgent_resolution_days: DbInt | None = None
    active: bool = True


class CategoryOut(CategoryIn):
    """A category."""

    model_config = ConfigDict(from_attributes=True)

    code: str


class InstitutionIn(BaseModel):
    """An institution's fields."""

    model_config = ConfigDict(extra="forbid")

    name: str
    name_en: str | None = None
    parent: str | None = None
    district: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    active: bool = True


class InstitutionOut(BaseModel):
    """An institution."""

    code: str
    name: str
    name_en: str | None
    parent: str | None
    district: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    active: bool


class RouteIn(BaseModel):
    """One cell of the routing table ('*' district: every district without its own row)."""

    model_config = ConfigDict(extra="forbid")

    category: str
    district: str = "*"
    lead: str
    co: list[str] = []


class MeetingIn(BaseModel):
    """A meeting or visit record with its batch of demands."""

    model_config = ConfigDict(extra="forbid")

    title: str
    held_at: datetime
    place: str
    leader: str
    kind: str = "meeting"
    district: str | None = None
    notes: str | None = None
    attendees: list[str] = []
    demands: list[DemandIn]
    dispatch: bool = False


class MeetingOut(BaseModel):
    """A meeting record and its demands (the leader's board)."""

    id: int
    kind: str
    title: str
    held_at: datetime
    place: str
    leader: str
    district: str | None
    notes: str | None
    attendees: list[str]
    demands: list[DemandOut]
    by_state: dict[str, int]


class DeadlineOut(BaseModel):
    """A deadline computed in working days."""

    start: datetime
    working_days: int
    deadline: datetime
    provisional: bool = False
    provisional_year: int | None = None


class ExtensionAskIn(BaseModel):
    """An extension request: working days to add and why (send the version you loaded)."""

    model_config = ConfigDict(extra="forbid")

    version: DbInt | None = None
    days: Any = Field(None, description="a whole number of working days (1 to the maximum)")
    reason: str | None = None


class ExtensionDecisionIn(BaseModel):
    """A decision on a pending extension request (a refusal says why)."""

    model_config = ConfigDict(extra="forbid")

    version: DbInt | None = None
    decision: str = Field(description="approve or refuse")
    reason: str | None = None


class ExtensionOut(BaseModel):
    """An extension request and its decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    demand_id: int
    institution_code: str | None
    days: int
    reason: str
    state: str
    asked_at: datetime
    asked_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    old_due: datetime | None
    new_due: datetime | None


class CallbackIn(BaseModel):
    """A follow-up call: reached, and (only if reached) satisfied, with a note."""

    model_config = ConfigDict(extra="forbid")

    reached: Any = None
    satisfied: Any = None
    note: str | None = None


class CallbackOut(BaseModel):
    """A recorded follow-up call."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    demand_id: int
    institution_code: str | None
    at: datetime
    by: str
    reached: bool
    satisfied: bool | None
    note: str | None
