"""Shared helpers of the benchmarks: data, timing, percentiles, subprocesses, machine info.

Benchmarks are scripts, never timed assertions in tests. Everything they write goes under
bench/data/ (inputs, databases) and bench/out/ (JSON results); both are git-ignored.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"
SEED = 20240601
FIGURES_PER_ENTERPRISE = 5  # 1,000,000 enterprises → 5,000,000 yearly figure rows
SQLITE3 = "/usr/bin/sqlite3"


def highland_bin() -> str:
    """The `highland` console script of the running virtualenv."""
    candidate = Path(sys.executable).with_name("highland")
    return str(candidate) if candidate.exists() else "highland"


# ------------------------------------------------------------------ data ------


@dataclass(frozen=True)
class Dataset:
    """The CSV files of one benchmark size."""

    enterprises: Path
    financials: Path
    n_enterprises: int
    n_financials: int


def dataset(n: int, seed: int = SEED, where: Path = DATA) -> Dataset:
    """Generate (once, cached under bench/data/ or `where`) n enterprises and 5·n yearly figure
    rows.

    `demo.generate` gives about 3.9 figure rows per firm for 2021–2025; the rest come from a
    second generation for 2016–2020 whose rows are re-labelled, by position, with the USCCs of
    the first one. The years of the two parts do not overlap, so (uscc, year) stays unique.
    """
    import polars as pl

    from highland.enterprises import demo

    where.mkdir(parents=True, exist_ok=True)
    ent_path = where / f"enterprises-{n}-{seed}.csv"
    fin_path = where / f"financials-{n}-{seed}.csv"
    meta_path = where / f"dataset-{n}-{seed}.json"
    if ent_path.exists() and fin_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        return Dataset(ent_path, fin_path, meta["enterprises"], meta["financials"])
    target = FIGURES_PER_ENTERPRISE * n
    ents, figs = demo.generate(n, seed)
    if figs.height < target:
        ents_early, figs_early = demo.generate(n, seed + 1, first_year=2016, last_year=2020)
        relabel = ents_early.select(
            pl.col("uscc").alias("early_uscc"), ents.get_column("uscc").alias("uscc_new")
        )
        extra = (
            figs_early.rename({"uscc": "early_uscc"})
            .join(relabel, on="early_uscc", how="left")
            .drop("early_uscc")
            .rename({"uscc_new": "uscc"})
            .select(figs.columns)
            .sample(n=min(target - figs.height, figs_early.height), seed=seed, shuffle=False)
        )
        figs = pl.concat([extra, figs]).sort("uscc", "year", maintain_order=True)
    else:
        figs = figs.head(target)
    ents.write_csv(ent_path)
    figs.write_csv(fin_path)
    meta_path.write_text(json.dumps({"enterprises": ents.height, "financials": figs.height}))
    return Dataset(ent_path, fin_path, ents.height, figs.height)


def file_rows() -> int:
    """The most data rows one import file may hold: Highland refuses a sheet or CSV file of
    more than `MAX_ROWS` rows, header included (the upload limits of issue 12)."""
    from highland.platform.kit.sheets import MAX_ROWS

    return MAX_ROWS - 1


def split_csv(path: Path, rows: int) -> list[Path]:
    """The CSV file as files of at most `rows` data rows, each with the header (cached in a
    folder next to it); the file itself when it fits. The generated files hold no line break
    inside a value, so a line is a row."""
    folder = path.with_name(f"{path.stem}-parts-{rows}")
    done = folder / "done"
    if done.exists():
        return [folder / name for name in done.read_text().split()]
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    with path.open("rb") as src:
        header = src.readline()
        line = src.readline()
        while line:
            part = folder / f"part-{len(parts):03d}.csv"
            with part.open("wb") as out:
                out.write(header)
                for _ in range(rows):
                    if not line:
                        break
                    out.write(line)
                    line = src.readline()
            parts.append(part)
    if len(parts) <= 1:  # it fits: import the file itself
        shutil.rmtree(folder)
        return [path]
    done.write_text("\n".join(p.name for p in parts))
    return parts


# ---------------------------------------------------------------- timing ------


@dataclass
class Proc:
    """A finished subprocess: wall time, peak RSS of the process (MiB) and its output."""

    seconds: float
    peak_rss_mib: float
    returncode: int
    stdout: str
    stderr: str


def run(cmd: Sequence[str], env: dict[str, str] | None = None, stdin: str | None = None) -> Proc:
    """Run a command under GNU time (for its peak RSS), timing it; fail loudly if it fails."""
    wrapped = ["/usr/bin/time", "-v", *cmd] if Path("/usr/bin/time").exists() else list(cmd)
    start = time.perf_counter()
    p = subprocess.run(
        wrapped,
        env={**os.environ, **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    peak = 0.0
    err_lines = []
    for line in p.stderr.splitlines():
        if "Maximum resident set size" in line:
            peak = int(line.rsplit(":", 1)[1]) / 1024
        err_lines.append(line)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return Proc(seconds, peak, p.returncode, p.stdout, "\n".join(err_lines))


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    return statistics.median(values)


# --------------------------------------------------------------- machine ------


def machine() -> dict[str, str | int]:
    """What the numbers were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    import sqlite3

    import polars as pl
    import sqlalchemy

    shell = subprocess.run([SQLITE3, "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "sqlite_python": sqlite3.sqlite_version,
        "sqlite_shell": shell.split()[0] if shell else "?",
        "polars": pl.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "os": platform.platform(),
        # The machine is shared: the 1-, 5- and 15-minute load averages when this was asked.
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def save(name: str, result: dict[str, object]) -> Path:
    """Write a result as JSON under bench/out/ and return its path."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return path


def fresh_dir(name: str, where: Path = DATA) -> Path:
    """An empty directory under bench/data/ or `where` (previous contents removed)."""
    path = where / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# -------------------------------------------------------------- registry ------


def highland_env(db: Path, instance: Path) -> dict[str, str]:
    """Environment of a `highland` subprocess on a given SQLite file."""
    return {
        "HIGHLAND_DATABASE_URL": f"sqlite:///{db}",
        "HIGHLAND_INSTANCE_DIR": str(instance),
        "COLUMNS": "120",
        "HIGHLAND_LANG": "en",  # the benches read the command's English report lines
    }


def registry(n: int, seed: int = SEED, where: Path = DATA) -> Path:
    """The SQLite registry of n enterprises (and 5·n figure rows), built by the CLI if missing
    (under bench/data/ or `where`).

    bench_import.py leaves the database of its last run here too.
    """
    path = where / f"registry-{n}.db"
    if path.exists():
        return path
    data = dataset(n, seed, where)
    work = fresh_dir(f"registry-{n}-build", where)
    db = work / "highland.db"
    env = highland_env(db, work / "var")
    exe = highland_bin()
    print(f"building {path.name} with the CLI (one-off)…", flush=True)
    run([exe, "init"], env)
    for kind, csv in (("enterprises", data.enterprises), ("financials", data.financials)):
        for part in split_csv(csv, file_rows()):  # each file within the upload limit
            run([exe, "import", kind, str(part)], env)
    import sqlite3

    with sqlite3.connect(db) as conn:  # fold the WAL into the file before moving it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db}{suffix}")
        if source.exists():
            shutil.move(source, Path(f"{path}{suffix}"))
    shutil.rmtree(work)
    return path
