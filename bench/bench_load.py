"""Writers and readers at once against a real multi-worker server, on SQLite and PostgreSQL.

Starts `highland serve --workers N` on a database of its own (a SQLite file, or a throw-away
PostgreSQL database created on the server of `--pg-url` and dropped at the end) seeded with
`highland demo`. Then, for a bounded time, writer clients file demands, withdraw their own
demands and import small enterprise files through the API with bearer tokens (each filed
demand is read back at once, from whichever worker answers), while reader clients GET lists
and details. Every client is an asyncio task with its own httpx connection.

Counted: answers by kind and status, p50/p95 latency per kind (each attempt), throughput,
server errors (5xx answers) and broken connections (both must be 0), and lost writes (every
acknowledged write must be in the database afterwards, and the database must hold exactly as
many as were acknowledged). A 503 with Retry-After ("busy": SQLite's one write lock stayed
taken past HIGHLAND_SQLITE_BUSY_MS) is what the API asks its clients to send again after the
given seconds: the writers do so (MAX_TRIES at most), and such answers are counted apart.
With `--sweep-minutes M` the server's scheduler runs its first round during the run, and the
log shows how many workers ran it (1) and how many skipped it (N-1). The figures are in
docs/PERFORMANCE.md.

    python bench/bench_load.py                   # 20+20 clients, 60 s, 4 workers, both backends
    python bench/bench_load.py --backend sqlite  # one backend
    python bench/bench_load.py --smoke           # what tests/test_load_bench.py runs
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import highland_bin, machine, percentile, run, save  # noqa: E402
from tests.factories import ENT_HEADER, ent_row, to_csv  # noqa: E402

TITLE = "负载测试"  # the title prefix of the demands the writers file
READS = ("enterprises", "enterprise", "demands", "demand")
WRITES = ("file", "withdraw", "import")
ROWS_PER_IMPORT = 2
IMPORT = "/api/v1/imports/enterprises"
MAX_TRIES = 10  # a write answered 503 busy is sent again after Retry-After, this often at most


@dataclass
class Tally:
    """What the clients saw and what the server acknowledged."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    broken: Counter[str] = field(default_factory=Counter)  # kind → transport errors
    busy: Counter[str] = field(default_factory=Counter)  # kind → 503 busy answers (retried)
    gave_up: Counter[str] = field(default_factory=Counter)  # kind → still busy after MAX_TRIES
    readback_missing: int = 0  # filed demands another request did not find at once
    filed: dict[int, str] = field(default_factory=dict)  # demand id → title
    withdrawn: set[int] = field(default_factory=set)
    imported: set[str] = field(default_factory=set)  # USCCs of acknowledged imports

    def note(self, kind: str, status: int, seconds: float) -> None:
        """Count one answer."""
        self.latencies.setdefault(kind, []).append(seconds)
        self.statuses.setdefault(kind, Counter())[status] += 1


# ------------------------------------------------------------------ database ---------------


@contextmanager
def database(backend: str, work: Path, pg_url: str | None) -> Iterator[str]:
    """The URL of an empty database of the run's own (PostgreSQL: created, then dropped)."""
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work / 'load.db'}{suffix}").unlink(missing_ok=True)
        yield f"sqlite:///{work / 'load.db'}"
        return
    if not pg_url:
        raise SystemExit("PostgreSQL needs --pg-url or HIGHLAND_TEST_DATABASE_URL")
    from tests.pg import throwaway_database

    with throwaway_database("highland_load", server=pg_url) as url:
        yield url.replace("postgresql+psycopg://", "postgresql://", 1)


def make_tokens(url: str, writers: int, readers: int) -> tuple[list[str], list[str]]:
    """One API token per client: writers as the demo's admin, readers as its analyst."""
    from highland.platform.audit.service import Actor
    from highland.platform.db import make_engine, session_factory
    from highland.platform.identity import service as identity

    engine = make_engine(url)
    actor = Actor("bench", "admin", "cli")
    try:
        with session_factory(engine)() as s:
            w = [identity.create_token(s, actor, "admin", f"load-w{i}") for i in range(writers)]
            r = [identity.create_token(s, actor, "analyst", f"load-r{i}") for i in range(readers)]
            s.commit()
    finally:
        engine.dispose()
    return w, r


def verify(url: str, tally: Tally) -> dict[str, int]:
    """Lost writes: acknowledged writes missing from the database, and rows the database has
    beyond the acknowledged ones (a write that failed yet stayed)."""
    from sqlalchemy import func, select

    from highland.demands.models import Demand
    from highland.enterprises.models import Enterprise
    from highland.platform.db import make_engine, session_factory

    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            rows = s.execute(
                select(Demand.id, Demand.title, Demand.state).where(Demand.title.like(f"{TITLE}%"))
            ).all()
            wanted = sorted(tally.imported)
            found_ents = 0
            for i in range(0, len(wanted), 500):
                found_ents += (
                    s.scalar(
                        select(func.count())
                        .select_from(Enterprise)
                        .where(Enterprise.uscc.in_(wanted[i : i + 500]))
                    )
                    or 0
                )
            extra_ents = (
                s.scalar(
                    select(func.count())
                    .select_from(Enterprise)
                    .where(Enterprise.name.like("南京测试%"))
                )
                or 0
            )
    finally:
        engine.dispose()
    titles = {r.id: r.title for r in rows}
    states = {r.id: r.state for r in rows}
    return {
        "demands_missing": sum(1 for i, t in tally.filed.items() if titles.get(i) != t),
        "demands_unacknowledged": len(set(titles) - set(tally.filed)),
        "withdrawals_missing": sum(1 for i in tally.withdrawn if states.get(i) != "withdrawn"),
        "withdrawals_unacknowledged": sum(
            1 for i, st in states.items() if st == "withdrawn" and i not in tally.withdrawn
        ),
        "enterprises_missing": len(wanted) - found_ents,
        "enterprises_unacknowledged": extra_ents - found_ents,
    }


# ------------------------------------------------------------------ server -----------------


def free_port(first: int = 8201, last: int = 8219) -> int:
    """A free port of the range the benchmarks may use."""
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def serve(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """Start `highland serve` and wait until every worker has started."""
    proc = subprocess.Popen(
        [highland_bin(), "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        started = log.read_text(errors="replace").count("Application startup complete.")
        if started >= workers:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    stop(proc)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server (and its workers) and wait for it."""
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


# ------------------------------------------------------------------ clients ----------------


async def timed(
    tally: Tally, kind: str, send: Coroutine[Any, Any, httpx.Response]
) -> httpx.Response | None:
    """Send one request (a coroutine not yet started); count its answer, or a broken
    connection."""
    start = time.perf_counter()
    try:
        resp = await send
    except httpx.HTTPError as exc:
        tally.broken[kind] += 1
        tally.note(kind, 0, time.perf_counter() - start)
        print(f"  {kind}: {type(exc).__name__}: {exc}", flush=True)
        return None
    tally.note(kind, resp.status_code, time.perf_counter() - start)
    if resp.status_code >= 500 and resp.status_code != 503:
        print(f"  {kind}: {resp.status_code} {resp.text[:200]}", flush=True)
    return resp


async def write(
    tally: Tally, kind: str, send: Callable[[], Coroutine[Any, Any, httpx.Response]]
) -> httpx.Response | None:
    """One write, sent again after Retry-After while the server answers 503 busy (as the API
    asks of its clients), at most MAX_TRIES times; its last answer."""
    for _ in range(MAX_TRIES):
        r = await timed(tally, kind, send())
        if r is None or r.status_code != 503 or "retry-after" not in r.headers:
            return r
        tally.busy[kind] += 1
        await asyncio.sleep(float(r.headers["retry-after"]))
    tally.gave_up[kind] += 1
    return None


async def writer(
    base: str, token: str, n: int, world: dict[str, Any], tally: Tally, until: float
) -> None:
    """File demands (each read back at once), withdraw own ones, import two enterprises."""
    rng = random.Random(n)
    mine: list[tuple[int, int]] = []  # (id, version) of own submitted demands
    serial = 0
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as c:
        while time.monotonic() < until:
            serial += 1
            roll = rng.random()
            if roll < 0.2 and mine:
                did, version = mine.pop(rng.randrange(len(mine)))
                body = {"version": version, "reason": "负载测试撤回"}
                url = f"/api/v1/demands/{did}/actions/withdraw"
                r = await write(tally, "withdraw", lambda u=url, b=body: c.post(u, json=b))
                if r is not None and r.status_code == 200:
                    tally.withdrawn.add(did)
            elif roll < 0.4:
                base_n = 20_000_000 + n * 1_000_000 + serial * ROWS_PER_IMPORT
                rows = [ent_row(base_n + k) for k in range(ROWS_PER_IMPORT)]
                files = {"file": (f"w{n}-{serial}.csv", to_csv(rows, ENT_HEADER), "text/csv")}
                r = await write(tally, "import", lambda f=files: c.post(IMPORT, files=f))
                if r is not None and r.status_code == 200:
                    tally.imported.update(row["uscc"] for row in rows)
            else:
                title = f"{TITLE} w{n}-{serial}"
                body = {
                    "enterprise": rng.choice(world["usccs"]),
                    "category": rng.choice(world["categories"]),
                    "title": title,
                    "description": "负载测试：并发写入。",
                }
                r = await write(tally, "file", lambda b=body: c.post("/api/v1/demands", json=b))
                if r is not None and r.status_code == 201:
                    out = r.json()
                    tally.filed[out["id"]] = title
                    mine.append((out["id"], out["version"]))
                    world["demand_ids"].append(out["id"])
                    got = await timed(tally, "readback", c.get(f"/api/v1/demands/{out['id']}"))
                    if got is not None and got.status_code != 200:
                        tally.readback_missing += 1


async def reader(
    base: str, token: str, n: int, world: dict[str, Any], tally: Tally, until: float
) -> None:
    """GET lists and details of enterprises and demands."""
    rng = random.Random(1000 + n)
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as c:
        while time.monotonic() < until:
            kind = rng.choice(READS)
            if kind == "enterprises":
                url = f"/api/v1/enterprises?page={rng.randint(1, 4)}&per_page=50"
            elif kind == "enterprise":
                url = f"/api/v1/enterprises/{rng.choice(world['usccs'])}"
            elif kind == "demands":
                url = f"/api/v1/demands?page={rng.randint(1, 3)}&per_page=20"
            else:
                url = f"/api/v1/demands/{rng.choice(world['demand_ids'])}"
            await timed(tally, kind, c.get(url))


async def world_of(base: str, token: str) -> dict[str, Any]:
    """What the clients pick from: enterprises, demand categories, existing demands."""
    async with httpx.AsyncClient(
        base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=60
    ) as c:
        ents = (await c.get("/api/v1/enterprises?per_page=200")).json()["items"]
        cats = (await c.get("/api/v1/demand-categories")).json()
        demands = (await c.get("/api/v1/demands?per_page=100")).json()["items"]
    return {
        "usccs": [e["uscc"] for e in ents],
        "categories": [k["code"] for k in cats],
        "demand_ids": [d["id"] for d in demands],
    }


async def load(
    base: str, wtokens: list[str], rtokens: list[str], seconds: float
) -> tuple[Tally, float]:
    """Run the clients for `seconds`; the tally and the wall time until the last answer."""
    world = await world_of(base, wtokens[0])
    tally = Tally()
    start = time.monotonic()
    until = start + seconds
    await asyncio.gather(
        *(writer(base, t, i, world, tally, until) for i, t in enumerate(wtokens)),
        *(reader(base, t, i, world, tally, until) for i, t in enumerate(rtokens)),
    )
    return tally, time.monotonic() - start


# ------------------------------------------------------------------ one run ----------------


def sweep_rounds(log: str) -> dict[str, int]:
    """How many workers ran the scheduler's round, and how many skipped it."""
    return {
        "ran": len(re.findall(r"demand sweep: warned", log)),
        "skipped": log.count("this round ran in another worker"),
        "failed": log.count("demand sweep failed"),
    }


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Seed, serve, load and verify one backend; the row of the results."""
    with database(backend, work, args.pg_url) as url:
        env = {
            "HIGHLAND_DATABASE_URL": url,
            "HIGHLAND_INSTANCE_DIR": str(work / f"var-{backend}"),
            "HIGHLAND_DEMAND_SWEEP_MINUTES": str(args.sweep_minutes),
            "COLUMNS": "120",
        }
        run([highland_bin(), "demo", "--enterprises", str(args.enterprises)], env)
        wtokens, rtokens = make_tokens(url, args.writers, args.readers)
        log = work / f"server-{backend}.log"
        port = free_port()
        server = serve(env, port, args.workers, log)
        started = time.monotonic()
        try:
            base = f"http://127.0.0.1:{port}"
            tally, wall = asyncio.run(load(base, wtokens, rtokens, args.seconds))
            if args.sweep_minutes:  # let every worker's first round come (bounded)
                deadline = started + args.sweep_minutes * 60 + 60
                while time.monotonic() < deadline:
                    rounds = sweep_rounds(log.read_text(errors="replace"))
                    if sum(rounds.values()) >= args.workers:
                        break
                    time.sleep(1)
        finally:
            stop(server)
        text = log.read_text(errors="replace")
        lost = verify(url, tally)
    kinds = {}
    for kind in (*WRITES, "readback", *READS):
        lat = tally.latencies.get(kind, [])
        kinds[kind] = {
            "n": len(lat),
            "p50_ms": round(percentile(lat, 50) * 1000, 1) if lat else None,
            "p95_ms": round(percentile(lat, 95) * 1000, 1) if lat else None,
            "max_ms": round(max(lat) * 1000, 1) if lat else None,
            "statuses": dict(sorted(tally.statuses.get(kind, Counter()).items())),
        }
    total = sum(len(v) for v in tally.latencies.values())
    answers_5xx = sum(
        n for c in tally.statuses.values() for status, n in c.items() if status >= 500
    )
    busy = sum(tally.busy.values())
    return {
        "backend": backend,
        "workers": args.workers,
        "writers": args.writers,
        "readers": args.readers,
        "seconds": round(wall, 1),
        "requests": total,
        "per_second": round(total / wall, 1) if wall else None,
        # 5xx answers other than "busy, retry after" (503 + Retry-After, sent again)
        "server_errors": answers_5xx - busy,
        "busy_retried": dict(tally.busy),
        "gave_up": sum(tally.gave_up.values()),
        "broken_connections": sum(tally.broken.values()),
        "readback_missing": tally.readback_missing,
        "tracebacks_in_log": text.count("Traceback"),
        "acknowledged": {
            "demands": len(tally.filed),
            "withdrawals": len(tally.withdrawn),
            "enterprises": len(tally.imported),
        },
        "lost_writes": lost,
        "sweep": sweep_rounds(text) if args.sweep_minutes else None,
        "kinds": kinds,
    }


def report(row: dict[str, Any]) -> None:
    """Print one backend's figures."""
    print(f"\n{row['backend']}: {row['workers']} workers, {row['writers']} writers + "
          f"{row['readers']} readers, {row['seconds']} s: {row['requests']:,} requests, "
          f"{row['per_second']}/s; server errors {row['server_errors']}, busy (503, retried) "
          f"{row['busy_retried']}, gave up {row['gave_up']}, broken connections "
          f"{row['broken_connections']}, read-back missing {row['readback_missing']}, "
          f"tracebacks {row['tracebacks_in_log']}; acknowledged "
          f"{row['acknowledged']}; lost {row['lost_writes']}; sweep {row['sweep']}")  # fmt: skip
    for kind, k in row["kinds"].items():
        if k["n"]:
            print(f"  {kind:<12} n={k['n']:>6,}  p50 {k['p50_ms']:>8} ms  p95 {k['p95_ms']:>8} ms"
                  f"  max {k['max_ms']:>8} ms  {k['statuses']}")  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the load on each backend asked for; print and save the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="2 writers + 2 readers, 3 s, 2 workers, a small demo")  # fmt: skip
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("HIGHLAND_TEST_DATABASE_URL"),
                        help="a PostgreSQL server to create a throw-away database on")  # fmt: skip
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--enterprises", type=int, default=300, help="size of the demo")
    parser.add_argument(
        "--sweep-minutes", type=int, default=1, help="the scheduler's interval (0: off)"
    )
    parser.add_argument("--work", type=Path, help="directory for databases and logs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.writers, args.readers, args.seconds, args.workers = 2, 2, 3.0, 2
        args.enterprises, args.sweep_minutes = 60, 0
    args.writers = max(1, min(args.writers, 50))  # bounded: load only ever this big
    args.readers = max(1, min(args.readers, 50))
    args.seconds = max(1.0, min(args.seconds, 300.0))
    work = args.work or Path(__file__).resolve().parent / "data" / "load"
    work.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not args.pg_url:
        backends = ["sqlite"]
    rows = []
    for backend in backends:
        row = run_backend(backend, args, work)
        report(row)
        rows.append(row)
    result = {"machine": machine(), "smoke": args.smoke, "runs": rows}
    if not args.smoke:
        print(f"saved {save('load', result)}")
    return result


if __name__ == "__main__":
    main()
