"""How long `make run` takes to serve when the data is already there (issue 18: ≤ 3 s).

Each round starts, on the same database, one after the other:
- **make run**: `highland serve --demo-if-empty` (what `make run` runs), timed from the start
  of the process to the first answer of GET /login;
- **before**: what `make run` ran before, `highland demo --if-empty` then `highland serve`;
- **floor**: `python -c "import highland.main; highland.main.create_app()"`, the import and
  build of the web app alone, which any serving process pays.
Wall time and CPU time (user + system of the processes) are both kept: on a shared machine the
CPU time is what a quiet machine's wall time would be close to.

Usage: python bench/bench_startup.py [--enterprises 3000] [--db FILE] [--runs 5]
       python bench/bench_startup.py --smoke --work DIR
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, highland_bin, highland_env, machine, median, save  # noqa: E402

WAYS = {
    "make_run": "make run: highland serve --demo-if-empty",
    "before": "before: highland demo --if-empty, then highland serve",
    "floor": "floor: import and build the web app",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:  # noqa: S310 (a local URL)
            return bool(reply.status == 200)
    except OSError:
        return False


def _serve_until_answered(
    cmds: list[list[str]], env: dict[str, str], port: int
) -> dict[str, float]:
    """Run `cmds` in order (the last one serves on `port`); seconds until /login answers."""
    full = {**os.environ, **env, "PORT": str(port), "HOST": "127.0.0.1"}
    cpu0, start = _children_cpu(), time.perf_counter()
    for cmd in cmds[:-1]:
        subprocess.run(cmd, env=full, check=True, capture_output=True)
    server = subprocess.Popen(cmds[-1], env=full, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/login"
        while not _answers(url):
            if server.poll() is not None:
                raise RuntimeError(f"{' '.join(cmds[-1])} stopped ({server.returncode})")
            time.sleep(0.02)
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"wall_s": wall, "cpu_s": _children_cpu() - cpu0}


def _floor(env: dict[str, str]) -> dict[str, float]:
    code = "import highland.main as m; m.create_app()"
    cpu0, start = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, check=True)
    return {"wall_s": time.perf_counter() - start, "cpu_s": _children_cpu() - cpu0}


def _database(args: argparse.Namespace, work: Path) -> tuple[Path, dict[str, str]]:
    db = work / "highland.db"
    env = highland_env(db, work / "var")
    if args.db:  # a copy: the bench never writes into the database it was given
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{args.db}{suffix}").exists():
                shutil.copyfile(f"{args.db}{suffix}", f"{db}{suffix}")
        instance = Path(args.db).parent / "var"
        if instance.is_dir():
            shutil.copytree(instance, work / "var", dirs_exist_ok=True)
    elif not db.exists():
        subprocess.run([highland_bin(), "demo", "--enterprises", str(args.enterprises)],
                       env={**os.environ, **env}, check=True, capture_output=True)  # fmt: skip
    return db, env


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=3000)
    parser.add_argument("--db", help="an existing database to copy (e.g. a 1,000,000-firm one)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="60 firms, 1 run (the suite's size)")
    parser.add_argument("--work", type=Path, help="folder for the database (default bench/data)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.enterprises, args.runs = 60, 1
    work = args.work or DATA / f"startup-{args.enterprises}"
    work.mkdir(parents=True, exist_ok=True)
    db, env = _database(args, work)
    exe = highland_bin()
    ways = {
        "make_run": [[exe, "serve", "--demo-if-empty"]],
        "before": [[exe, "demo", "--if-empty"], [exe, "serve"]],
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in [*ways, "floor"]}
    for _ in range(args.runs):  # alternating, so that the machine's load touches each alike
        for name, cmds in ways.items():
            runs[name].append(_serve_until_answered(cmds, env, _free_port()))
        runs["floor"].append(_floor(env))
    result: dict[str, object] = {
        "bench": "startup",
        "enterprises": args.enterprises if not args.db else str(args.db),
        "database_mib": round(db.stat().st_size / 2**20, 1),
        "runs": args.runs,
        "machine": machine(),
        "runs_detail": runs,
        "median": {
            name: {k: round(median([r[k] for r in rs]), 3) for k in ("wall_s", "cpu_s")}
            for name, rs in runs.items()
        },
    }
    medians: dict[str, dict[str, float]] = result["median"]  # type: ignore[assignment]
    result["summary"] = [
        {"way": WAYS[name], "wall s (median)": m["wall_s"], "CPU s (median)": m["cpu_s"],
         "goal": "≤ 3 s" if name == "make_run" else "peer"}
        for name, m in medians.items()
    ]  # fmt: skip
    if not args.smoke:  # a smoke run saves nothing
        print(f"written {save('startup', result)}")
    for name, m in medians.items():
        print(f"{name:>9}: wall {m['wall_s']:.2f} s, cpu {m['cpu_s']:.2f} s")
    return result


if __name__ == "__main__":
    main()
