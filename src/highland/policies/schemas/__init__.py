"""API shapes of the policy library and matching, one module per feature.

Money is exact: an integer in fen (`*_fen`) beside a yuan string with two decimals (null when
missing), never a float. Portrait values and gaps are strings in human units: yuan with two
decimals for money, US dollars with two decimals for *_usd, decimal fractions for ratios
("0.035" is 3.5 %), plain integers for counts and years.
"""

from highland.policies.schemas.enterprise import (
    CriterionResultOut,
    EnterprisePoliciesOut,
    EnterprisePolicyOut,
    GapOut,
    PackageTotalOut,
)
from highland.policies.schemas.library import (
    CheckOut,
    CriterionOut,
    LoadOut,
    PolicyDetailOut,
    PolicyOut,
    PolicyVersionOut,
    RuleErrorOut,
    RuleErrorsOut,
    VersionOut,
)
from highland.policies.schemas.matches import (
    CountsOut,
    DeltaOut,
    MatchItemOut,
    MatchPage,
    SnapshotOut,
    SummaryOut,
    WhatIfIn,
    WhatIfOut,
)
from highland.policies.schemas.packages import (
    PackageDetailOut,
    PackageOut,
    PackagePolicyOut,
    ReachOut,
)
from highland.policies.schemas.runs import (
    ReplayItemOut,
    ReplayOut,
    RunCountOut,
    RunDetailOut,
    RunIn,
    RunOut,
)
from highland.policies.schemas.values import (
    human,
    shortfall_text,
    split,
    yuan,
)

__all__ = [
    "CheckOut",
    "CountsOut",
    "CriterionOut",
    "CriterionResultOut",
    "DeltaOut",
    "EnterprisePoliciesOut",
    "EnterprisePolicyOut",
    "GapOut",
    "LoadOut",
    "MatchItemOut",
    "MatchPage",
    "PackageDetailOut",
    "PackageOut",
    "PackagePolicyOut",
    "PackageTotalOut",
    "PolicyDetailOut",
    "PolicyOut",
    "PolicyVersionOut",
    "ReachOut",
    "ReplayItemOut",
    "ReplayOut",
    "RuleErrorOut",
    "RuleErrorsOut",
    "RunCountOut",
    "RunDetailOut",
    "RunIn",
    "RunOut",
    "SnapshotOut",
    "SummaryOut",
    "VersionOut",
    "WhatIfIn",
    "WhatIfOut",
    "human",
    "shortfall_text",
    "split",
    "yuan",
]
