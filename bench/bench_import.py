"""Import N enterprises and 5·N yearly figure rows; compare with the database's own bulk load.

    python bench/bench_import.py                      # 1,000,000 enterprises, 3 runs, SQLite
    python bench/bench_import.py --enterprises 100000 --runs 3
    python bench/bench_import.py --pg postgresql://postgres@127.0.0.1:5432   # PostgreSQL

Per run, into fresh database files (SQLite) or fresh databases `import_…` (PostgreSQL,
created and dropped by the bench):
  peer      SQLite: the sqlite3 shell, `.mode csv`, `.import` of both CSV files into tables it
            creates itself (all TEXT, no constraints, no indexes, no validation), one
            subprocess. PostgreSQL: one psql process creating two bare TEXT tables named after
            the CSV headers and `\\copy … (FORMAT csv, HEADER)` of both files (COPY).
  highland  `highland init` (not timed), then `highland import enterprises FILE…` and
            `highland import financials FILE…` as users run them (each a subprocess: Python
            start-up, reading, full validation, merge, name index, size classes, audit).
            A file may hold at most 499,999 rows (the upload limit), so each CSV file is
            imported in parts of that many rows, all parts of a kind given to one command
            (each part still its own import: own transaction, audit entry and report);
            `--per-file` runs one command per part instead.
The data are generated once and cached under bench/data/. The SQLite database of the last run
is kept as bench/data/registry-N.db for bench_search.py.

    python bench/bench_import.py --smoke --work /tmp/x   # what tests/test_import_bench.py runs
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DATA,
    SEED,
    SQLITE3,
    dataset,
    file_rows,
    fresh_dir,
    highland_bin,
    highland_env,
    machine,
    median,
    run,
    save,
    split_csv,
)


def _warm(*paths: Path) -> None:
    """Read the inputs once so that every contender finds them in the page cache."""
    for path in paths:
        with path.open("rb") as fh:
            while fh.read(1 << 24):
                pass


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def peer_run(ent: Path, fin: Path, workdir: Path) -> dict[str, float]:
    """sqlite3 shell `.import` of both files, timed as one subprocess."""
    db = workdir / "peer.db"
    script = f".mode csv\n.import '{ent}' enterprises\n.import '{fin}' financials\n"
    proc = run([SQLITE3, str(db)], stdin=script)
    return {
        "seconds": proc.seconds,
        "peak_rss_mib": proc.peak_rss_mib,
        "rows_enterprises": _count(db, "enterprises"),
        "rows_financials": _count(db, "financials"),
        "db_mib": db.stat().st_size / 2**20,
    }


PSQL = "psql"


def _pg(url: str, database: str) -> str:
    """The URL of `database` on the server of `url`."""
    return (
        url.rstrip("/").rsplit("/", 1)[0] + "/" + database
        if url.count("/") > 2
        else (url.rstrip("/") + "/" + database)
    )


def _psql(url: str, sql: str, *, stdin: str | None = None) -> str:
    proc = subprocess.run(
        [PSQL, url, "-v", "ON_ERROR_STOP=1", "-qAt", *(["-c", sql] if sql else [])],
        input=stdin, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        raise RuntimeError(f"psql failed: {proc.stderr[-2000:]}")
    return proc.stdout


def _fresh_database(url: str, name: str) -> str:
    admin = _pg(url, "postgres")
    _psql(admin, f"DROP DATABASE IF EXISTS {name}")
    _psql(admin, f"CREATE DATABASE {name}")
    return _pg(url, name)


def _drop_database(url: str, name: str) -> None:
    _psql(_pg(url, "postgres"), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pg_count(url: str, table: str) -> int:
    return int(_psql(url, f"SELECT count(*) FROM {table}").strip())


def peer_run_pg(ent: Path, fin: Path, url: str) -> dict[str, float]:
    """psql: two bare TEXT tables and `\\copy` (COPY) of both files, timed as one process."""
    name = f"import_peer_{os.getpid()}"
    db = _fresh_database(url, name)
    script = []
    for table, path in (("enterprises", ent), ("financials", fin)):
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().strip().split(",")
        cols = ", ".join(f'"{c}" text' for c in header)
        script.append(f"CREATE TABLE {table} ({cols});")
        script.append(f"\\copy {table} FROM '{path}' WITH (FORMAT csv, HEADER true)")
    try:
        proc = run([PSQL, db, "-v", "ON_ERROR_STOP=1", "-q"], stdin="\n".join(script) + "\n")
        return {
            "seconds": proc.seconds,
            "peak_rss_mib": proc.peak_rss_mib,
            "rows_enterprises": _pg_count(db, "enterprises"),
            "rows_financials": _pg_count(db, "financials"),
            "db_mib": float(_psql(db, "SELECT pg_database_size(current_database())")) / 2**20,
        }
    finally:
        _drop_database(url, name)


def _commands(exe: str, kind: str, parts: list[Path], per_file: bool) -> list[list[str]]:
    if per_file:
        return [[exe, "import", kind, str(part)] for part in parts]
    return [[exe, "import", kind, *map(str, parts)]]


def highland_run(
    ent: list[Path], fin: list[Path], workdir: Path, *, pg: str | None = None,
    per_file: bool = False,
) -> dict[str, float]:  # fmt: skip
    """`highland import enterprises` then `highland import financials` (init not timed)."""
    db = workdir / "highland.db"
    env = highland_env(db, workdir / "var")
    name = f"import_highland_{os.getpid()}"
    url = _fresh_database(pg, name) if pg else None
    if url:
        env["HIGHLAND_DATABASE_URL"] = url
    exe = highland_bin()
    try:
        run([exe, "init"], env)
        e = [run(cmd, env) for cmd in _commands(exe, "enterprises", ent, per_file)]
        f = [run(cmd, env) for cmd in _commands(exe, "financials", fin, per_file)]
        for proc in e + f:
            if "— written" not in proc.stdout:
                raise RuntimeError(f"import did not write:\n{proc.stdout}\n{proc.stderr[-2000:]}")
        e_s, f_s = sum(p.seconds for p in e), sum(p.seconds for p in f)
        e_rss, f_rss = max(p.peak_rss_mib for p in e), max(p.peak_rss_mib for p in f)
        if url:
            counts = {t: _pg_count(url, t) for t in
                      ("enterprise", "enterprise_financial", "enterprise_name_gram")}  # fmt: skip
            size = float(_psql(url, "SELECT pg_database_size(current_database())")) / 2**20
        else:
            counts = {t: _count(db, t) for t in
                      ("enterprise", "enterprise_financial", "enterprise_name_gram")}  # fmt: skip
            size = sum(p.stat().st_size for p in workdir.glob("highland.db*")) / 2**20
    finally:
        if pg:
            _drop_database(pg, name)
    return {
        "enterprises_seconds": e_s,
        "financials_seconds": f_s,
        "seconds": e_s + f_s,
        "command_seconds": [round(p.seconds, 2) for p in e + f],
        "files": len(ent) + len(fin),
        "commands": len(e) + len(f),
        "peak_rss_mib": max(e_rss, f_rss),
        "enterprises_peak_rss_mib": e_rss,
        "financials_peak_rss_mib": f_rss,
        "rows_enterprises": counts["enterprise"],
        "rows_financials": counts["enterprise_financial"],
        "rows_name_grams": counts["enterprise_name_gram"],
        "db_mib": size,
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the benchmark; print and save the result (a smoke run saves nothing)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--skip-peer", action="store_true", help="Time Highland only.")
    parser.add_argument("--file-rows", type=int, default=None,
                        help="rows of one import file (default: the upload limit)")  # fmt: skip
    parser.add_argument("--smoke", action="store_true",
                        help="300 enterprises in files of 500 rows, one run")  # fmt: skip
    parser.add_argument("--work", type=Path, help="data and runs here (default bench/data)")
    parser.add_argument("--pg", metavar="URL",
                        help="PostgreSQL server (postgresql://user@host:port): peer COPY, "
                             "Highland into a fresh database")  # fmt: skip
    parser.add_argument("--per-file", action="store_true",
                        help="one command per file instead of one per kind")  # fmt: skip
    args = parser.parse_args(argv)
    if args.smoke:
        args.enterprises, args.runs, args.file_rows = 300, 1, args.file_rows or 500
    rows = args.file_rows or file_rows()
    where = args.work or DATA

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB", flush=True)
    data = dataset(args.enterprises, args.seed, where)
    ent_parts, fin_parts = split_csv(data.enterprises, rows), split_csv(data.financials, rows)
    print(
        f"data: {data.n_enterprises:,} enterprises ({data.enterprises.stat().st_size / 2**20:.0f}"
        f" MiB), {data.n_financials:,} figure rows "
        f"({data.financials.stat().st_size / 2**20:.0f} MiB); imported in "
        f"{len(ent_parts)} + {len(fin_parts)} file(s) of at most {rows:,} rows",
        flush=True,
    )
    runs: list[dict[str, object]] = []
    for i in range(args.runs):
        workdir = where / "import-run" if args.work else fresh_dir("import-run")
        workdir.mkdir(parents=True, exist_ok=True)
        _warm(data.enterprises, data.financials)
        if args.skip_peer:
            peer = None
        elif args.pg:
            peer = peer_run_pg(data.enterprises, data.financials, args.pg)
        else:
            peer = peer_run(data.enterprises, data.financials, workdir)
        _warm(data.enterprises, data.financials)
        hl = highland_run(ent_parts, fin_parts, workdir, pg=args.pg, per_file=args.per_file)
        for key in ("rows_enterprises", "rows_financials"):
            want = data.n_enterprises if key == "rows_enterprises" else data.n_financials
            if hl[key] != want or (peer and peer[key] != want):
                raise RuntimeError(f"row count mismatch in {key}: {hl[key]}, {peer}")
        ratio = hl["seconds"] / peer["seconds"] if peer else float("nan")
        runs.append({"peer": peer, "highland": hl, "ratio": ratio})
        peer_s = f"{peer['seconds']:.1f}s" if peer else "-"
        print(
            f"run {i + 1}: peer {peer_s}; highland enterprises {hl['enterprises_seconds']:.1f}s"
            f" + financials {hl['financials_seconds']:.1f}s = {hl['seconds']:.1f}s "
            f"(peak RSS {hl['peak_rss_mib']:.0f} MiB); ratio {ratio:.2f}",
            flush=True,
        )
        keep = where / f"registry-{args.enterprises}.db"
        if args.pg:
            shutil.rmtree(workdir)
            continue
        with sqlite3.connect(workdir / "highland.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("", "-wal", "-shm"):
            target = Path(f"{keep}{suffix}")
            target.unlink(missing_ok=True)
            source = workdir / f"highland.db{suffix}"
            if source.exists():
                shutil.move(source, target)
        shutil.rmtree(workdir)

    def med(path: tuple[str, str]) -> float:
        vals = [r[path[0]][path[1]] for r in runs if r[path[0]]]  # type: ignore[index]
        return median(vals) if vals else float("nan")

    summary = {
        "database": "postgresql" if args.pg else "sqlite",
        "commands": "per file" if args.per_file else "per kind",
        "enterprises": data.n_enterprises,
        "financials": data.n_financials,
        "runs": args.runs,
        "median_peer_seconds": med(("peer", "seconds")),
        "median_highland_seconds": med(("highland", "seconds")),
        "median_enterprises_seconds": med(("highland", "enterprises_seconds")),
        "median_financials_seconds": med(("highland", "financials_seconds")),
        "median_ratio": median([r["ratio"] for r in runs]),  # type: ignore[misc]
        "max_peak_rss_mib": max(r["highland"]["peak_rss_mib"] for r in runs),  # type: ignore[index]
    }
    print(
        f"median of {args.runs}: peer {summary['median_peer_seconds']:.1f}s, highland "
        f"{summary['median_highland_seconds']:.1f}s (enterprises "
        f"{summary['median_enterprises_seconds']:.1f}s, financials "
        f"{summary['median_financials_seconds']:.1f}s), ratio {summary['median_ratio']:.2f} "
        f"(goal ≤ 3), peak RSS {summary['max_peak_rss_mib']:.0f} MiB"
    )
    result: dict[str, object] = {"machine": info, "summary": summary, "runs": runs}
    if not args.smoke:
        tag = "-pg" if args.pg else ""
        print(f"written: {save(f'import{tag}-{args.enterprises}', result)}")
    return result


if __name__ == "__main__":
    main()
