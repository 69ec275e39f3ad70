"""Who may change which chain (chains/scope.py): the SQL scope and the check for one chain id
say the same for every role, and the refusals carry catalogue codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains import scope, service
from highland.chains.loader import read_yaml
from highland.chains.models import Chain
from highland.platform.errors import Forbidden
from highland.platform.identity.permissions import Principal, Role
from tests.chains.chain_files import FLAT, SMALL
from tests.conftest import ACTOR


def test_the_sql_scope_and_the_check_agree_for_every_role(db: Session) -> None:
    service.store(db, [read_yaml(SMALL, "s.yaml"), read_yaml(FLAT, "f.yaml")], ACTOR)
    ids = sorted(db.scalars(select(Chain.id)))
    assert ids == [1, 2]
    for role in Role:
        for own in (None, 1, 2):
            p = Principal(1, "u", role, chain_id=own)
            writable = sorted(db.scalars(scope.WRITABLE.apply(select(Chain.id), p)))
            assert writable == [i for i in ids if scope.may_write(p, i)], (role, own)
    head = Principal(1, "h", Role.chain_head, chain_id=1)
    assert sorted(db.scalars(scope.WRITABLE.apply(select(Chain.id), head))) == [1]
    assert scope.WRITABLE.allows(db, head, 1) and not scope.WRITABLE.allows(db, head, 2)


def test_refusals_name_their_catalogue_entries() -> None:
    head = Principal(1, "h", Role.chain_head, chain_id=1)
    with pytest.raises(Forbidden) as own:
        scope.require_write(head, 2)
    assert own.value.code == "chains.own_chain_only" and own.value.params["id"] == 2
    with pytest.raises(Forbidden) as other:
        scope.check_write(head, 2)
    assert other.value.code == "chains.not_your_chain"
    with pytest.raises(Forbidden) as none:
        scope.check_write(Principal(2, "l", Role.leader), 1)
    assert none.value.code == "chains.may_not_write"
