"""A declared state machine: states, the final ones, the ones whose clock runs, and transitions
with the parts (roles in the workflow) allowed to take each.

Pure declarations, no database: a domain declares its machine once (demands/workflow.py,
chains/governance/service.py, a cooperation project's) and `Workflow` (engine.py) enforces it.
States, actions and parts are strings (a domain's StrEnum members are strings too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Transition:
    """One declared transition: the action, the states it may start from, where it leads
    (None: the domain's handler decides, e.g. back to the state a pause began in), the parts
    that may take it and the input fields it needs."""

    action: str
    sources: frozenset[str]
    to: str | None
    parts: frozenset[str]
    needs: tuple[str, ...] = ()


def _given(value: Any) -> bool:
    return value not in (None, "")


@dataclass(frozen=True)
class Machine:
    """A declared machine. `running`: the states in which its clock runs (the sweep marks only
    rows in them); `given`: whether an input value counts as given for `needs`."""

    states: frozenset[str]
    final: frozenset[str]
    running: frozenset[str]
    transitions: Mapping[str, Transition]
    given: Callable[[Any], bool] = field(default=_given, compare=False)

    def __post_init__(self) -> None:
        unknown = self.final | self.running
        for t in self.transitions.values():
            unknown |= t.sources | ({t.to} if t.to else set())
        if unknown - self.states:
            raise ValueError(f"states not declared: {sorted(unknown - self.states)}")
        for t in self.transitions.values():
            if t.sources & self.final:
                raise ValueError(f"{t.action}: a final state has no way out")

    @classmethod
    def declare(
        cls,
        states: Iterable[str],
        final: Iterable[str],
        running: Iterable[str],
        transitions: Iterable[Transition],
        given: Callable[[Any], bool] = _given,
    ) -> Machine:
        """A machine from its parts (transitions keyed by their action)."""
        return cls(frozenset(states), frozenset(final), frozenset(running),
                   {t.action: t for t in transitions}, given)  # fmt: skip

    def is_open(self, state: str) -> bool:
        """Whether a row in this state is still open (not final)."""
        return state not in self.final

    def allowed(self, state: str, parts: frozenset[str]) -> list[str]:
        """The actions the parts may take from this state, in declaration order."""
        return [a for a, t in self.transitions.items() if state in t.sources and t.parts & parts]

    def missing(self, t: Transition, data: Mapping[str, Any]) -> str | None:
        """The first input field the transition needs that is not given (None: all given)."""
        return next((need for need in t.needs if not self.given(data.get(need))), None)
