"""The recognition rule sets: policy-format YAML in `rules/`, each naming the qualification
it leads to. Read once per process; a broken file is a programming error caught by the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from highland.platform.errors import InvalidInput, NotFound
from highland.policies.rules.loader import Library, load_library
from highland.policies.rules.model import Compiled, Policy, compile_policy

RULES_DIR = Path(__file__).parent / "rules"
# Rule set id → the qualification code (enterprises' vocabulary) a firm holds once recognised,
# in the order of the gradient a bureau cultivates.
GRANTS: dict[str, str] = {
    "high-tech": "high_tech",
    "tech-sme": "tech_sme",
    "innovative-sme": "innovative_sme",
    "srdi-sme": "srdi",
    "little-giant": "little_giant",
}


@dataclass(frozen=True)
class RuleSet:
    """One recognition's criteria and the qualification it leads to."""

    id: str
    qualification: str
    policy: Policy

    def compiled(self, as_of: date) -> Compiled:
        """The criteria resolved for a date; refused before the document takes effect."""
        if not self.policy.in_force(as_of):
            raise InvalidInput(
                f"rule set {self.id} is not in force on {as_of} (effective "
                f"{self.policy.effective})",
                field="as_of",
                code="recognitions.not_in_force",
                params={
                    "id": self.id,
                    "date": as_of.isoformat(),
                    "effective": self.policy.effective.isoformat(),
                },  # fmt: skip
            )
        return compile_policy(self.policy, as_of)


def library() -> Library:
    """The rule files as read (with any errors), for checks."""
    return load_library([RULES_DIR])


@cache
def rulesets() -> tuple[RuleSet, ...]:
    """Every recognition rule set, in the order of GRANTS."""
    lib = library()
    if lib.errors:
        raise RuntimeError("; ".join(str(e) for e in lib.errors))
    return tuple(RuleSet(rid, code, lib.policies[rid]) for rid, code in GRANTS.items())


def get(ruleset_id: str) -> RuleSet:
    """One rule set by id; NotFound (naming the ids there are) for any other."""
    for rs in rulesets():
        if rs.id == ruleset_id:
            return rs
    raise NotFound(
        f"no recognition rule set {ruleset_id[:64]!r}; use one of {', '.join(GRANTS)}",
        code="recognitions.no_ruleset",
        params={"id": ruleset_id[:64], "choices": ", ".join(GRANTS)},
    )
