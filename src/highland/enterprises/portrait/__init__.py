"""Enterprise portrait: derived fields as of a date, each with the inputs and the rule behind it.

Pure logic, no web framework and no database (`facts`, `size`, `size_reason`, `numbers`,
`lifecycle`, `compute`); beside it the SQL that keeps the stored size class in step
(`size_sql`, `refresh`). Money is integer fen (USD in integer cents). None means missing, and
a missing input makes a derived field missing, never zero.
"""

from highland.enterprises.portrait.compute import compute_portrait
from highland.enterprises.portrait.facts import (
    LIFECYCLE_FIELDS,
    LIFECYCLE_STAGES,
    PORTRAIT_FIELDS,
    SINGLE_CLASS_GROUPS,
    SIZE_CLASSES,
    Derived,
    EnterpriseFacts,
    Portrait,
    YearFigures,
)
from highland.enterprises.portrait.lifecycle import (
    LifecycleRule,
    LifecycleRules,
    LifecycleRulesError,
    lifecycle_rules_from_mapping,
    load_lifecycle_rules,
)
from highland.enterprises.portrait.size import (
    NOT_APPLICABLE_REASONS,
    OUT_OF_SCOPE,
    SIZE_ROWS_BY_SPECIFICITY,
    SIZE_TABLE,
    IndustryMatcher,
    SizeRow,
    SizeTier,
    classify_size,
    industry_class,
    not_applicable_reason,
    size_row_for,
)

__all__ = [
    "LIFECYCLE_FIELDS",
    "LIFECYCLE_STAGES",
    "NOT_APPLICABLE_REASONS",
    "OUT_OF_SCOPE",
    "PORTRAIT_FIELDS",
    "SINGLE_CLASS_GROUPS",
    "SIZE_CLASSES",
    "SIZE_ROWS_BY_SPECIFICITY",
    "SIZE_TABLE",
    "Derived",
    "EnterpriseFacts",
    "IndustryMatcher",
    "LifecycleRule",
    "LifecycleRules",
    "LifecycleRulesError",
    "Portrait",
    "SizeRow",
    "SizeTier",
    "YearFigures",
    "classify_size",
    "compute_portrait",
    "industry_class",
    "lifecycle_rules_from_mapping",
    "load_lifecycle_rules",
    "not_applicable_reason",
    "size_row_for",
]
