"""Imports every domain's models so that the metadata is complete (Alembic, tests)."""

from highland.audit.models import AuditEntry, AuditHead
from highland.db import Base
from highland.demands.models import (
    ApiKey,
    Attachment,
    CalendarDay,
    CalendarYear,
    Demand,
    DemandCategory,
    DemandEvent,
    Institution,
    Meeting,
    MeetingAttendee,
    Notification,
    RoutingRule,
)
from highland.enterprises.models import (
    Enterprise,
    Financial,
    ImportReport,
    ImportRun,
    NameGram,
    Qualification,
    Region,
)
from highland.identity.models import ApiToken, LoginAttempt, User, UserSession
from highland.policies.models import (
    MatchCount,
    MatchRun,
    PackageHead,
    PackageVersion,
    PolicyHead,
    PolicyVersion,
    PortraitSnapshot,
)

__all__ = [
    "ApiKey",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Demand",
    "DemandCategory",
    "DemandEvent",
    "Enterprise",
    "Financial",
    "ImportReport",
    "ImportRun",
    "Institution",
    "LoginAttempt",
    "MatchCount",
    "MatchRun",
    "Meeting",
    "MeetingAttendee",
    "NameGram",
    "Notification",
    "PackageHead",
    "PackageVersion",
    "PolicyHead",
    "PolicyVersion",
    "PortraitSnapshot",
    "Qualification",
    "Region",
    "RoutingRule",
    "User",
    "UserSession",
]
