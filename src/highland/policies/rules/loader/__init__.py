"""Read policy YAML into validated policies, packages and test documents, with every error.

Every problem is reported with its file and line, and reading goes on after an error so that
a whole folder can be fixed in one pass. Numbers are read as Decimal straight from the text
(never through float) and codes must be strings, so that `0.1` means exactly one tenth and
`320115` cannot silently be compared as a number.

`reading` reads text and folders; `documents` one policy, package or test document;
`criteria` the eligibility tree; `values` a criterion's value; `library` what they share.
"""

from highland.policies.rules.loader.library import (
    ID_RE,
    MAX_BOUND,
    Library,
    LineLoader,
    RuleError,
    TestDoc,
    split_documents,
)
from highland.policies.rules.loader.reading import (
    check_references,
    load_library,
    read_paths,
    read_text,
)
from highland.policies.rules.loader.values import check_value, portrait_from_human

__all__ = [
    "ID_RE",
    "MAX_BOUND",
    "Library",
    "LineLoader",
    "RuleError",
    "TestDoc",
    "check_references",
    "check_value",
    "load_library",
    "portrait_from_human",
    "read_paths",
    "read_text",
    "split_documents",
]
