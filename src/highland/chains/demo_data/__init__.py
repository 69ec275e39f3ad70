"""The demo's chain data, kept apart from the domain code, all in this package: the eight demo
chains (chain_files/*.yaml, loaded by `chains`), the demo reference figures and prospects
(reference/*.csv) and a year of scheduling history (governance)."""

from __future__ import annotations

from pathlib import Path

CHAIN_FILES = Path(__file__).with_name("chain_files")  # the eight demo chains, ids 1–8
REFERENCE = Path(__file__).with_name("reference")  # reference_figures.csv, prospects.csv
