"""Uploads are bounded (issue 12, acceptance 2): a small crafted file is refused with a 422 that
names the limit, quickly and with nothing written, wherever a file is read.

The bombs are built here (tests/bombs.py); bench/bench_upload_bombs.py runs the same files
against a real server and measures that /login keeps answering and the memory it takes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from highland.chains.models import ChainVersion
from highland.enterprises.imports import REPORT_MAX_BYTES, ImportResult, report_csv, save_report
from highland.enterprises.models import Enterprise, ImportReport
from highland.platform.calendar import parse_year_file
from highland.platform.errors import InvalidInput
from highland.platform.identity import service as identity
from highland.platform.kit import clock, sheets
from highland.policies.models import PolicyVersion
from tests import bombs
from tests.chains.test_api import XLSX, _post
from tests.chains.test_api import users as users  # noqa: F401 - the fixture
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv

CHAIN = {
    "chain": [["id", "code", "name"], [1, "soft", "软件"]],
    "segments": [["code", "name", "stream"], ["basic", "基础", "upstream"]],
}
ENTS = {"Sheet": [ENT_HEADER, [ent_row(7)[h] for h in ENT_HEADER]]}


def _count(db: Any, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


# --------------------------------------------------------------------------- chains


@pytest.mark.parametrize(
    ("body", "ctype", "limit"),
    [
        (bombs.dimension_bomb(CHAIN), XLSX, "the limit is 500,000 rows"),
        (bombs.rowless_bomb(CHAIN), XLSX, "the limit is 500,000 rows"),
        (bombs.wide_bomb(CHAIN), XLSX, "the limit is 256 columns"),
        (bombs.huge_cell(CHAIN, 40_000), XLSX, "the limit is 32,767 characters"),
        (bombs.alias_bomb().encode(), "application/yaml", "aliases (*name) are not accepted"),
        (("id: 1\nsegments: " + "[" * 1000 + "]" * 1000).encode(), "application/yaml",
         "nested more than 50 levels deep"),
    ],
)  # fmt: skip
def test_chain_bombs_are_refused_with_the_limit(
    client: Any, db: Any, users: Any, body: bytes, ctype: str, limit: str
) -> None:
    before = _count(db, ChainVersion)
    resp = _post(client, users, "admin", body, ctype)
    assert resp.status_code == 422, resp.text[:300]
    assert limit in resp.json()["detail"]
    assert _count(db, ChainVersion) == before  # nothing written


# --------------------------------------------------------------------------- policy rules


@pytest.fixture
def analyst(db: Any) -> dict[str, str]:
    identity.create_user(db, ACTOR, username="u_ana", password="password-123", role="analyst")
    token = identity.create_token(db, ACTOR, "u_ana")
    db.commit()
    return {"authorization": f"Bearer {token}", "content-type": "application/yaml"}


def _policy(criteria: str) -> str:
    return (
        "id: t-deep\ntitle: 深\nlevel: district\nissuer: 区\neffective: 2024-01-01\n"
        f"amount: 1000\ncriteria:\n  - {criteria}\n"
    )


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        (_policy(bombs.deep_not(1000)), "nested more than 50 levels deep"),
        (bombs.alias_bomb(), "aliases (*name) are not accepted"),
        (_policy("&a {field: revenue, op: '>=', value: 1}"), "anchors (&name)"),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/policies", "/api/v1/policies/check"])
def test_policy_bombs_are_refused_with_the_limit(
    client: Any, db: Any, analyst: dict[str, str], text: str, limit: str, url: str
) -> None:
    resp = client.post(url, content=text.encode(), headers=analyst)
    body = resp.json()
    if url.endswith("/check"):
        assert resp.status_code == 200 and not body["ok"]
        assert limit in body["errors"][0]["message"]
    else:
        assert resp.status_code == 422, resp.text[:300]
        assert limit in body["detail"]
    assert _count(db, PolicyVersion) == 0


# --------------------------------------------------------------------------- imports


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("e.xlsx", bombs.dimension_bomb(ENTS), "upload.too_many_rows"),
        ("e.xlsx", bombs.wide_bomb(ENTS), "upload.too_many_columns"),
        ("e.xlsx", bombs.huge_cell(ENTS, 40_000), "upload.cell_too_big"),
        ("e.csv", to_csv([ent_row(7, name="名" * 40_000)], ENT_HEADER), "upload.cell_too_big"),
        ("e.csv", to_csv([ent_row(7, name="名," * 40_000)], ENT_HEADER), "upload.cell_too_big"),
    ],
)
@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_import_bombs_are_refused_with_the_limit(
    client: Any, db: Any, name: str, data: bytes, code: str, dry_run: str
) -> None:
    identity.create_user(db, ACTOR, username="u_adm", password="password-123", role="admin")
    token = identity.create_token(db, ACTOR, "u_adm")
    db.commit()
    resp = client.post(
        "/api/v1/imports/enterprises",
        headers={"authorization": f"Bearer {token}"},
        files={"file": (name, data, "application/octet-stream")},
        data={"dry_run": dry_run},
    )
    assert resp.status_code == 422, resp.text[:300]
    body = resp.json()
    assert body["code"] == code and "the limit" in body["detail"]
    assert _count(db, Enterprise) == 0 and _count(db, ImportReport) == 0


def test_import_page_refuses_a_huge_cell_in_the_readers_language(client: Any, db: Any) -> None:
    user = identity.create_user(db, ACTOR, username="u_p", password="password-123", role="analyst")
    token, csrf = identity.open_session(db, user, 1)
    db.commit()
    client.cookies.set("highland_session", token)
    resp = client.post(
        "/imports",
        data={"kind": "enterprises", "csrf_token": csrf},
        files={"file": ("e.xlsx", bombs.huge_cell(ENTS, 40_000), "application/octet-stream")},
    )
    assert resp.status_code == 422
    assert "文件中有单元格超过 32767 个字符的上限" in resp.text
    assert _count(db, ImportReport) == 0 and _count(db, Enterprise) == 0


def test_a_plain_workbook_still_imports(client: Any, db: Any, sessions: Any) -> None:
    from highland.enterprises.imports import run_import

    result = run_import(sessions, ACTOR, "enterprises", bombs.workbook(ENTS), "e.xlsx")
    assert result.written and result.created == 1


# --------------------------------------------------------------------------- reports


def _result(errors: list[dict[str, Any]]) -> ImportResult:
    return ImportResult("enterprises", "e.csv", "utf-8", len(errors), errors=errors)


def test_a_report_is_capped_in_size() -> None:
    huge = _result([{"row": 2, "column": "name", "value": "x" * 5_000_000, "error": "too long"}])
    text = report_csv(huge)
    assert len(text) < 1_000 and "x" * 200 + "…" in text
    many = _result(
        [{"row": i, "column": "name", "value": "y" * 150, "error": "bad"} for i in range(50_000)]
    )
    text = report_csv(many)
    assert len(text.encode()) < REPORT_MAX_BYTES + 1_000
    assert text.rstrip().endswith("more error(s) not shown (report size limit)")


def test_old_reports_are_pruned(sessions: Any, db: Any) -> None:
    user = identity.create_user(db, ACTOR, username="u_r", password="password-123", role="analyst")
    db.commit()
    who = identity.principal_of(user, "web")
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    one = _result([{"row": 2, "column": "name", "value": "a", "error": "bad"}])
    with clock.use(start):
        old = save_report(sessions, who, one, keep_days=30)
    with clock.use(start + timedelta(days=29)):
        kept = save_report(sessions, who, one, keep_days=30)
    with clock.use(start + timedelta(days=31)):
        new = save_report(sessions, who, one, keep_days=30)
    ids = set(db.scalars(select(ImportReport.id)))
    assert old not in ids and {kept, new} <= ids


# --------------------------------------------------------------------------- calendar, kit


def test_calendar_file_refuses_aliases() -> None:
    text = "year: 2027\nsource: x\nholidays: &h\n  - {date: 2027-01-01, name: 元旦}\nworkdays: *h\n"
    with pytest.raises(InvalidInput) as err:
        parse_year_file(text, "c.yaml")
    assert "aliases" in err.value.message


def test_sheet_rows_ignore_the_declared_dimension() -> None:
    wb = sheets.open_workbook(
        bombs._rewrite(  # noqa: SLF001 - the declared size only, no far row
            bombs.workbook(ENTS), {bombs.DIMENSION: '<dimension ref="A1:XFD1048576"/>'}
        ),
        "the file",
    )
    rows = list(sheets.sheet_rows(wb.worksheets[0], "the file"))
    wb.close()
    assert [len(r) for r in rows] == [len(ENT_HEADER), len(ENT_HEADER)]


def test_a_bomb_is_not_a_zip() -> None:
    with pytest.raises(InvalidInput) as err:
        sheets.open_workbook(io.BytesIO(b"PK\x03\x04junk").getvalue(), "the file")
    assert err.value.code == "upload.not_xlsx"


def test_demand_reference_file_refuses_aliases_and_depth(db: Any) -> None:
    from highland.demands.reference import load_reference

    for text, needle in ((bombs.alias_bomb(), "aliases"), ("a: " + "[" * 60 + "]" * 60, "50")):
        with pytest.raises(InvalidInput) as err:
            load_reference(db, ACTOR, text, "r.yaml")
        assert needle in err.value.message


def test_chain_and_policy_pages_refuse_bombs(client: Any, db: Any, users: Any) -> None:
    client.cookies.set("highland_session", users["admin"]["cookie"])
    csrf = users["admin"]["csrf"]
    before = _count(db, ChainVersion)
    resp = client.post(
        "/chains",
        data={"csrf_token": csrf},
        files={"file": ("bomb.xlsx", bombs.dimension_bomb(CHAIN), XLSX)},
    )
    # The chain page speaks the reader's language (the catalogue's text of the refusal).
    assert resp.status_code == 422 and "文件超过 500000 行的上限" in resp.text
    resp = client.post("/chains", data={"yaml": bombs.alias_bomb(), "csrf_token": csrf})
    assert resp.status_code == 422 and "aliases (*name) are not accepted" in resp.text
    assert _count(db, ChainVersion) == before
    resp = client.post(
        "/policies", data={"yaml": _policy(bombs.deep_not(1000)), "csrf_token": csrf}
    )
    assert resp.status_code == 422 and "YAML 嵌套超过 50 层" in resp.text  # the reader's language
    assert _count(db, PolicyVersion) == 0
