"""Pure-logic helpers (codes, regions, industries) with no web or database imports."""
