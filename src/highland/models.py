"""Imports every domain's models so that the metadata is complete (Alembic, tests)."""

from highland.chains.models import (
    Chain,
    ChainMeeting,
    ChainTask,
    ChainTaskEvent,
    ChainVersion,
    EnterpriseSegment,
    LeadingFirm,
    Prospect,
    ReferenceFigure,
    Segment,
)
from highland.demands.models import (
    ApiKey,
    Attachment,
    Demand,
    DemandCategory,
    DemandEvent,
    Meeting,
    MeetingAttendee,
    RoutingRule,
)
from highland.demands.practice.models import DemandCallback, DemandExtension
from highland.docking.models import Achievement, DockingEvent, DockingRecord, TechNeed
from highland.enterprises.models import (
    Enterprise,
    Financial,
    ImportReport,
    ImportRun,
    NameGram,
    Qualification,
    Region,
)
from highland.growth.models import GrowthEntry, GrowthList
from highland.innovation.models import (
    CoopProject,
    CoopProjectEvent,
    InnovationEvent,
    InnovationPlatform,
    OverseasCentre,
)
from highland.platform.audit.models import AuditEntry, AuditHead
from highland.platform.calendar.models import CalendarDay, CalendarYear
from highland.platform.db import Base
from highland.platform.identity.models import ApiToken, LoginAttempt, User, UserSession
from highland.platform.institutions.models import Institution
from highland.platform.notices.models import Notification
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
    "Achievement",
    "DockingEvent",
    "DockingRecord",
    "TechNeed",
    "ApiKey",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "AuditHead",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "Chain",
    "ChainMeeting",
    "ChainTask",
    "ChainTaskEvent",
    "ChainVersion",
    "CoopProject",
    "CoopProjectEvent",
    "Demand",
    "DemandCallback",
    "DemandCategory",
    "DemandEvent",
    "DemandExtension",
    "Enterprise",
    "EnterpriseSegment",
    "Financial",
    "GrowthEntry",
    "GrowthList",
    "ImportReport",
    "ImportRun",
    "InnovationEvent",
    "InnovationPlatform",
    "Institution",
    "LeadingFirm",
    "LoginAttempt",
    "MatchCount",
    "MatchRun",
    "Meeting",
    "MeetingAttendee",
    "NameGram",
    "Notification",
    "OverseasCentre",
    "PackageHead",
    "PackageVersion",
    "PolicyHead",
    "PolicyVersion",
    "PortraitSnapshot",
    "Prospect",
    "Qualification",
    "ReferenceFigure",
    "Region",
    "RoutingRule",
    "Segment",
    "User",
    "UserSession",
]
