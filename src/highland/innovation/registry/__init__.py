"""The innovation registers: platforms, overseas centres, events and cooperation projects —
their checks, imports from CSV/XLSX with a row report, and exports."""
