"""Identity API: who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from highland.platform.deps import current_principal
from highland.platform.identity.permissions import ROLE_PERMISSIONS, Principal

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.get("/me")
def me(principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    """The caller's identity, role and permissions."""
    return {
        "username": principal.username,
        "role": principal.role.value,
        "enterprise_id": principal.enterprise_id,
        "institution_code": principal.institution_code,
        "chain_id": principal.chain_id,
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS[principal.role]),
    }
