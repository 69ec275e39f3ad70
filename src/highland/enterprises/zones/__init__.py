"""Functional zones and parks (功能区、园区): the reference list an administrator edits."""
