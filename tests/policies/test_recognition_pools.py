"""Cultivation pools: the pure classification, then a small registry through the pages, the
API, the exports and the command line."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from highland.cli import app as cli_app
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from highland.policies.recognitions import catalogue
from highland.policies.recognitions.pools import classify, horizon, pools
from highland.policies.rules.testcases import frame_of
from tests.cli import Cli, invoke
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

pytestmark = pytest.mark.clock_at("2026-12-07 10:00")
TODAY = date(2026, 12, 7)
PCT = 10_000


def _frame(rows: dict[str, dict[str, Any]]) -> pl.DataFrame:
    return pl.concat([frame_of(v).with_columns(pl.lit(k).alias("uscc")) for k, v in rows.items()])


def test_horizon_is_the_end_of_next_year() -> None:
    assert horizon(date(2026, 12, 7)) == date(2027, 12, 31)
    assert horizon(date(2027, 1, 1)) == date(2028, 12, 31)


def test_classify_puts_each_firm_in_one_pool() -> None:
    ok = {
        "age_years": 3, "ip_class1": 1, "tech_staff_share": 15 * PCT, "revenue": 3 * 10**9,
        "rd_intensity_3y": 6 * PCT, "hightech_revenue_share": 70 * PCT, "qualifications": [],
        "district": "320115", "chains": [],
    }  # fmt: skip
    frame = _frame(
        {
            "A-qualify": ok,
            "B-near": {**ok, "tech_staff_share": 9 * PCT},
            "C-missing": {**ok, "hightech_revenue_share": None},
            "D-out": {**ok, "tech_staff_share": 1 * PCT, "hightech_revenue_share": 1 * PCT},
            "E-renewal": {**ok, "qualifications": ["high_tech"]},
            "F-lasting": {**ok, "qualifications": ["high_tech"]},
        }
    )
    compiled = catalogue.get("high-tech").compiled(TODAY)
    out = classify(frame, compiled, "high_tech", pl.Series(["F-lasting"]))
    got = {r["uscc"]: (r["pool"], r["near"], r["missing"]) for r in out.iter_rows(named=True)}
    assert dict(out.select("uscc", "status").iter_rows())["E-renewal"] == "eligible"
    near = str([c.label for c in compiled.criteria].index("tech_staff_share >= 0.1"))
    assert got == {
        "A-qualify": ("qualify", "", ""),
        "B-near": ("near", near, ""),
        "C-missing": ("missing", "", "hightech_revenue_share"),
        "E-renewal": ("renewal", "", ""),
    }


# --------------------------------------------------------------------------- a small registry

# tech-sme over a registry as of 2026-12-07 (figures of 2025; the score is not in portraits):
# 1 holds high_tech (第七条 route) and fits the size: qualify now.
# 2 holds high_tech but has 501 employees: one criterion away (employees).
# 3 fits the size, no route the portrait sees: lack data (tech_sme_score …).
# 4 holds tech_sme until 2027-12-31 (ends by the end of next year): renewal due.
# 5 holds tech_sme until 2028-01-01 (one day past it): left out.
QUALS = {
    1: "high_tech@2025-01-01/2027-12-31",
    2: "high_tech@2025-01-01/2027-12-31",
    3: "",
    4: "tech_sme@2026-01-01/2027-12-31",
    5: "tech_sme@2026-01-01/2028-01-01",
}
REVENUE = {1: "12345678.91", 2: "12000000.00", 3: "9000000.00", 4: "8000000.00", 5: "1.00"}


def _registry_files() -> tuple[bytes, bytes]:
    ents = [ent_row(n, qualifications=q) for n, q in QUALS.items()]
    figs = [
        fin_row(n, 2025, revenue=REVENUE[n], employees="501" if n == 2 else "150") for n in QUALS
    ]
    return to_csv(ents, ENT_HEADER), to_csv(figs, FIN_HEADER)


@pytest.fixture
def world(client: Any, sessions: Any, db: Any) -> dict[str, Any]:
    ents, figs = _registry_files()
    run_import(sessions, ACTOR, "enterprises", ents, "e.csv")
    run_import(sessions, ACTOR, "financials", figs, "f.csv")
    own = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(1)))
    users = {}
    for role in ("leader", "enterprise"):
        extra = {"enterprise_id": own} if role == "enterprise" else {}
        user = identity.create_user(
            db, ACTOR, username=f"r_{role}", password="password-1", role=role, **extra
        )
        token, _ = identity.open_session(db, user, 1)
        users[role] = token
    db.commit()
    client.cookies.set("highland_session", users["leader"])
    return users


def test_pools_of_a_small_registry(world: dict[str, Any], db: Any) -> None:
    result = pools(db, "tech-sme", TODAY)
    got = {r["uscc"]: r["pool"] for r in result.frame.iter_rows(named=True)}
    assert got == {uscc(1): "qualify", uscc(2): "near", uscc(3): "missing", uscc(4): "renewal"}
    assert result.counts() == {"qualify": 1, "near": 1, "missing": 1, "renewal": 1}
    near = result.rows("near").row(0, named=True)["near"]
    assert result.compiled.criteria[int(near)].label == "employees <= 500"
    assert "tech_sme_score" in result.rows("missing").row(0, named=True)["missing"].split(";")
    assert result.rows("qualify", district="320106").is_empty()
    assert result.rows("qualify", district="320115").height == 1
    assert result.rows("qualify", industry="I").height == 1  # 6513 is in section I
    assert result.rows("qualify", industry="65").height == 1
    assert result.rows("qualify", chain="ic").is_empty()


def test_the_pages_in_both_languages(client: Any, world: dict[str, Any]) -> None:
    page = client.get("/recognitions")
    assert page.status_code == 200
    text = page.text
    assert (
        "认定培育库" in text and "国科发火〔2016〕32号" in text and "工信部企业〔2022〕63号" in text
    )
    assert 'data-ruleset="tech-sme"' in text
    page = client.get("/recognitions/tech-sme?pool=near")
    assert page.status_code == 200
    assert f'href="/enterprises/{uscc(2)}"' in page.text and "从业人员" in page.text
    assert '<option value="320115" >' in page.text  # the districts of the pools' firms
    filtered = client.get("/recognitions/tech-sme?pool=near&district=320106")
    assert uscc(2) not in filtered.text and 'id="pool-empty"' in filtered.text
    assert "国科发政〔2022〕67号" in page.text and "画像无法判断的条件" in page.text
    page = client.get("/recognitions/tech-sme?pool=missing")
    assert uscc(3) in page.text and "科技型中小企业评价得分" in page.text
    client.get("/lang/en")
    page = client.get("/recognitions/tech-sme?pool=renewal")
    assert "Renewal due" in page.text and uscc(4) in page.text and uscc(5) not in page.text
    assert "status-unknown" in page.text  # how the renewal stands: the score is missing
    assert client.get("/recognitions/tech-sme?pool=bogus").status_code == 422
    assert client.get("/recognitions/gazelle").status_code == 404
    library = client.get("/policies")
    assert 'id="recognitions-link"' in library.text


def test_an_enterprise_account_sees_no_pool(client: Any, world: dict[str, Any]) -> None:
    for role in ("enterprise",):
        client.cookies.set("highland_session", world[role])
        assert client.get("/recognitions").status_code == 403
        assert client.get("/recognitions/tech-sme").status_code == 403
        assert client.get("/recognitions/tech-sme/export.csv").status_code == 403
        assert 'id="recognitions-link"' not in client.get("/policies").text


def test_csv_export_chinese_headers_and_exact_yuan(client: Any, world: dict[str, Any]) -> None:
    res = client.get("/recognitions/tech-sme/export.csv?pool=qualify")
    assert res.status_code == 200
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["统一社会信用代码", "企业名称", "培育库代码", "培育库"]
    at = rows[0].index("营业收入（元）")
    assert rows[1][0] == uscc(1) and rows[1][2] == "qualify" and rows[1][3] == "现已符合"
    assert rows[1][at] == "12345678.91"
    res = client.get("/recognitions/tech-sme/export.csv?pool=near&headers=codes")
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "uscc", "name", "pool", "status", "district", "industry", "revenue", "near", "missing",
    ]  # fmt: skip
    assert rows[1][7] == "employees <= 500" and rows[1][6] == "12000000.00"
    assert rows[1][3] == "ineligible"
    assert client.get("/recognitions/tech-sme/export.csv?headers=xx").status_code == 422


def test_xlsx_export_and_the_api(client: Any, world: dict[str, Any]) -> None:
    res = client.get("/recognitions/tech-sme/export.xlsx?pool=qualify")
    ws = load_workbook(io.BytesIO(res.content)).active
    values = list(ws.values)
    at = values[0].index("营业收入（元）")
    assert str(values[1][at]) == "12345678.91"
    listed = client.get("/api/v1/recognitions").json()
    assert [r["id"] for r in listed] == list(catalogue.GRANTS)
    one = client.get("/api/v1/recognitions/tech-sme").json()
    assert one["counts"] == {"qualify": 1, "near": 1, "missing": 1, "renewal": 1}
    assert one["horizon"] == "2027-12-31" and "67号" in one["document"]
    page = client.get("/api/v1/recognitions/tech-sme/pools/near").json()
    assert page["total"] == 1 and page["rows"][0]["near"] == ["employees <= 500"]
    assert page["rows"][0]["revenue_fen"] == 1_200_000_000
    res = client.get("/api/v1/recognitions/tech-sme/pools/near/export?format=xlsx&headers=codes")
    assert res.status_code == 200
    assert client.get("/api/v1/recognitions/tech-sme/pools/x").status_code == 422
    bad = client.get("/api/v1/recognitions/tech-sme/pools/near/export?format=pdf")
    assert bad.status_code == 422
    assert client.get("/api/v1/recognitions/nope").status_code == 404


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def env(tmp_path: Path, cli: Cli) -> Path:
    assert cli("init").code == 0
    ents, figs = _registry_files()
    (tmp_path / "e.csv").write_bytes(ents)
    (tmp_path / "f.csv").write_bytes(figs)
    assert cli("import", "enterprises", str(tmp_path / "e.csv")).code == 0
    assert cli("import", "financials", str(tmp_path / "f.csv")).code == 0
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = invoke("recognitions", "pool", *args, app=cli_app)
    return result.code, result.output


def test_cli_writes_a_pool(env: Path) -> None:
    out = env / "near.csv"
    code, text = _run("--ruleset", "tech-sme", "--pool", "near", "--out", str(out))
    assert code == 0, text
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "统一社会信用代码" and rows[1][0] == uscc(2)
    assert "已将 1 家企业写入" in text
    xlsx = env / "qualify.xlsx"
    code, text = _run("--ruleset", "tech-sme", "--pool", "qualify", "--out", str(xlsx))
    assert code == 0, text
    assert list(load_workbook(xlsx).active.values)[1][0] == uscc(1)


def test_cli_bad_flags_say_what_is_wrong(env: Path) -> None:
    out = env / "x.csv"
    code, text = _run("--ruleset", "gazelle", "--pool", "near", "--out", str(out))
    assert code == 2 and "没有编号为 gazelle 的认定规则集" in text and "high-tech" in text
    code, text = _run("--ruleset", "tech-sme", "--pool", "soon", "--out", str(out))
    assert code == 2 and "培育库 soon 不存在" in text and "qualify" in text
    code, text = _run("--ruleset", "tech-sme", "--pool", "near", "--out", str(env / "x.pdf"))
    assert code == 2 and "须以 .csv 或 .xlsx 结尾" in text
    code, text = _run("--ruleset", "tech-sme", "--pool", "near", "--out", str(env))
    assert code == 2
    assert not out.exists() and not (env / "x.pdf").exists()


def test_a_pool_is_paged(client: Any, world: dict[str, Any], monkeypatch: Any) -> None:
    from highland.policies.recognitions import pages

    monkeypatch.setattr(pages, "PER_PAGE", 1)
    # innovative-sme: 1 and 2 hold a valid 高新技术企业 qualification and are SMEs.
    first = client.get("/recognitions/innovative-sme?pool=qualify")
    assert uscc(1) in first.text and uscc(2) not in first.text and 'id="next-page"' in first.text
    second = client.get("/recognitions/innovative-sme?pool=qualify&page=2")
    assert uscc(2) in second.text and uscc(1) not in second.text
    assert 'id="prev-page"' in second.text
