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
    "NameGram",
    "Qualification",
    "Region",
    "User",
    "UserSession",
]
