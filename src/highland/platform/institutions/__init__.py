"""Responsible institutions (责任单位): bureaus, district offices, service centres, shared by
every domain that assigns work (demands, chain tasks, cooperation projects). The table is
`institution`; read it through `service` (re-exported here)."""

from highland.platform.institutions.models import Institution
from highland.platform.institutions.service import exists, first_code, get, listed, names

__all__ = ["Institution", "exists", "first_code", "get", "listed", "names"]
