"""Files added to a demand after it was filed (the API's upload): all or nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from highland.demands import attachments as files
from highland.demands import repository, service
from highland.demands.models import Attachment
from highland.platform.audit.service import Actor
from highland.platform.db import begin_write
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal


def add(
    session: Session,
    principal: Principal,
    actor: Actor,
    demand_id: int,
    received: list[files.Upload],
) -> list[Attachment]:
    """Check and store the files on a demand the caller takes part in while it is open; the
    new attachments in the order given. Flushes; the request commits."""
    begin_write(session)
    d = repository.demand(session, principal, demand_id)
    if not service.parts_of(principal, d) or not d.open:
        raise InvalidInput(
            "attachments can be added only to an open demand you take part in",
            field="file",
            code="demand.attach_not_allowed",
        )
    checked = files.check_all(received)
    files.store(session, d.id, checked, actor)
    session.flush()
    return repository.attachments(session, d.id)[-len(checked) :] if checked else []
