"""Enterprise demands (企业诉求): intake, routing to a responsible institution, working-day
clocks, a declared workflow with an append-only event log, closure by the enterprise,
overdue sweeps, metrics and Open311 GeoReport v2."""
