"""Upload bombs against a real server: each is refused while /login keeps answering.

Starts `highland serve` (uvicorn, one process) on a fresh SQLite file, then sends each crafted
file of issue 12 (a workbook declaring A1:XFD1048576 with a cell at row 1,048,576, a cell at
column XFD, a 200 MB cell compressed to ~200 KB, YAML alias bombs, `{not: …}` 1,000 deep) to
the route that reads it. While a bomb is in flight, a second client asks for /login every
50 ms and the server's resident memory is sampled from /proc every 20 ms.

Reported per bomb: the answer (status, the limit it names), how long the refusal took, the
slowest /login answer meanwhile, and the peak RSS above the idle server. The figures are in
docs/PERFORMANCE.md. `--smoke` uses small sizes (a 1 MB cell) so the test suite can run it.

    python bench/bench_upload_bombs.py            # full sizes
    python bench/bench_upload_bombs.py --smoke    # what tests/test_uploads_bench.py runs
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import highland_bin, highland_env, machine, run, save  # noqa: E402
from tests import bombs  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
USER, PASSWORD = "bomber", "bomber-password-1"
CHAIN = {
    "chain": [["id", "code", "name"], [1, "soft", "软件"]],
    "segments": [["code", "name", "stream"], ["basic", "基础", "upstream"]],
}
ENTS = {"Sheet": [["uscc", "name", "district_code"], ["91320100MA1X00001X", "甲", "320115"]]}


@dataclass(frozen=True)
class Bomb:
    """One crafted request."""

    name: str
    url: str
    body: bytes
    ctype: str | None = None  # a raw body of this type; None: a multipart import upload
    filename: str = "bomb.xlsx"


def bombs_of(cell_mb: int) -> list[Bomb]:
    """Every bomb of the issue; the huge cell holds `cell_mb` MB."""
    policy = (
        "id: t-deep\ntitle: 深\nlevel: district\nissuer: 区\neffective: 2024-01-01\n"
        f"amount: 1000\ncriteria:\n  - {bombs.deep_not(1000)}\n"
    )
    return [
        Bomb("chain XLSX, declared A1:XFD1048576", "/api/v1/chains",
             bombs.dimension_bomb(CHAIN), XLSX),
        Bomb("chain XLSX, 500,001 rows without refs", "/api/v1/chains",
             bombs.rowless_bomb(CHAIN), XLSX),
        Bomb("chain XLSX, a cell at column XFD", "/api/v1/chains", bombs.wide_bomb(CHAIN), XLSX),
        Bomb("chain YAML, alias bomb (9^9)", "/api/v1/chains",
             bombs.alias_bomb().encode(), "application/yaml"),
        Bomb("policy YAML, alias bomb (9^9)", "/api/v1/policies",
             bombs.alias_bomb().encode(), "application/yaml"),
        Bomb("policy YAML, {not: …} 1,000 deep", "/api/v1/policies",
             policy.encode(), "application/yaml"),
        Bomb("import dry run, declared A1:XFD1048576", "/api/v1/imports/enterprises",
             bombs.dimension_bomb(ENTS)),
        Bomb(f"import dry run, one {cell_mb} MB cell", "/api/v1/imports/enterprises",
             bombs.huge_cell(ENTS, cell_mb * 1024 * 1024)),
    ]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [highland_bin(), "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log.open("wb"),
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


def _send(client: httpx.Client, bomb: Bomb) -> httpx.Response:
    if bomb.ctype is not None:
        return client.post(bomb.url, content=bomb.body, headers={"content-type": bomb.ctype})
    return client.post(
        bomb.url,
        files={"file": (bomb.filename, bomb.body, "application/octet-stream")},
        data={"dry_run": "true"},
    )


def fire(base: str, token: str, pid: int, bomb: Bomb, idle_mb: float) -> dict[str, Any]:
    """Send one bomb; meanwhile time /login and sample the server's memory."""
    done = threading.Event()
    answer: dict[str, Any] = {}
    logins: list[float] = []
    failures = 0
    peak = idle_mb

    def attack() -> None:
        with httpx.Client(base_url=base, headers={"authorization": f"Bearer {token}"},
                          timeout=600) as c:  # fmt: skip
            start = time.perf_counter()
            try:
                resp = _send(c, bomb)
                answer.update(status=resp.status_code, body=resp.text[:400])
            except httpx.HTTPError as exc:
                answer.update(status=None, body=f"{type(exc).__name__}: {exc}")
            answer["seconds"] = time.perf_counter() - start
        done.set()

    thread = threading.Thread(target=attack)
    thread.start()
    next_login = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30) as probe:
        while not done.is_set() or not logins:
            peak = max(peak, _rss_mb(pid))
            if time.perf_counter() >= next_login:
                start = time.perf_counter()
                try:
                    ok = probe.get("/login").status_code == 200
                except httpx.HTTPError:
                    ok = False
                logins.append(time.perf_counter() - start)
                failures += 0 if ok else 1
                next_login = time.perf_counter() + 0.05
            time.sleep(0.02)
    thread.join()
    return {
        "bomb": bomb.name,
        "bytes": len(bomb.body),
        "status": answer.get("status"),
        "answer": answer.get("body", ""),
        "refused_in_s": round(answer.get("seconds", 0.0), 3),
        "login_probes": len(logins),
        "login_failures": failures,
        "login_max_s": round(max(logins), 3),
        "peak_above_idle_mb": round(peak - idle_mb, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every bomb against a fresh server; print a table and save the JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes (a 1 MB cell)")
    parser.add_argument("--work", type=Path, help="directory for the database and the log")
    args = parser.parse_args(argv)
    work = args.work or Path(__file__).resolve().parent / "data" / "upload-bombs"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "highland.db"
    db.unlink(missing_ok=True)
    env = highland_env(db, work / "var")
    exe = highland_bin()
    run([exe, "init"], env)
    run([exe, "users", "create", "--username", USER, "--password", PASSWORD, "--role", "admin"],
        env)  # fmt: skip
    token = run([exe, "tokens", "create", "--user", USER, "--name", "bench"], env).stdout.strip()
    port = _free_port()
    server = _serve(env, port, work / "server.log")
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(3):  # warm the routes once, so that idle includes imported modules
            httpx.get(f"{base}/login", timeout=30)
        time.sleep(0.5)
        idle = _rss_mb(server.pid)
        for bomb in bombs_of(1 if args.smoke else 200):
            row = fire(base, token, server.pid, bomb, idle)
            rows.append(row)
            print(f"{row['bomb']:<42} {row['bytes']:>9,} B  → {row['status']} in "
                  f"{row['refused_in_s']:.2f} s; /login max {row['login_max_s']:.3f} s "
                  f"({row['login_probes']} probes, {row['login_failures']} failed); "
                  f"peak +{row['peak_above_idle_mb']:.0f} MB", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {"machine": machine(), "smoke": args.smoke, "idle_rss_mb": round(idle, 1),
              "bombs": rows}  # fmt: skip
    if not args.smoke:
        print(f"saved {save('upload-bombs', result)}")
    return result


if __name__ == "__main__":
    main()
