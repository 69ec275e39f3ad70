"""Run every benchmark at its full size (`make bench`), then write docs/PERFORMANCE.md's
generated tables from the newest results in bench/out/ (bench/tables.py).

Every `bench_*.py` in bench/ is run, in the order below (the search bench after the import,
whose registry it uses); a bench missing from ORDER runs after them, so a new bench is never
left out. One that fails is reported and the others still run; the command then exits 1.

Usage: python bench/run_all.py [--only NAME ...] [--skip NAME ...] [--tables-only] [--doc FILE]
       python bench/run_all.py --smoke --work DIR   (every bench at its smoke size: the tables
                                                     are written to DIR/PERFORMANCE.md)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import tables  # noqa: E402

DOC = HERE.parent / "docs" / "PERFORMANCE.md"
OUT = HERE / "out"
# Run order; any other bench_*.py runs after these.
ORDER = (
    "import", "search", "startup", "pages", "cliffs", "policies", "growth", "chains",
    "chain_report", "desk", "demands", "figure_triggers", "innovation", "docking", "backup",
    "load", "upload_bombs",
)  # fmt: skip


def benches() -> list[str]:
    """The benches' names (bench_<name>.py), in run order."""
    present = {p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")}
    return [n for n in ORDER if n in present] + sorted(present - set(ORDER))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="run only these benches")
    parser.add_argument("--skip", nargs="*", default=[], help="do not run these benches")
    parser.add_argument("--tables-only", action="store_true", help="write the tables only")
    parser.add_argument("--doc", type=Path, default=DOC, help="the file the tables go into")
    parser.add_argument("--out", type=Path, default=OUT, help="where the results are read")
    parser.add_argument("--smoke", action="store_true", help="every bench at its smoke size")
    parser.add_argument("--work", type=Path, help="folder for --smoke's files")
    args = parser.parse_args(argv)
    failed: list[str] = []
    if not args.tables_only:
        names = [n for n in benches() if (args.only is None or n in args.only)]
        for name in (n for n in names if n not in args.skip):
            cmd = [sys.executable, str(HERE / f"bench_{name}.py")]
            if args.smoke:
                work = (args.work or HERE / "data" / "smoke") / name
                work.mkdir(parents=True, exist_ok=True)
                cmd += ["--smoke", "--work", str(work)]
            start = time.perf_counter()
            print(f"=== {name}: {' '.join(cmd[1:])}", flush=True)
            code = subprocess.run(cmd).returncode
            print(f"=== {name}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
            if code != 0:
                failed.append(name)
    doc = args.doc
    if args.smoke and args.work and doc == DOC:  # a smoke run never rewrites the real file
        doc = args.work / "PERFORMANCE.md"
        shutil.copyfile(DOC, doc)
    changed = tables.write(doc, args.out)
    print(f"{doc}: tables {'written' if changed else 'unchanged'} from {args.out}")
    if failed:
        print(f"benches that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
