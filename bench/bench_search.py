"""Latency of name search, USCC prefix search, filtered lists and portraits over HTTP.

    python bench/bench_search.py                      # 1,000,000 enterprises, 200 requests each
    python bench/bench_search.py --enterprises 100000 --requests 200

Starts `highland serve` (uvicorn, one process) on the SQLite registry that bench_import.py
left in bench/data/ (built with the CLI when missing) and sends sequential requests with httpx
after a warm-up. Reports p50/p95/p99 per kind of request against the 100 ms p95 goal. Query
values are drawn (seeded) from the data: substrings of real names, prefixes of real codes.

    python bench/bench_search.py --smoke --work /tmp/x   # what tests/test_search_bench.py runs

The smoke size builds its own registry of 300 enterprises in the --work folder (with the CLI,
as bench_import.py does) and sends 5 requests of each kind after 1 warm-up; nothing is saved.
"""

from __future__ import annotations

import argparse
import random
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from common import (  # noqa: E402
    DATA,
    SEED,
    highland_bin,
    highland_env,
    machine,
    percentile,
    registry,
    run,
    save,
)

GOAL_MS = 100.0
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
USER, PASSWORD = "bench", "bench-password-1"
SIZES = ("large", "medium", "small", "micro")
QUALS = ("high_tech", "tech_sme", "innovative_sme", "srdi", "little_giant")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Samples:
    """Seeded query values taken from the registry itself."""

    def __init__(self, db: Path, rng: random.Random) -> None:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            top = conn.execute("SELECT max(id) FROM enterprise").fetchone()[0]
            ids = [rng.randint(1, top) for _ in range(4000)]
            marks = ",".join("?" for _ in ids)
            rows = conn.execute(
                f"SELECT uscc, name FROM enterprise WHERE id IN ({marks})", ids
            ).fetchall()
            self.districts = [r[0] for r in conn.execute("SELECT code FROM region")]
            self.sections = [
                r[0] for r in conn.execute("SELECT DISTINCT industry_section FROM enterprise")
            ]
        self.usccs = [r[0] for r in rows]
        self.names = [r[1] for r in rows]
        self.rng = rng

    def substring(self, lengths: tuple[int, ...]) -> str:
        """A substring of CJK characters of a real name, of one of the given lengths."""
        while True:
            runs = [r for r in CJK_RUN.findall(self.rng.choice(self.names)) if len(r) >= 2]
            if not runs:
                continue
            text = self.rng.choice(runs)
            length = min(self.rng.choice(lengths), len(text))
            start = self.rng.randint(0, len(text) - length)
            return text[start : start + length]

    def prefix(self) -> str:
        return self.rng.choice(self.usccs)[: self.rng.randint(4, 10)]

    def uscc(self) -> str:
        return self.rng.choice(self.usccs)

    def filters(self) -> tuple[str, dict[str, str]]:
        """A random filter combination, named by its keys."""
        r = self.rng
        choices: list[dict[str, str]] = [
            {"district": r.choice(self.districts)},
            {"section": r.choice(self.sections)},
            {"size_class": r.choice(SIZES)},
            {"qualification": r.choice(QUALS)},
            {"district": r.choice(self.districts), "section": r.choice(self.sections)},
            {"district": r.choice(self.districts), "size_class": r.choice(SIZES)},
            {
                "district": r.choice(self.districts),
                "section": r.choice(self.sections),
                "size_class": r.choice(SIZES),
            },
            {"section": r.choice(self.sections), "qualification": r.choice(QUALS)},
            {"district": r.choice(self.districts), "qualification": r.choice(QUALS)},
            {"size_class": r.choice(SIZES), "qualification": r.choice(QUALS)},
        ]
        flt = r.choice(choices)
        return "+".join(flt), flt


def _credentials(db: Path, env: dict[str, str]) -> str:
    """Make sure the bench user exists; return a fresh API token for it."""
    exe = highland_bin()
    with sqlite3.connect(db) as conn:
        have = conn.execute("SELECT 1 FROM user_account WHERE username = ?", (USER,)).fetchone()
    if not have:
        run(
            [exe, "users", "create", "--username", USER, "--password", PASSWORD, "--role", "admin"],
            env,
        )
    return run([exe, "tokens", "create", "--user", USER, "--name", "bench"], env).stdout.strip()


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    fh = log.open("wb")
    proc = subprocess.Popen(
        [highland_bin(), "serve", "--port", str(port)],
        env={**__import__("os").environ, **env},
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("server did not start")


def _login(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not token:
        raise RuntimeError("no csrf_token on the login page")
    resp = client.post(
        "/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
    )
    if resp.status_code != 303 or "highland_session" not in client.cookies:
        raise RuntimeError(f"login failed: {resp.status_code}")


Request = Callable[[], tuple[str, dict[str, Any]]]


def measure(
    client: httpx.Client, make: Request, n: int, warmup: int
) -> tuple[list[float], dict[str, list[float]], list[int]]:
    """Send warm-up then n measured requests; return ms, ms per label, result counts."""
    times: list[float] = []
    by_label: dict[str, list[float]] = {}
    counts: list[int] = []
    for i in range(warmup + n):
        url, params = make()
        label = params.pop("__label", "")
        start = time.perf_counter()
        resp = client.get(url, params=params)
        ms = (time.perf_counter() - start) * 1000
        if resp.status_code != 200:
            raise RuntimeError(f"{url} {params}: {resp.status_code} {resp.text[:300]}")
        if i < warmup:
            continue
        times.append(ms)
        if label:
            by_label.setdefault(label, []).append(ms)
        if resp.headers.get("content-type", "").startswith("application/json"):
            body = resp.json()
            if "total" in body:
                counts.append(int(body["total"]))
    return times, by_label, counts


def _row(name: str, times: list[float], counts: list[int] | None = None) -> dict[str, Any]:
    p95 = percentile(times, 95)
    return {
        "what": name,
        "requests": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(max(times), 1),
        "median_hits": int(percentile(counts, 50)) if counts else None,
        "goal": "pass" if p95 <= GOAL_MS else "MISS",
    }


SMOKE_N = 300


def main(argv: list[str] | None = None) -> dict[str, Any]:
    # long: one sequence (registry, server, the kinds of request, the summary) read in one place
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--db", type=Path, help="Registry file (default: bench/data/registry-N.db)")
    parser.add_argument(
        "--smoke", action="store_true", help=f"own registry of {SMOKE_N} firms, 5 requests a kind"
    )
    parser.add_argument("--work", type=Path, default=None,
                        help="registry and server log here (default bench/data)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.smoke:
        args.enterprises, args.requests, args.warmup = SMOKE_N, 5, 1

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB", flush=True)
    where = args.work or DATA
    db = args.db or registry(args.enterprises, args.seed, where)
    work = where / "search-run"
    work.mkdir(parents=True, exist_ok=True)
    env = highland_env(db, work / "var")
    token = _credentials(db, env)
    samples = Samples(db, random.Random(args.seed))
    port = _free_port()
    server = _serve(env, port, work / "server.log")
    rng = samples.rng
    rows: list[dict[str, Any]] = []
    try:
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"authorization": f"Bearer {token}"},
            timeout=60,
        )
        ui = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        _login(ui)

        def later_page() -> int:
            return rng.choice((2, 5, 20))

        kinds: list[tuple[str, httpx.Client, Request]] = [
            (
                "name search, 2 characters",
                api,
                lambda: ("/api/v1/enterprises", {"q": samples.substring((2,))}),
            ),
            (
                "name search, 3–4 characters",
                api,
                lambda: ("/api/v1/enterprises", {"q": samples.substring((3, 4))}),
            ),
            (
                "name search, 2–4 characters, later page",
                api,
                lambda: (
                    "/api/v1/enterprises",
                    {"q": samples.substring((2, 3, 4)), "page": later_page()},
                ),
            ),
            ("USCC prefix (4–10)", api, lambda: ("/api/v1/enterprises", {"q": samples.prefix()})),
            ("filtered list, page 1", api, lambda: _filtered(samples, 1)),
            ("filtered list, later page", api, lambda: _filtered(samples, later_page())),
            ("unfiltered list, page 1", api, lambda: ("/api/v1/enterprises", {})),
            (
                "portrait API /api/v1/enterprises/{uscc}",
                api,
                lambda: (f"/api/v1/enterprises/{samples.uscc()}", {}),
            ),
            (
                "portrait page /enterprises/{uscc}",
                ui,
                lambda: (f"/enterprises/{samples.uscc()}", {}),
            ),
        ]
        for name, client, make in kinds:
            times, by_label, counts = measure(client, make, args.requests, args.warmup)
            row = _row(name, times, counts)
            rows.append(row)
            print(
                f"{name:45s} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}  "
                f"p99 {row['p99_ms']:7.1f}  max {row['max_ms']:7.1f} ms  {row['goal']}",
                flush=True,
            )
            for label, ts in sorted(by_label.items()):
                sub = _row(f"  {label}", ts)
                rows.append(sub)
                print(
                    f"    {label:41s} p50 {sub['p50_ms']:7.1f}  p95 {sub['p95_ms']:7.1f}  "
                    f"(n={len(ts)})",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {"machine": info, "database": str(db), "enterprises": args.enterprises,
              "requests": args.requests, "results": rows}  # fmt: skip
    if not args.smoke:
        print(f"written: {save(f'search-{args.enterprises}', result)}")
    return result


def _filtered(samples: Samples, page: int) -> tuple[str, dict[str, Any]]:
    label, flt = samples.filters()
    return "/api/v1/enterprises", {**flt, "page": page, "__label": label}


if __name__ == "__main__":
    main()
