"""`highland backup` and `highland restore` on a registry of N enterprises (SQLite, and
PostgreSQL with --pg-url): wall time of each command as an operator runs it (a subprocess:
Python start-up, the copy, the integrity check or pg_dump, the SHA-256, the audit entry),
database and backup sizes, median of runs. Every restore is checked: the same number of
enterprises and figure rows as the source, and `highland audit verify` passes.

    python bench/bench_backup.py                                  # 100,000 enterprises, 3 runs
    python bench/bench_backup.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/bench_backup.py --smoke --work /tmp/x   # what tests/test_backup_bench.py runs

On PostgreSQL the source and every target are throw-away databases created on the server of
--pg-url and dropped at the end (tests/pg.py); nothing else on that server is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import DATA, highland_bin, machine, median, run, save  # noqa: E402

SEED = 20240601


def _env(url: str, work: Path) -> dict[str, str]:
    return {
        "HIGHLAND_DATABASE_URL": url,
        "HIGHLAND_INSTANCE_DIR": str(work / "var"),
        "HIGHLAND_DEMAND_SWEEP_MINUTES": "0",
        "HIGHLAND_LANG": "en",  # the bench reads the command's English lines ("intact")
    }


def _counts(url: str) -> tuple[int, int, int]:
    """Enterprises, yearly figure rows and audit entries of the database."""
    from sqlalchemy import text

    from highland.platform.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("enterprise", "enterprise_financial", "audit_entry")
            )
    finally:
        engine.dispose()


def _size(url: str) -> int:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from highland.platform.db import make_engine

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return Path(u.database or "").stat().st_size
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    finally:
        engine.dispose()


@contextmanager
def _databases(backend: str, work: Path, runs: int, pg_url: str | None) -> Iterator[list[str]]:
    """The source URL and one empty target URL per run."""
    if backend == "sqlite":
        yield [f"sqlite:///{work / 'source.db'}"] + [
            f"sqlite:///{work / f'target-{i}.db'}" for i in range(runs)
        ]
        return
    os.environ["HIGHLAND_TEST_DATABASE_URL"] = pg_url or ""
    import tests.pg

    tests.pg.PG_URL = pg_url
    with ExitStack() as stack:
        names = ["highland_bench_src"] + [f"highland_bench_tgt{i}" for i in range(runs)]
        yield [stack.enter_context(tests.pg.throwaway_database(n)) for n in names]


def _registry(n: int, work: Path) -> tuple[Path, Path]:
    """CSV files of n enterprises and their yearly figures (generated into `work`)."""
    from highland.enterprises import demo

    ents, figs = demo.generate(n, SEED)
    e, f = work / "enterprises.csv", work / "financials.csv"
    ents.write_csv(e)
    figs.write_csv(f)
    return e, f


def bench(backend: str, n: int, runs: int, work: Path, pg_url: str | None) -> dict[str, Any]:
    """Build the registry, then time `runs` backups and restores; check every restore."""
    hl = highland_bin()
    ents, figs = _registry(n, work)
    with _databases(backend, work, runs, pg_url) as urls:
        source, targets = urls[0], urls[1:]
        env = _env(source, work)
        run([hl, "init"], env)
        run([hl, "import", "enterprises", str(ents)], env)
        run([hl, "import", "financials", str(figs)], env)
        counts = _counts(source)
        backups, restores, files = [], [], []
        for i in range(runs):
            file = work / f"{backend}-{i}.backup"
            backups.append(run([hl, "backup", "--out", str(file)], env).seconds)
            files.append(file)
        for target in targets:
            tenv = _env(target, work)
            restores.append(run([hl, "restore", str(files[0])], tenv).seconds)
            restored = _counts(target)
            # The restore adds its own audit entry; the source has one per backup since.
            assert restored[:2] == counts[:2], (restored, counts)
            assert restored[2] == counts[2] + 1, (restored, counts)
            assert "intact" in run([hl, "audit", "verify"], tenv).stdout
        return {
            "backend": backend,
            "enterprises": counts[0],
            "figure_rows": counts[1],
            "database_bytes": _size(source),
            "backup_bytes": files[0].stat().st_size,
            "backup_seconds": backups,
            "restore_seconds": restores,
            "backup_median_s": round(median(backups), 2),
            "restore_median_s": round(median(restores), 2),
        }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and save the result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg-url", help="a PostgreSQL server to create throw-away databases on")
    ap.add_argument("--smoke", action="store_true", help="300 enterprises, one run")
    ap.add_argument("--work", type=Path, help="working folder (default bench/data/backup)")
    args = ap.parse_args(argv)
    n, runs = (300, 1) if args.smoke else (args.enterprises, args.runs)
    work = args.work or DATA / "backup"
    work.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    result: dict[str, Any] = {"machine": machine(), "runs": runs, "results": []}
    for backend in backends:
        folder = work / backend
        if folder.exists():  # a fresh source and no backup file of a previous run
            shutil.rmtree(folder)
        folder.mkdir()
        row = bench(backend, n, runs, folder, args.pg_url)
        result["results"].append(row)
        print(
            f"{backend}: {row['enterprises']:,} enterprises, {row['figure_rows']:,} figure rows, "
            f"database {row['database_bytes'] / 1e6:.0f} MB, backup {row['backup_bytes'] / 1e6:.1f}"
            f" MB; backup {row['backup_median_s']} s, restore {row['restore_median_s']} s "
            f"(median of {runs})"
        )
    if not args.smoke:
        print(f"saved: {save('backup', result)}")
    return result


if __name__ == "__main__":
    main()
