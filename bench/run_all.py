"""Run every benchmark (`make bench`): the import, then search on the registry it leaves.

Usage: python bench/run_all.py [--enterprises N] [--runs R] [--requests Q]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    size = ["--enterprises", str(args.enterprises)]
    run = [sys.executable, str(HERE / "bench_import.py"), *size, "--runs", str(args.runs)]
    subprocess.run(run, check=True)
    search = [sys.executable, str(HERE / "bench_search.py"), *size]
    subprocess.run([*search, "--requests", str(args.requests)], check=True)


if __name__ == "__main__":
    main()
