"""Imports every domain's models so that the metadata is complete (Alembic, tests)."""

from highland.audit.models import AuditEntry, AuditHead
from highland.db import Base
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
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Enterprise",
    "Financial",
    "ImportReport",
    "ImportRun",
    "LoginAttempt",
    "MatchCount",
    "MatchRun",
    "NameGram",
    "PackageHead",
    "PackageVersion",
    "PolicyHead",
    "PolicyVersion",
    "PortraitSnapshot",
    "Qualification",
    "Region",
    "User",
    "UserSession",
]
