"""Illustrative (示例) innovation data for `highland demo`."""
