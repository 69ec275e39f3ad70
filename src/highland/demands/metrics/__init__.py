"""Metrics of demands per institution: from the projection columns (`institutions`) and,
as their check, from the event log (`log`). This module is the package's public face."""

from highland.demands.metrics.institutions import (
    NOT_OVERDUE,
    RANK_KEYS,
    ChainCount,
    Counts,
    InstitutionMetrics,
    Rate,
    Report,
    chain_counts,
    institution_metrics,
)
from highland.demands.metrics.log import Replay, apply_event, metrics_from_log, replay, replays

__all__ = [
    "NOT_OVERDUE",
    "RANK_KEYS",
    "ChainCount",
    "Counts",
    "InstitutionMetrics",
    "Rate",
    "Replay",
    "Report",
    "apply_event",
    "chain_counts",
    "institution_metrics",
    "metrics_from_log",
    "replay",
    "replays",
]
