"""The policy rule language: fields, parsing, validation and the two evaluators.

Pure Python and Polars: no web framework and no database, so that rules can be checked,
tested and evaluated anywhere (CLI, API, benchmarks, another engine later).
"""
