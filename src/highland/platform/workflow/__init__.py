"""The one workflow engine: declared states and transitions with the parts allowed to take them
(`machine`), one action at a time with its checks, an append-only event log and 409 on stale
edits (`engine`), working-day clocks with pause (`clocks`) and the set-based overdue sweep
(`sweep`). Demands, chain tasks and cooperation projects each declare a machine and run on it."""

from highland.platform.workflow.engine import EventLog, Workflow
from highland.platform.workflow.machine import Machine, Transition

__all__ = ["EventLog", "Machine", "Transition", "Workflow"]
