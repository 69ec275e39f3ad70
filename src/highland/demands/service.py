"""Demands: filing, scope, the workflow's transitions and their clocks.

Every change of a demand is one call of `act` (or `file_demand` for its first event), run by the
kernel's workflow engine (`highland.platform.workflow`): it locks the demand row, refuses a stale
version with 409, checks that the action is declared for the current state and the caller's part,
appends one event to the log and updates the demand's projection columns in the same
transaction. The parts live in: `access` (parts), `scope` (who sees which rows), `filing`,
`clocks` (deadlines and the one event writer), `transitions` (`act` and its handlers); this
module keeps their names and the lists.
"""

from __future__ import annotations

from highland.demands.access import (
    FILERS,
    ROUTERS,
    actions_for,
    check_version,
    events,
    parts_of,
)
from highland.demands.clocks import (
    _clear_marks_if_future,
    _dispatch,
    _escalate_after,
    _log,
    _set_clocks,
)
from highland.demands.filing import DemandInput, check_input, file_demand
from highland.demands.transitions import act
from highland.demands.workflow import Part

__all__ = [
    "FILERS",
    "ROUTERS",
    "DemandInput",
    "Part",
    "_clear_marks_if_future",
    "_dispatch",
    "_escalate_after",
    "_log",
    "_set_clocks",
    "act",
    "actions_for",
    "check_input",
    "check_version",
    "events",
    "file_demand",
    "parts_of",
]
