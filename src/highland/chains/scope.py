"""Who may change which chain: the chains domain's one scoping rule, declared here once.

Every role with chains:read sees every chain and all of its data (the chain-length system is
read across the government, PRODUCT.md), so no read is narrowed. Changing is: chains:data
(admins, analysts) changes any chain; chain heads and teams (chains:write) only their own
(`Principal.chain_id`); every other role none. `WRITABLE` says it in SQL (the chains a principal
may change); `may_write` and the two refusals say it for one chain id, for pages, the API, the
CLI and the governance of chain tasks alike."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from highland.chains.models import Chain
from highland.platform.errors import Forbidden
from highland.platform.identity.permissions import ROLE_PERMISSIONS, Permission, Principal, Role
from highland.platform.scoping import Rule, Scope

# The roles that change only the chain they belong to.
OWN_CHAIN_ROLES = frozenset({Role.chain_head, Role.chain_team})


def _any(_: Principal) -> ColumnElement[bool]:
    return true()


def _own(principal: Principal) -> ColumnElement[bool]:
    return Chain.id == principal.chain_id if principal.chain_id is not None else false()


def _rule(role: Role) -> Rule | None:
    """The rule of a role: any chain (chains:data), its own (chains:write), or none."""
    granted = ROLE_PERMISSIONS[role]
    if Permission.chains_data in granted:
        return _any
    if Permission.chains_write in granted and role in OWN_CHAIN_ROLES:
        return _own
    return None


WRITABLE = Scope(
    Chain, {role: rule for role in Role if (rule := _rule(role)) is not None}, default=False
)


def may_write(principal: Principal, chain_id: int) -> bool:
    """Whether the principal may change this chain (the rule of WRITABLE, for one id)."""
    rule = _rule(principal.role)
    if rule is _any:
        return True
    return rule is _own and principal.chain_id == chain_id


def require_write(principal: Principal, chain_id: int) -> None:
    """Forbidden unless the principal may change this chain (chain files: load, edit)."""
    if not may_write(principal, chain_id):
        own = f" (chain {principal.chain_id})" if principal.chain_id else ""
        raise Forbidden(
            f"your role ({principal.role.value}) may change only its own chain{own}",
            field="id",
            code="chains.own_chain_only",
            params={"role": f"@role.{principal.role.value}", "id": chain_id},
        )


def check_write(principal: Principal, chain_id: int) -> None:
    """Forbidden unless the principal may change this chain (members, leading firms, tasks):
    says whether the role may change no chain at all or only another one."""
    if may_write(principal, chain_id):
        return
    if _rule(principal.role) is None:
        raise Forbidden(
            f"your role ({principal.role.value}) may not change chains",
            code="chains.may_not_write",
            params={"role": f"@role.{principal.role.value}"},
        )
    raise Forbidden(
        f"you may change only your own chain, not chain {chain_id}",
        code="chains.not_your_chain",
        params={"id": chain_id},
    )
