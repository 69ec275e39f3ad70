"""Roles, permissions and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The roles of PRODUCT.md."""

    admin = "admin"
    analyst = "analyst"
    chain_head = "chain_head"
    chain_team = "chain_team"
    handler = "handler"
    enterprise = "enterprise"
    leader = "leader"


class Permission(StrEnum):
    """What a route may require."""

    enterprises_read = "enterprises:read"
    enterprises_write = "enterprises:write"
    enterprises_import = "enterprises:import"
    enterprises_export = "enterprises:export"
    policies_read = "policies:read"
    policies_write = "policies:write"
    policies_match = "policies:match"
    demands_read = "demands:read"
    demands_file = "demands:file"
    demands_route = "demands:route"
    demands_metrics = "demands:metrics"
    demands_admin = "demands:admin"
    regions_manage = "regions:manage"  # the zone list (Admin → Zones)
    chains_read = "chains:read"
    chains_write = "chains:write"
    chains_data = "chains:data"
    innovation_read = "innovation:read"
    innovation_write = "innovation:write"
    users_manage = "users:manage"
    audit_read = "audit:read"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.analyst: frozenset(
        {
            P.enterprises_read,
            P.enterprises_write,
            P.enterprises_import,
            P.enterprises_export,
            P.policies_read,
            P.policies_write,
            P.policies_match,
            P.demands_read,
            P.demands_file,
            P.demands_route,
            P.demands_metrics,
            P.chains_read,
            P.chains_write,
            P.chains_data,
            P.innovation_read,
            P.innovation_write,
        }
    ),
    Role.chain_head: frozenset(
        {
            P.enterprises_read,
            P.enterprises_export,
            P.policies_read,
            P.policies_match,
            P.demands_read,
            P.demands_metrics,
            P.chains_read,
            P.chains_write,
            P.innovation_read,
        }
    ),
    Role.chain_team: frozenset(
        {
            P.enterprises_read,
            P.enterprises_export,
            P.policies_read,
            P.policies_match,
            P.demands_read,
            P.demands_file,
            P.demands_metrics,
            P.chains_read,
            P.chains_write,
            P.innovation_read,
        }
    ),
    Role.handler: frozenset(
        {P.enterprises_read, P.policies_read, P.demands_read, P.chains_read, P.innovation_read}
    ),
    Role.enterprise: frozenset(
        {P.enterprises_read, P.policies_read, P.demands_read, P.demands_file, P.innovation_read}
    ),
    Role.leader: frozenset(
        {
            P.enterprises_read,
            P.enterprises_export,
            P.policies_read,
            P.policies_match,
            P.demands_read,
            P.demands_metrics,
            P.chains_read,
            P.innovation_read,
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for."""

    user_id: int
    username: str
    role: Role
    enterprise_id: int | None = None
    institution_code: str | None = None
    chain_id: int | None = None
    channel: str = "ui"
    csrf_token: str | None = None

    def can(self, permission: Permission) -> bool:
        """Tell whether the role grants the permission."""
        return permission in ROLE_PERMISSIONS[self.role]
