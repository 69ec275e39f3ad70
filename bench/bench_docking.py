"""Tech docking: how good the matches are (a labelled set) and how fast a search is (100,000
achievements).

    python bench/bench_docking.py                    # quality + speed over 100,000
    python bench/bench_docking.py --n 200000
    python bench/bench_docking.py --smoke            # what tests/test_docking_bench.py runs
    python bench/bench_docking.py --write-labels     # rewrite tests/docking/data/labelled_pairs.csv

QUALITY. The labelled set (tests/docking/data/labelled_pairs.csv, 660 pairs of 220 needs) is
generated from the hand-written topic table highland/docking/demo/topics.py: 44 technologies,
each used in five applications of its field. A need is "(application) looks for (the
technology in the enterprise's words)", told with the problem as the enterprise feels it; its
pairs are the three achievements "(the technology as its researchers name it) in
(application)", in three wordings by three owners. The enterprise's words are paraphrases
(分布式数据库 for 分布式数据库事务引擎, 国产RTOS / 实时操作系统 for 嵌入式实时操作系统内核).
Only a need's own pairs count as relevant; the same technology in another application does
not. The pool searched holds the 660 labelled achievements and --distractors more (default
1,000): the same technologies in their field's other applications (right technology, wrong
use). Three rankers in the same run, each giving its top 10 per need: KEYWORDS (plain keyword
overlap: the need's declared keywords equal to the achievement's, ties by id), BM25 (jieba +
bm25s over title, body and keywords, text only) and MATCH (what the pages use: BM25 + field +
chain segment). Reported: recall@10 (the share of a need's achievements in its top 10, averaged
over needs) and MRR (1 / the rank of the first relevant one).

SPEED. --n illustrative achievements (the demo's generator) are indexed once (the build time
is reported); then each labelled need's query (segmentation included, as the pages do it) is
timed --rounds times over the index: p50 and p95 per query. No database: the index is what
a search runs on (fetching the ten rows by id is one primary-key query). Nothing here asserts
a time; --smoke checks the figures exist at a small size.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, percentile, save  # noqa: E402

from highland.docking.demo import generate  # noqa: E402
from highland.docking.index import (  # noqa: E402
    Doc,
    Index,
    Query,
    keyword_overlap,
    recall_at,
    reciprocal_rank,
)
from highland.docking.text import document, split_keywords  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "docking" / "data" / "labelled_pairs.csv"
COLUMNS = ("need", "need_title", "need_description", "need_keywords", "need_field",
           "need_chain", "need_segment", "ach_ref", "ach_title", "ach_abstract", "ach_keywords",
           "ach_field", "ach_chain", "ach_segment")  # fmt: skip
CHAINS = {"software": 1, "nev": 2, "medicine": 3, "ai": 4, "ic": 5, "smart-grid": 6, "rail": 7,
          "smart-equipment": 8}  # fmt: skip


def label_text() -> str:
    """The labelled set as CSV (what --write-labels writes and the test compares)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for i, n, a in generate.labelled():
        w.writerow([i, n["title"], n["description"], "；".join(n["keywords"]), n["field"],
                    n["chain"] or "", n["segment"] or "", a["ach_ref"], a["ach_title"],
                    a["ach_abstract"], a["ach_keywords"], a["ach_field"], a["ach_chain"] or "",
                    a["ach_segment"] or ""])  # fmt: skip
    return buf.getvalue()


def read_labels(path: Path = LABELS) -> list[dict[str, str]]:
    """The labelled pairs as rows."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _doc(i: int, row: dict[str, Any]) -> Doc:
    kw = split_keywords(row["ach_keywords"])
    chain = CHAINS.get(row.get("ach_chain") or "")
    return Doc(i, document(row["ach_title"], row["ach_abstract"], kw), row["ach_field"], chain,
               row.get("ach_segment") or None)  # fmt: skip


def _query(row: dict[str, str], features: bool = True) -> Query:
    kw = split_keywords(row["need_keywords"])
    terms = document(row["need_title"], row["need_description"], kw)
    if not features:
        return Query(terms)
    return Query(terms, row["need_field"], CHAINS.get(row["need_chain"]),
                 row["need_segment"] or None)  # fmt: skip


def quality(labels: list[dict[str, str]], distractors: int) -> dict[str, Any]:
    """recall@10 and MRR of the three rankers over the labelled set (see the module)."""
    pool = [{k: r[k] for k in r if k.startswith("ach_")} for r in labels]
    pool += list(generate.distractors(distractors))
    ids = list(range(1, len(pool) + 1))
    index = Index.build([_doc(i, row) for i, row in zip(ids, pool, strict=True)])
    keywords = [split_keywords(r["ach_keywords"]) for r in pool]
    by_ref = {r["ach_ref"]: i for i, r in zip(ids, pool, strict=True)}
    needs: dict[str, tuple[dict[str, str], set[int]]] = {}
    for r in labels:
        needs.setdefault(r["need"], (r, set()))[1].add(by_ref[r["ach_ref"]])
    scores: dict[str, list[tuple[float, float]]] = {"keywords": [], "bm25": [], "match": []}
    for row, relevant in needs.values():
        ranked = {
            "keywords": keyword_overlap(split_keywords(row["need_keywords"]), keywords, ids),
            "bm25": [m.id for m in index.search(_query(row, features=False), 10)],
            "match": [m.id for m in index.search(_query(row), 10)],
        }
        for name, r in ranked.items():
            scores[name].append((recall_at(r, relevant, 10), reciprocal_rank(r, relevant)))
    return {
        "pairs": len(labels), "needs": len(needs), "pool": len(pool),
        **{name: {"recall_at_10": round(sum(s[0] for s in v) / len(v), 3),
                  "mrr": round(sum(s[1] for s in v) / len(v), 3)} for name, v in scores.items()},
    }  # fmt: skip


def speed(n: int, labels: list[dict[str, str]], rounds: int) -> dict[str, Any]:
    """Index n achievements once; time each labelled need's search (segmentation included)."""
    rows = list(generate.demo_achievements(n))
    t0 = time.perf_counter()
    docs = [_doc(i, r) for i, r in enumerate(rows, start=1)]
    t1 = time.perf_counter()
    index = Index.build(docs)
    t2 = time.perf_counter()
    times: list[float] = []
    for _ in range(rounds):
        for row in labels:
            s = time.perf_counter()
            index.search(_query(row), 10)
            times.append((time.perf_counter() - s) * 1000)
    return {"achievements": n, "segment_s": round(t1 - t0, 2), "index_s": round(t2 - t1, 2),
            "queries": len(times), "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2), "max_ms": round(max(times), 2)}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the bench; the result (also saved under bench/out/)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--distractors", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--write-labels", action="store_true")
    p.add_argument("--work", type=Path, help="write the result here instead of bench/out/")
    args = p.parse_args(argv)
    if args.write_labels:
        LABELS.parent.mkdir(parents=True, exist_ok=True)
        LABELS.write_text(label_text(), encoding="utf-8")
    labels = read_labels()
    if args.smoke:
        args.n, args.distractors, args.rounds = 2000, 200, 1
        labels_for_speed = labels[:60:3]
    else:
        labels_for_speed = labels[::3]  # each need once
    result: dict[str, Any] = {
        "quality": quality(labels, args.distractors),
        "speed": speed(args.n, labels_for_speed, args.rounds),
    }
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        (args.work / "docking.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    elif not args.smoke:
        result["machine"] = machine()
        print(save("docking", result))
    print(result)
    return result


if __name__ == "__main__":
    main()
