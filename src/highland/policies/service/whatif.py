"""What-if: the counts a policy would have with edited rules or thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from highland.platform.errors import InvalidInput
from highland.policies.rules.loader import (
    RuleError,
    read_text,
)
from highland.policies.rules.model import compile_policy
from highland.policies.rules.vector import Summary, summarise
from highland.policies.rules.whatif import EDITED
from highland.policies.service.library import get_version, parsed_policy
from highland.policies.service.snapshots import snapshot_for, snapshot_frame

# --------------------------------------------------------------------------- what-if

# What the edited text is called where its errors are listed (`<policy> (edited):<line>: …`);
# pages name it in their reader's language (present.rule_error_line).


class RuleErrors(InvalidInput):
    """Rule text that does not validate; `errors` keeps every error with its line."""

    def __init__(self, errors: Sequence[RuleError], field: str | None = None) -> None:
        message = "; ".join(str(e) for e in errors[:5])
        super().__init__(
            message, field=field, code="policies.rule_errors", params={"n": len(errors)}
        )
        self.errors = list(errors)


@dataclass
class WhatIf:
    """A policy's reach before and after an unsaved change."""

    before: Summary
    after: Summary
    changed_text: str


def what_if(session: Session, policy_id: str, as_of: date, edited_yaml: str) -> WhatIf:
    """Evaluate an edited (unsaved) version of a policy against the snapshot of the date."""
    version = get_version(session, policy_id)
    lib = read_text(edited_yaml, f"{policy_id}{EDITED}")
    if lib.errors:
        raise RuleErrors(lib.errors, field="rule")
    if set(lib.policies) != {policy_id}:
        raise InvalidInput(
            f"the edited text must hold exactly policy {policy_id}",
            field="rule",
            code="policies.whatif_one_policy",
            params={"id": policy_id},
        )
    edited = lib.policies[policy_id]
    original = parsed_policy(version)
    for p in (original, edited):
        if not p.in_force(as_of):
            raise InvalidInput(
                f"policy {policy_id} is not in force on {as_of}",
                field="as_of",
                code="policies.not_in_force",
                params={"id": policy_id, "date": as_of.isoformat()},
            )
    frame = snapshot_frame(session, snapshot_for(session, as_of))
    before, after = summarise(
        frame, [compile_policy(original, as_of), compile_policy(edited, as_of)]
    )
    return WhatIf(before, after, edited.source)


def what_if_thresholds(
    session: Session,
    policy_id: str,
    as_of: date,
    thresholds: dict[int, str],
    amount: str | None = None,
) -> WhatIf:
    """What-if with new values for some criteria (by index) and optionally a new amount."""
    from highland.policies.rules.whatif import edit_policy

    original = parsed_policy(get_version(session, policy_id))
    if not original.in_force(as_of):
        raise InvalidInput(
            f"policy {policy_id} is not in force on {as_of}",
            field="as_of",
            code="policies.not_in_force",
            params={"id": policy_id, "date": as_of.isoformat()},
        )
    try:
        edited = edit_policy(original, thresholds, amount)
    except ValueError as exc:  # a RuleProblem, with its catalogue code
        code, params = getattr(exc, "code", None), getattr(exc, "params", None)
        raise InvalidInput(str(exc), field="thresholds", code=code, params=params) from None
    frame = snapshot_frame(session, snapshot_for(session, as_of))
    before, after = summarise(
        frame, [compile_policy(original, as_of), compile_policy(edited, as_of)]
    )
    return WhatIf(before, after, original.source)
