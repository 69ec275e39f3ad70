"""Problems in rule text, each with a catalogue code: the pages and the API show
`error.rules.<code>` in the reader's language; the English message stays for the CLI and logs.

Pure: no web framework, no database, no catalogue here (the rules do not know the reader)."""

from __future__ import annotations

from typing import Any


class RuleProblem(ValueError):
    """A value or expression of rule text that cannot be accepted."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = f"rules.{code}"
        self.params: dict[str, Any] = params

    def restated(self, message: str) -> RuleProblem:
        """The same problem (code and parameters) with an English message saying where."""
        out = RuleProblem(message, "")
        out.code, out.params = self.code, dict(self.params)
        return out
