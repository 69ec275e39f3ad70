"""How bench_pages.py makes each single-record write of pages_list.WRITES (round i).

`make_writes` is a generator: it yields (label, method, path, request keywords, expected
status) and is sent back the response, so that one step can use what the one before made
(the demand filed is then dispatched, accepted, started and resolved).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Generator
from typing import Any

Step = tuple[str, str, str, dict[str, Any], int]


def _csv(row: dict[str, str]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(row))
    w.writeheader()
    w.writerow(row)
    return buf.getvalue().encode()


def _new_uscc(i: int) -> str:
    """A valid USCC of region 320115 that the demo generator does not make (a high number)."""
    from highland.platform.kit.uscc import make_uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    n = 800_000_000 + int(time.time()) % 10_000_000 * 10 + i
    body = ""
    for _ in range(8):
        body = alphabet[n % 31] + body
        n //= 31
    return make_uscc("320115", body)


def _firm(engine: Any, uscc: str) -> dict[str, str]:
    from sqlalchemy import text

    with engine.connect() as c:
        row = c.execute(
            text(
                "SELECT uscc, name, district_code, industry_code, founded_on, "
                "name_en, ownership FROM enterprise WHERE uscc = :u"
            ),
            {"u": uscc},
        ).one()
    return {
        "uscc": row[0],
        "name": row[1],
        "district_code": row[2],
        "industry_code": row[3],
        "founded_on": str(row[4])[:10],
        "name_en": row[5] or "",
        "ownership": row[6] or "",
    }


def _policy_yaml(engine: Any, policy_id: str) -> str:
    from sqlalchemy import text

    with engine.connect() as c:
        return str(
            c.execute(
                text(
                    "SELECT source FROM policy_version WHERE policy_id = :p "
                    "ORDER BY version DESC LIMIT 1"
                ),
                {"p": policy_id},
            ).scalar()
        )


def make_writes(engine: Any, got: dict[str, Any], i: int) -> Generator[Step, Any, None]:
    """Round i of every write (each a single record, each a real change)."""
    tag = f"{time.strftime('%H%M%S')}-{i}"
    # A demand's life: filed by the enterprise, dispatched by a router to the bench handler's
    # institution, accepted, started and resolved by that handler, then a callback.
    resp = yield (
        "file a demand",
        "POST",
        "/api/v1/demands",
        {
            "json": {
                "enterprise": got["uscc@enterprise"],
                "category": got["service_code"],
                "title": f"Bench demand {tag}",
                "description": "A demand filed by the page bench.",
            }
        },
        201,
    )
    did = resp.json()["id"]
    path = f"/api/v1/demands/{did}/actions/"
    body: dict[str, Any] = {"institution": got["inst"]}
    for label, action in (("dispatch", "dispatch"), ("accept", "accept"), ("start", "start")):
        body["version"] = resp.json()["version"]
        resp = yield (label, "POST", path + action, {"json": body}, 200)
        body = {}
    # Resolved as a person does it: the demand page's form (it answers with a redirect back).
    form = {"version": str(resp.json()["version"]), "resolution": "Resolved by the bench."}
    resp = yield ("mark resolved", "POST", f"/demands/{did}/actions/resolve", {"data": form}, 303)
    resp = yield (
        "record a callback",
        "POST",
        f"/api/v1/demands/{did}/callbacks",
        {"json": {"reached": True, "satisfied": True, "note": "bench"}},
        201,
    )
    # A zone added, renamed and removed.
    code = f"BZ{tag.replace('-', '')}"[:40]
    yield (
        "add a zone",
        "POST",
        "/api/v1/zones",
        {"json": {"code": code, "name_zh": f"测试园区{tag}", "name_en": f"Bench zone {tag}"}},
        201,
    )
    yield (
        "edit a zone",
        "PUT",
        f"/api/v1/zones/{code}",
        {"json": {"name_zh": f"测试园区{tag}乙", "name_en": f"Bench zone {tag} B"}},
        200,
    )
    yield ("remove a zone", "DELETE", f"/api/v1/zones/{code}", {}, 204)
    # A policy edited: its current YAML with a changed English title is a new version.
    source = _policy_yaml(engine, got["policy_id"])
    changed = _retitle(source, tag)
    yield (
        "edit a policy (new version)",
        "POST",
        "/api/v1/policies",
        {"content": changed.encode(), "headers": {"content-type": "application/yaml"}},
        201,
    )
    # An enterprise created, and one edited (its English name), each a one-row import.
    firm = _firm(engine, got["uscc"])
    new = {
        **firm,
        "uscc": _new_uscc(i),
        "name": f"南京测试基准{tag}科技有限公司",
        "name_en": f"Bench Co {tag}",
    }
    yield (
        "create an enterprise",
        "POST",
        "/api/v1/imports/enterprises",
        {"files": {"file": ("one.csv", _csv(new), "text/csv")}},
        200,
    )
    yield (
        "edit an enterprise",
        "POST",
        "/api/v1/imports/enterprises",
        {
            "files": {
                "file": ("one.csv", _csv({**firm, "name_en": f"Bench edit {tag}"}), "text/csv")
            }
        },
        200,
    )
    yield (
        "add a chain member",
        "POST",
        f"/api/v1/chains/{got['chain_id']}/members",
        {"json": {"uscc": new["uscc"], "segment": got["segment"], "note": "bench"}},
        201,
    )
    yield ("mark notices read", "POST", "/api/v1/notices/read", {"json": {"all": True}}, 200)


def _retitle(source: str, tag: str) -> str:
    """The policy YAML with its English title changed (a new version of the same policy)."""
    import yaml

    doc = yaml.safe_load(source)
    doc["title_en"] = f"{str(doc.get('title_en') or doc.get('title'))[:150]} ({tag})"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False) if doc else json.dumps(doc)
