"""The interactive budget (issue 18): every page type and API read, with each role that may see
it, and the single-record writes, p50/p95 against 300 ms, on a `highland demo` registry.

    python bench/bench_pages.py --db /path/to/highland.db          # a copy of it is walked
    python bench/bench_pages.py --db ... --requests 10 --only /audit   # some pages
    python bench/bench_pages.py --pg-url postgresql://…/pages_1m    # the same walk on PostgreSQL
    python bench/bench_pages.py --smoke --work /tmp/x [--db demo.db]  # what the test runs

What is walked is the list in `pages_list.py` (READS, WRITES, EXCLUDED). `coverage(app)` fails
the bench when the app serves a route the list does not name, or the list names a route the
app no longer serves.

How: the application runs in this process (Starlette's TestClient: the app's own time,
middleware included, no network; the same as the other page benches), on a copy of the
database (SQLite; `--db` is never written) or on a PostgreSQL database. One signed-in session
per role is made for the bench (the enterprise account owns the firm with the most demands,
the handler belongs to the institution with the most demands, the chain roles to chain 1).
Each (page, role) gets one untimed visit first (it must answer 200 — or the entry's code; the
first visit's time is kept as `first_ms`, the cold load of caches), then `--requests` timed
visits: p50/p95 per page × role. Writes: each is done `--writes` times in a row (a demand is
filed, dispatched, accepted, started and resolved; a zone added, edited, removed; …), p50/p95.
Nothing here asserts a time. JSON to bench/out/pages-*.json and a markdown table beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, OUT, highland_bin, highland_env, machine, percentile, run, save  # noqa: E402
from pages_list import EXCLUDED, READS, WRITES, Read  # noqa: E402

GOAL_MS = 300.0
ROLES = ("admin", "analyst", "leader", "chain_head", "chain_team", "handler", "enterprise")
SMOKE_N = 200
PARAM = re.compile(r"{(\w+)(?::\w+)?}")


# ---------------------------------------------------------------- coverage ----


def app_routes(app: Any) -> dict[tuple[str, str], Any]:
    """Every (method, path) the application serves (HEAD aside) → its route object."""
    from fastapi.routing import APIRoute
    from starlette.routing import Mount, Route

    found: dict[tuple[str, str], Any] = {}

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
            elif isinstance(route, Mount):
                found[("GET", route.path)] = route
            elif isinstance(route, APIRoute | Route):
                for method in route.methods or ():
                    if method != "HEAD":
                        found[(method, route.path)] = route

    walk(app.routes)
    return found


def coverage(app: Any) -> dict[str, list[str]]:
    """Routes with no entry in pages_list.py (`missing`) and entries with no route (`stale`)."""
    served = set(app_routes(app))
    listed = {("GET", r.route) for r in READS.values()} | {(w.method, w.route) for w in WRITES}
    listed |= set(EXCLUDED)
    return {
        "missing": sorted(f"{m} {p}" for m, p in served - listed),
        "stale": sorted(f"{m} {p}" for m, p in listed - served),
    }


def required(route: Any) -> set[str]:
    """The permissions a route's dependencies require (the `require(permission)` closures),
    and "signed-in" when it needs a caller at all."""
    from highland.platform.identity.permissions import Permission

    acc: set[str] = set()

    def walk(dep: Any) -> None:
        for cell in getattr(dep.call, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, Permission):
                acc.add(value.value)
        if getattr(dep.call, "__name__", "") == "current_principal":
            acc.add("signed-in")
        for sub in dep.dependencies:
            walk(sub)

    dependant = getattr(route, "dependant", None)
    if dependant is not None:
        walk(dependant)
    return acc


def roles_for(entry: Read, route: Any) -> tuple[str, ...]:
    """The roles that walk a page: the entry's own, else each role granted what it requires."""
    if entry.roles is not None:
        return entry.roles
    from highland.platform.identity.permissions import ROLE_PERMISSIONS, Role

    need = required(route) - {"signed-in"}
    if not required(route):
        return ("anonymous",)
    return tuple(r for r in ROLES if need <= {p.value for p in ROLE_PERMISSIONS[Role(r)]})


# ------------------------------------------------------------------ picks -----


def picks(engine: Any) -> dict[str, Any]:
    """What fills the paths: real rows of the database (the busiest where it matters)."""
    from sqlalchemy import text

    one: dict[str, str] = {
        "inst": "SELECT institution_code FROM demand WHERE institution_code IS NOT NULL "
        "GROUP BY institution_code ORDER BY count(*) DESC, institution_code LIMIT 1",
        "own_firm": "SELECT enterprise_id FROM demand GROUP BY enterprise_id "
        "ORDER BY count(*) DESC, enterprise_id LIMIT 1",
        "mid_firm": "SELECT max(id) / 2 FROM enterprise",
        "policy_id": "SELECT p.id FROM policy p WHERE p.retired = false ORDER BY p.id LIMIT 1",
        "package_id": "SELECT id FROM policy_package ORDER BY id LIMIT 1",
        "run_id": "SELECT max(id) FROM policy_match_run",
        "chain_id": "SELECT min(id) FROM chain WHERE retired = false",
        "meeting_id": "SELECT max(id) FROM demand_meeting",
        "service_code": "SELECT code FROM demand_category ORDER BY code LIMIT 1",
        "achievement_id": "SELECT min(id) FROM docking_achievement",
        "project_id": "SELECT min(id) FROM innovation_project",
        "token": "SELECT token FROM demand WHERE public = true AND token IS NOT NULL LIMIT 1",
        "public_demand": "SELECT min(id) FROM demand WHERE public = true",
    }
    out: dict[str, Any] = {
        "lang": "en",
        "kind": "projects",
        "ruleset_id": "high-tech",
        "pool": "qualify",
    }
    with engine.connect() as c:
        for key, sql in one.items():
            out[key] = c.execute(text(sql)).scalar()
        firm = out["mid_firm"] or 1
        row = c.execute(
            text(
                "SELECT uscc, name, district_code FROM enterprise WHERE id >= :i "
                "ORDER BY id LIMIT 1"
            ),
            {"i": firm},
        ).one()
        out |= {"uscc": row[0], "name": row[1][:4], "district": row[2]}
        own = c.execute(
            text("SELECT uscc FROM enterprise WHERE id = :i"), {"i": out["own_firm"]}
        ).scalar()
        out["uscc@enterprise"] = own
        chain = out["chain_id"]
        q = {
            "policy_version": (
                "SELECT max(version) FROM policy_version WHERE policy_id = :p",
                {"p": out["policy_id"]},
            ),
            "chain_version": (
                "SELECT max(version) FROM chain_version WHERE chain_id = :c",
                {"c": chain},
            ),
            "month": ("SELECT max(month) FROM chain_meeting WHERE chain_id = :c", {"c": chain}),
            "task_id": ("SELECT min(id) FROM chain_task WHERE chain_id = :c", {"c": chain}),
            "demand_id": ("SELECT id FROM demand ORDER BY event_count DESC, id LIMIT 1", {}),
            "demand_id@handler": (
                "SELECT id FROM demand WHERE institution_code = :i "
                "ORDER BY event_count DESC, id LIMIT 1",
                {"i": out["inst"]},
            ),
            "demand_id@enterprise": (
                "SELECT id FROM demand WHERE enterprise_id = :e "
                "ORDER BY event_count DESC, id LIMIT 1",
                {"e": out["own_firm"]},
            ),
            "need_id": ("SELECT min(id) FROM docking_need", {}),
            "project_id@enterprise": (
                "SELECT min(id) FROM innovation_project WHERE enterprise_id = :e",
                {"e": out["own_firm"]},
            ),
            "need_id@enterprise": (
                "SELECT min(id) FROM docking_need WHERE enterprise_id = :e",
                {"e": out["own_firm"]},
            ),
            "record_id": ("SELECT min(id) FROM docking_record", {}),
            "record_id@enterprise": (
                "SELECT min(id) FROM docking_record WHERE enterprise_id = :e",
                {"e": out["own_firm"]},
            ),
            "service_request_id": ("SELECT min(id) FROM demand WHERE public = true", {}),
        }
        for key, (sql, params) in q.items():
            out[key] = c.execute(text(sql), params).scalar()
        out["segment"] = c.execute(
            text(
                "SELECT s.code FROM chain_segment s JOIN chain c ON "
                "c.version_id = s.version_id WHERE c.id = :c "
                "ORDER BY s.id LIMIT 1"
            ),
            {"c": chain},
        ).scalar()
    return out


def fill(template: str, role: str, got: dict[str, Any], names: dict[str, str]) -> str | None:
    """The template with each {param} filled (None when the data has no such row)."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        key = names.get(m.group(1), m.group(1))
        value = got.get(f"{key}@{role}", got.get(key))
        if value is None:
            missing = True
            return ""
        return str(value)

    path = PARAM.sub(one, template)
    return None if missing else path


# ------------------------------------------------------------------ users -----


def sessions(engine: Any, got: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """One bench user and browser session per role: role → (cookie, CSRF token)."""
    from highland.platform.audit.service import Actor
    from highland.platform.db import transaction
    from highland.platform.identity import service as identity

    scope: dict[str, dict[str, Any]] = {
        "enterprise": {"enterprise_id": got["own_firm"]},
        "handler": {"institution_code": got["inst"]},
        "chain_head": {"chain_id": got["chain_id"]},
        "chain_team": {"chain_id": got["chain_id"]},
    }
    stamp = time.strftime("%H%M%S")
    out: dict[str, tuple[str, str]] = {}
    with transaction(engine) as s:
        for role in ROLES:
            extra = {k: v for k, v in scope.get(role, {}).items() if v is not None}
            user = identity.create_user(
                s,
                Actor("bench", None, "system"),
                username=f"bench_pages_{role}_{stamp}",
                password="bench-password-1",
                role=role,
                **extra,
            )
            out[role] = identity.open_session(s, user, 12)
    return out


# ----------------------------------------------------------------- timing -----


class Client:
    """The TestClient as each role (cookie session, CSRF header on writes)."""

    def __init__(self, client: Any, tokens: dict[str, tuple[str, str]]) -> None:
        self.client, self.tokens = client, tokens

    def call(self, role: str, method: str, path: str, **kw: Any) -> tuple[float, Any]:
        self.client.cookies.clear()
        headers = dict(kw.pop("headers", {}))
        if role != "anonymous":
            cookie, csrf = self.tokens[role]
            self.client.cookies.set("highland_session", cookie)
            if method != "GET":
                headers["x-csrf-token"] = csrf
        t = time.perf_counter()
        resp = self.client.request(method, path, headers=headers, **kw)
        return (time.perf_counter() - t) * 1000, resp


def _stats(ms: list[float]) -> dict[str, Any]:
    p50, p95 = (round(percentile(ms, p), 1) for p in (50, 95))
    return {"n": len(ms), "p50_ms": p50, "p95_ms": p95, "max_ms": round(max(ms), 1)}


def walk_reads(
    cl: Client,
    app: Any,
    got: dict[str, Any],
    n: int,
    only: str | None,
    budget_s: float,
    one_role: bool = False,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each page × role: one untimed visit, then n timed ones (at least 2, fewer than n once
    they took budget_s seconds together)."""
    routes = app_routes(app)
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for label, entry in READS.items():
        if (only and not re.search(only, label)) or ("GET", entry.route) not in routes:
            continue  # a route gone is reported by coverage()
        roles = roles_for(entry, routes[("GET", entry.route)])
        for role in roles[:1] if one_role else roles:
            path = fill(entry.route, role, got, entry.fill)
            query = fill(entry.query, role, got, entry.fill) if entry.query else ""
            if path is None or query is None:
                rows.append({"page": label, "role": role, "skipped": "no such row in the data"})
                continue
            url = path + query
            first, resp = cl.call(role, "GET", url)
            if resp.status_code != entry.ok:
                errors.append(f"GET {url} as {role}: {resp.status_code} {resp.text[:200]}")
                continue
            ms: list[float] = []
            for _ in range(n):
                ms.append(cl.call(role, "GET", url)[0])
                if len(ms) >= 2 and sum(ms) > budget_s * 1000:
                    break  # a slow page: fewer visits (its n says how many)
            row = {
                "page": label,
                "role": role,
                "path": url,
                "first_ms": round(first, 1),
                "bytes": len(resp.content),
                **_stats(ms),
            }
            rows.append(row)
            print(f"{row['p95_ms']:>8.1f} ms p95  {label:<55} {role}", flush=True)
    return rows, errors


# ----------------------------------------------------------------- writes -----


def walk_writes(
    cl: Client, engine: Any, got: dict[str, Any], n: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each write of pages_list.WRITES, n times (pages_writes.py says how each is made)."""
    from pages_writes import make_writes

    times: dict[str, list[float]] = {w.label: [] for w in WRITES}
    errors: list[str] = []
    roles = {w.label: w.role for w in WRITES}
    for i in range(n + 1):  # round 0: untimed (the first write after start-up)
        steps = make_writes(engine, got, i)
        resp = None
        while True:
            try:
                label, method, path, kw, want = steps.send(resp)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001  (a step that needed a failed one's answer)
                errors.append(f"round {i}: {exc!r}")
                break
            ms, resp = cl.call(roles[label], method, path, **kw)
            if resp.status_code != want:
                errors.append(f"{label}: {method} {path}: {resp.status_code} {resp.text[:300]}")
                continue
            if i:
                times[label].append(ms)
    rows = [
        {
            "write": w.label,
            "method": w.method,
            "route": w.route,
            "role": w.role,
            **(_stats(times[w.label]) if times[w.label] else {"n": 0}),
        }
        for w in WRITES
    ]
    return rows, errors


# ------------------------------------------------------------------- main -----


def measure(
    url: str,
    instance: Path,
    n: int,
    writes: int,
    only: str | None,
    with_writes: bool = True,
    budget_s: float = 15.0,
    one_role: bool = False,
) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from highland.main import create_app
    from highland.platform.config import Settings
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, secret_key="bench-secret", instance_dir=instance)
    app = create_app(engine, settings)
    cover = coverage(app)
    got = picks(engine)
    tokens = sessions(engine, got)
    with TestClient(app, follow_redirects=False) as client:
        cl = Client(client, tokens)
        t = time.perf_counter()
        reads, read_errors = walk_reads(cl, app, got, n, only, budget_s, one_role)
        read_s = time.perf_counter() - t
        write_rows, write_errors = (
            ([], []) if not with_writes else walk_writes(cl, engine, got, writes)
        )
    engine.dispose()
    done = [r for r in reads if "p95_ms" in r]
    return {
        "coverage": cover,
        "errors": read_errors + write_errors,
        "reads": reads,
        "writes": write_rows,
        "read_walk_s": round(read_s, 1),
        "over_goal": sorted({r["page"] for r in done if r["p95_ms"] > GOAL_MS}),
        "writes_over_goal": [w["write"] for w in write_rows if w.get("p95_ms", 0) > GOAL_MS],
        "goal_ms": GOAL_MS,
        "picks": {k: v for k, v in got.items() if isinstance(v, int | str)},
    }


def matrix(result: dict[str, Any]) -> str:
    """The p95 (ms) of each page type (rows) with each role (columns), **bold** over the goal,
    the slowest first visit of the page (`first`: caches cold), then the writes."""
    roles = [r for r in (*ROLES, "anonymous") if any(x["role"] == r for x in result["reads"])]
    cells: dict[str, dict[str, str]] = {}
    first: dict[str, float] = {}
    for r in result["reads"]:
        row = cells.setdefault(r["page"], {})
        if "p95_ms" not in r:
            row[r["role"]] = "no row"
            continue
        p95 = r["p95_ms"]
        row[r["role"]] = f"**{p95:.0f}**" if p95 > GOAL_MS else f"{p95:.0f}"
        first[r["page"]] = max(first.get(r["page"], 0.0), r["first_ms"])
    short = {"chain_head": "chain head", "chain_team": "chain team", "anonymous": "anon."}
    head = "| page | " + " | ".join(short.get(r, r) for r in roles) + " | first |"
    lines = [head, "|---|" + "---:|" * (len(roles) + 1)]
    for page, row in cells.items():
        f = first.get(page)
        tail = f" | {f:.0f} |" if f is not None else " | |"
        lines.append(f"| `{page}` | " + " | ".join(row.get(r, "") for r in roles) + tail)
    lines += ["", "| write | role | n | p50 ms | p95 ms |", "|---|---|---:|---:|---:|"]
    for w in result["writes"]:
        lines.append(
            f"| {w['write']} | {w['role']} | {w['n']} | {w.get('p50_ms', '—')} "
            f"| {w.get('p95_ms', '—')} |"
        )
    return "\n".join(lines) + "\n"


def table(result: dict[str, Any]) -> str:
    """The markdown table of a result: page × role p50/p95, then the writes."""
    lines = ["| page | role | p50 ms | p95 ms | first ms |", "|---|---|---:|---:|---:|"]
    for r in result["reads"]:
        if "p95_ms" in r:
            flag = " **over**" if r["p95_ms"] > GOAL_MS else ""
            lines.append(
                f"| `{r['page']}` | {r['role']} | {r['p50_ms']} | {r['p95_ms']}{flag} "
                f"| {r['first_ms']} |"
            )
        else:
            lines.append(f"| `{r['page']}` | {r['role']} | — | — | {r['skipped']} |")
    lines += ["", "| write | role | n | p50 ms | p95 ms |", "|---|---|---:|---:|---:|"]
    for w in result["writes"]:
        lines.append(
            f"| {w['write']} | {w['role']} | {w['n']} | {w.get('p50_ms', '—')} "
            f"| {w.get('p95_ms', '—')} |"
        )
    return "\n".join(lines) + "\n"


def _copy(src: Path, dst: Path) -> Path:
    """The SQLite file (with its -wal/-shm) copied to `dst` (the source is never written)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        target = Path(f"{dst}{suffix}")
        if target.exists():
            target.unlink()
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", target)
    return dst


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--db", type=Path, help="a `highland demo` SQLite file (copied first)")
    parser.add_argument("--pg-url", help="walk this PostgreSQL database instead (written to)")
    parser.add_argument("--requests", type=int, default=10, help="timed visits per page × role")
    parser.add_argument("--writes", type=int, default=10, help="times each write is done")
    parser.add_argument("--only", help="only the pages whose label matches (regex); no writes")
    parser.add_argument(
        "--budget",
        type=float,
        default=15.0,
        help="seconds of timed visits per page × role before it stops (≥ 2)",
    )
    parser.add_argument("--one-role", action="store_true", help="each page with its first role")
    parser.add_argument("--table", type=Path, help="print the matrix of a saved result; no run")
    parser.add_argument("--no-reads", action="store_true", help="only the writes")
    parser.add_argument("--keep", action="store_true", help="walk --db's copy of a previous run")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a {SMOKE_N}-firm demo (or --db), 1 visit each, 1 write each",
    )
    parser.add_argument("--work", type=Path, default=None, help="the working folder")
    args = parser.parse_args(argv)
    if args.table:
        saved = json.loads(args.table.read_text())
        print(matrix(saved))
        return dict(saved)
    n, writes = (1, 1) if args.smoke else (args.requests, args.writes)
    work = args.work or DATA / "pages"
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "machine": machine(),
        "requests": n,
        "writes_each": writes,
        "client": "in-process TestClient",
    }
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        instance = Path(tmp) / "var"
        if args.pg_url:
            url, out["database"] = args.pg_url, "postgresql"
        else:
            db = work / "pages-work.db"
            if not (args.keep and db.exists()):
                if args.db is None:
                    src = Path(tmp) / "demo.db"
                    run(
                        [highland_bin(), "demo", "--enterprises", str(SMOKE_N)],
                        highland_env(src, instance),
                    )
                else:
                    src = args.db
                _copy(src, db)
            url, out["database"] = f"sqlite:///{db}", "sqlite"
        out |= measure(
            url,
            instance,
            n,
            writes,
            "^$" if args.no_reads else args.only,
            with_writes=not args.only,
            budget_s=args.budget,
            one_role=args.one_role,
        )
        out["load_average_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as c:
        out["enterprises"] = c.execute(text("SELECT count(*) FROM enterprise")).scalar()
        out["figures"] = c.execute(text("SELECT count(*) FROM enterprise_financial")).scalar()
    eng.dispose()
    if not args.smoke:
        path = save(f"pages-{out['database']}-{out['enterprises']}", out)
        path.with_suffix(".md").write_text(table(out) + "\n" + matrix(out))
        print(f"saved {path} and {path.with_suffix('.md').name} in {OUT}")
    if out["coverage"]["missing"] or out["coverage"]["stale"]:
        raise SystemExit(f"pages_list.py does not match the app's routes: {out['coverage']}")
    return out


if __name__ == "__main__":
    main()
