"""Append-only, hash-chained change log."""
