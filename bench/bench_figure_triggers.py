"""What the change triggers cost a bulk import on SQLite: the chain figures' counters and the
enterprises' change log (`enterprise_change`, issue 18).

    python bench/bench_figure_triggers.py    # 200,000 enterprises, 1,000,000 figures, 3 runs
    python bench/bench_figure_triggers.py --smoke --work /tmp/x   # what the tests run

The importer merges a file set-based (staging table, then INSERT … SELECT). This measures
that statement for the enterprises and for the yearly figures on a fresh database built by the
migrations, with the triggers of chains/figures (one counter UPDATE per row on SQLite) and of
the change log (one INSERT per row), and, in the same run, on a copy whose triggers were
dropped. Results go to bench/out/.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, median, save  # noqa: E402


def fresh(folder: Path, name: str, triggers: bool) -> Path:
    from highland.platform.db import make_engine
    from highland.schema import upgrade

    path = folder / name
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO region (code, city_code, name_zh, name_en, kind) "
                "VALUES ('320115', '320100', '江宁区', 'Jiangning', 'district')")  # fmt: skip
    if not triggers:
        for (name_,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'gen_%' OR "
            "name LIKE 'chg_%')"
        ).fetchall():
            con.execute(f"DROP TRIGGER {name_}")
    con.commit()
    con.close()
    return path


def one(path: Path, n: int, years: int) -> dict[str, float]:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TEMP TABLE s_ent (id INTEGER, uscc TEXT, code TEXT)")
    con.executemany(
        "INSERT INTO s_ent VALUES (?, ?, ?)",
        ((i, f"91320115MA{i:08d}", "6513") for i in range(1, n + 1)),
    )
    con.execute("CREATE TEMP TABLE s_fin (enterprise_id INTEGER, year INTEGER, revenue INTEGER)")
    con.executemany(
        "INSERT INTO s_fin VALUES (?, ?, ?)",
        ((i, 2020 + y, i * 1000 + y) for i in range(1, n + 1) for y in range(years)),
    )
    con.commit()
    t = time.perf_counter()
    con.execute(
        "INSERT INTO enterprise (id, uscc, name, district_code, industry_code, industry_section,"
        " industry_division, founded_on, synthetic, created_at, updated_at, version)"
        " SELECT id, uscc, 'E' || id, '320115', code, 'I', '65', '2015-01-01', 1,"
        " '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1 FROM s_ent"
    )
    con.commit()
    ent = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(
        "INSERT INTO enterprise_financial (enterprise_id, year, revenue, source) "
        "SELECT enterprise_id, year, revenue, 'bench' FROM s_fin"
    )
    con.commit()
    fin = time.perf_counter() - t
    counts = {
        f"{what}_rows": con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for what, table in (("enterprise", "enterprise"), ("figure", "enterprise_financial"))
    }
    counts["triggers"] = con.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'gen_%' OR "
        "name LIKE 'chg_%')"
    ).fetchone()[0]
    con.close()
    return {"enterprises_s": ent, "financials_s": fin, **counts}


SMOKE_N = 500


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_N} enterprises, 2 years, 1 run; nothing saved")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None,
                        help="the databases' folder (default: a temporary one)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.smoke:
        args.enterprises, args.years, args.runs = SMOKE_N, 2, 1
    out: dict[str, Any] = {"machine": machine(), "enterprises": args.enterprises,
                           "figures": args.enterprises * args.years, "runs": args.runs}  # fmt: skip
    found: dict[str, list[dict[str, float]]] = {"with_triggers": [], "without_triggers": []}
    with tempfile.TemporaryDirectory(dir=args.work or os.environ.get("TMPDIR")) as tmp:
        for r in range(args.runs):
            for kind in found:  # alternate, so that load drifts hit both alike
                path = fresh(Path(tmp), f"{kind}-{r}.db", kind == "with_triggers")
                found[kind].append(one(path, args.enterprises, args.years))
    for kind, runs in found.items():
        out[kind] = {k: round(median([x[k] for x in runs]), 3) for k in runs[0]}
    w, wo = out["with_triggers"], out["without_triggers"]
    out["overhead"] = {k: f"{(w[k] / wo[k] - 1) * 100:.0f} %" if wo[k] else "-"
                       for k in w if k.endswith("_s")}  # fmt: skip
    print(out, flush=True)
    if not args.smoke:
        print(f"saved {save('figure-triggers', out)}")
    return out


if __name__ == "__main__":
    main()
