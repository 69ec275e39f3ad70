"""Importing what the recognitions test: the six yearly figures, the niche-market start year and
qualification levels, with their checks; the exports give them back."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises import repository as repo
from highland.enterprises import service
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise, Financial, Qualification
from highland.enterprises.row_errors import row_error
from highland.platform.identity.permissions import Principal, Role
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

pytestmark = pytest.mark.clock_at("2026-12-07 10:00")
ADMIN = Principal(0, "tester", Role.admin)
RECOGNITION = {
    "main_revenue": "11000000.00", "hightech_revenue": "9000000.50", "tech_staff": "40",
    "ip_class1": "2", "ip_class2": "7", "equity_raised": "0",
}  # fmt: skip


def _ents(sessions: sessionmaker[Session], rows: list[dict[str, str]], header: list[str]):  # type: ignore[no-untyped-def]
    return run_import(sessions, ACTOR, "enterprises", to_csv(rows, header), "e.csv")


def _fins(sessions: sessionmaker[Session], rows: list[dict[str, str]], header: list[str]):  # type: ignore[no-untyped-def]
    return run_import(sessions, ACTOR, "financials", to_csv(rows, header), "f.csv")


def test_the_recognition_figures_import_exactly_under_chinese_headers(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, [ent_row(1)], ENT_HEADER)
    zh = {"uscc": "统一社会信用代码", "year": "年度", "revenue": "营业收入",
          "employees": "从业人员", "main_revenue": "主营业务收入",
          "hightech_revenue": "高新技术产品（服务）收入", "tech_staff": "科技人员",
          "ip_class1": "Ⅰ类知识产权", "ip_class2": "Ⅱ类知识产权",
          "equity_raised": "新增股权融资"}  # fmt: skip
    row = fin_row(1, 2025) | RECOGNITION
    data = to_csv([{zh[k]: row[k] for k in zh}], list(zh.values()))
    r = run_import(sessions, ACTOR, "financials", data, "f.csv")
    assert r.written and not r.errors, r.errors
    f = db.scalars(select(Financial)).one()
    assert (f.main_revenue, f.hightech_revenue, f.equity_raised) == (1_100_000_000, 900_000_050, 0)
    assert (f.tech_staff, f.ip_class1, f.ip_class2) == (40, 2, 7)


def test_missing_recognition_figures_stay_missing(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, [ent_row(1)], ENT_HEADER)
    r = _fins(sessions, [fin_row(1, 2025)], FIN_HEADER)
    assert r.written, r.errors
    f = db.scalars(select(Financial)).one()
    assert f.main_revenue is None and f.tech_staff is None and f.equity_raised is None


@pytest.mark.parametrize(
    ("override", "column", "code"),
    [
        ({"main_revenue": "-1"}, "main_revenue", "negative"),
        ({"hightech_revenue": "-0.01"}, "hightech_revenue", "negative"),
        ({"equity_raised": "-5"}, "equity_raised", "negative"),
        ({"tech_staff": "-3"}, "tech_staff", "negative"),
        ({"ip_class1": "1.5"}, "ip_class1", "not_count"),
        ({"ip_class2": "-1"}, "ip_class2", "negative"),
        ({"main_revenue": "12000000.01"}, "main_revenue", "main_revenue_above"),
        ({"hightech_revenue": "12000000.01"}, "hightech_revenue", "hightech_revenue_above"),
        ({"tech_staff": "151"}, "tech_staff", "tech_staff"),
    ],
)
def test_recognition_figures_are_checked_row_by_row(sessions, db, override, column, code):  # type: ignore[no-untyped-def]
    _ents(sessions, [ent_row(1)], ENT_HEADER)
    rows = [fin_row(1, 2024) | RECOGNITION, fin_row(1, 2025) | RECOGNITION | override]
    r = _fins(sessions, rows, FIN_HEADER)
    assert not r.written
    assert db.scalars(select(Financial)).first() is None
    hits = [e for e in r.errors if e["column"] == column]
    assert hits and hits[0]["row"] == 3, r.errors
    found = row_error(hits[0]["error"])
    assert found is not None and found[0] == code


def test_a_part_equal_to_its_whole_or_without_it_passes(sessions, db):  # type: ignore[no-untyped-def]
    _ents(sessions, [ent_row(1)], ENT_HEADER)
    equal = fin_row(1, 2024) | RECOGNITION | {"main_revenue": "12000000.00", "tech_staff": "150"}
    alone = fin_row(1, 2025, revenue="", employees="") | RECOGNITION
    r = _fins(sessions, [equal, alone], FIN_HEADER)
    assert r.written and not r.errors, r.errors


def test_niche_year_and_qualification_levels_import_and_round_trip(sessions, db):  # type: ignore[no-untyped-def]
    header = [*ENT_HEADER, "niche_since"]
    quals = "srdi:provincial@2024-01-01/2026-12-31;专精特新小巨人：国家级;high_tech@2023-01-01/"
    r = _ents(sessions, [ent_row(1, qualifications=quals, niche_since="2012")], header)
    assert r.written and not r.errors, r.errors
    ent = db.scalars(select(Enterprise)).one()
    assert ent.niche_since == 2012
    levels = {q.code: q.level for q in db.scalars(select(Qualification))}
    assert levels == {"srdi": "provincial", "little_giant": "national", "high_tech": None}
    # Exported with codes, the file imports back to the same rows: nothing changes.
    text = "".join(service.export_csv(db, ADMIN, repo.EnterpriseFilter(), "codes")).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["niche_since"] == "2012"
    assert "srdi:provincial@2024-01-01/2026-12-31" in rows[0]["qualifications"]
    back = run_import(sessions, ACTOR, "enterprises", text.encode(), "back.csv")
    assert (back.created, back.updated, back.unchanged) == (0, 0, 1), back.errors
    # A level changed is a change of the qualifications.
    again = _ents(sessions, [ent_row(1, qualifications="srdi:national", niche_since="2012")],
                  header)  # fmt: skip
    assert again.updated == 1
    db.expire_all()
    assert [(q.code, q.level) for q in db.scalars(select(Qualification))] == [("srdi", "national")]


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"niche_since": "2027"}, "year_range"),  # after this year by the clock
        ({"niche_since": "1899"}, "year_range"),
        ({"niche_since": "2O18"}, "not_year"),
        ({"niche_since": "2018-05"}, "not_year"),
        ({"qualifications": "srdi:county"}, "qualification_level"),
        ({"qualifications": "专精特新：区级@2024-01-01/2026-12-31"}, "qualification_level"),
    ],
)
def test_niche_year_and_level_are_checked(sessions, db, override, code):  # type: ignore[no-untyped-def]
    header = [*ENT_HEADER, "niche_since"]
    r = _ents(sessions, [ent_row(1), ent_row(2) | override], header)
    assert not r.written and db.scalars(select(Enterprise)).first() is None
    column = "niche_since" if "niche_since" in override else "qualifications"
    hits = [e for e in r.errors if e["column"] == column]
    assert hits and hits[0]["row"] == 3, r.errors
    found = row_error(hits[0]["error"])
    assert found is not None and found[0] == code


def test_this_years_niche_start_is_accepted(sessions, db):  # type: ignore[no-untyped-def]
    r = _ents(sessions, [ent_row(1, niche_since="2026")], [*ENT_HEADER, "niche_since"])
    assert r.written, r.errors


def test_chinese_export_names_the_level_and_the_niche_year(sessions, db):  # type: ignore[no-untyped-def]
    quals = "srdi:provincial"
    _ents(sessions, [ent_row(1, qualifications=quals, niche_since="2012")],
          [*ENT_HEADER, "niche_since"])  # fmt: skip
    text = "".join(service.export_csv(db, ADMIN, repo.EnterpriseFilter())).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["细分市场起始年份"] == "2012"
    assert "省级" in rows[0]["资质名称"]
    assert rows[0]["资质代码"] == "srdi:provincial"
    assert rows[0]["统一社会信用代码"] == uscc(1)


def test_the_api_gives_the_figures_levels_and_derived_fields(client, sessions, db):  # type: ignore[no-untyped-def]
    from highland.platform.identity import service as identity

    _ents(sessions, [ent_row(1, qualifications="srdi:provincial", niche_since="2012")],
          [*ENT_HEADER, "niche_since"])  # fmt: skip
    rows = [fin_row(1, y) | RECOGNITION for y in (2023, 2024, 2025)]
    _fins(sessions, rows, FIN_HEADER)
    identity.create_user(db, ACTOR, username="adm", password="password-1", role="admin")
    token = identity.create_token(db, ACTOR, "adm")
    db.commit()
    r = client.get(f"/api/v1/enterprises/{uscc(1)}", params={"as_of": "2026-06-30"},
                   headers={"authorization": f"Bearer {token}"})  # fmt: skip
    body = r.json()
    assert body["enterprise"]["niche_since"] == 2012
    assert body["enterprise"]["qualifications"][0]["level"] == "provincial"
    year = next(f for f in body["figures"] if f["year"] == 2025)
    assert (year["main_revenue"], year["hightech_revenue"], year["equity_raised"]) == (
        "11000000.00", "9000000.50", "0.00")  # fmt: skip
    assert (year["tech_staff"], year["ip_class1"], year["ip_class2"]) == (40, 2, 7)
    p = body["portrait"]
    assert p["tech_staff_share"]["value"] == "0.266667"  # 40 / 150
    assert p["main_revenue_share"]["value"] == "0.916667"
    assert p["niche_years"]["value"] == 14
    assert p["equity_raised_3y"]["value"] == 0
    # 26.7 % staff 16, 8 % R&D 50, Class I IP 30.
    assert p["tech_sme_score"]["value"] == 96
    assert p["rd_intensity_3y"]["inputs"]["revenue_y2"] == 1_200_000_000


def test_the_portrait_page_shows_the_criteria_with_their_why(client, sessions, db):  # type: ignore[no-untyped-def]
    from highland.platform.identity import service as identity

    _ents(sessions, [ent_row(1, qualifications="srdi:provincial", niche_since="2012")],
          [*ENT_HEADER, "niche_since"])  # fmt: skip
    rows = [fin_row(1, 2024) | RECOGNITION, fin_row(1, 2025) | RECOGNITION | {"ip_class2": ""}]
    _fins(sessions, rows, FIN_HEADER)
    user = identity.create_user(db, ACTOR, username="ana", password="password-1", role="analyst")
    token, _csrf = identity.open_session(db, user, 1)
    db.commit()
    client.cookies.set("highland_session", token)
    page = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2026-06-30"}).text
    card = page.split('id="recognition"')[1].split('id="figures"')[0]
    share = card.split('data-field="tech_staff_share"')[1].split("</details>")[0]
    assert '<div class="value">26.7%</div>' in share
    assert "数据年度的科技人员 ÷ 从业人员" in share and "结果：0.266667" in share
    spend = card.split('data-field="rd_spend_2y"')[1].split("</details>")[0]
    assert "万元" in spend and "结果：1920000.00 元" in spend
    # Ⅱ类知识产权 of 2025 is missing: the score is missing, and says for want of what.
    score = card.split('data-field="tech_sme_score"')[1].split("</details>")[0]
    assert '<div class="value missing">' in score and "缺少Ⅱ类知识产权，结果缺失" in score
    # The three-year window lacks 2023: missing, never 0.
    three = card.split('data-field="rd_intensity_3y"')[1].split("</details>")[0]
    assert '<div class="value missing">' in three and "前两年度研发投入" in three
    assert "14 年" in card.split('data-field="niche_years"')[1].split("</details>")[0]
    assert 'data-level="provincial">省级' in page and 'id="niche-since">2012' in page
    assert "主营业务收入" in page.split('id="figures"')[1]
    client.cookies.set("highland_lang", "en")
    english = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2026-06-30"}).text
    assert "Recognition criteria" in english and "S&amp;T staff ÷ employees" in english
    assert "provincial" in english and "数据年度" not in english


def test_rules_read_the_criteria_from_the_registry_in_both_evaluators(sessions, db):  # type: ignore[no-untyped-def]
    """A recognised high-tech firm whose figures meet 国科发火〔2016〕32号 第十一条 is eligible
    for the 15 % rate, from its imported figures (no longer "missing data")."""
    from datetime import date

    from highland.enterprises import snapshot
    from highland.policies.rules.explain import evaluate
    from highland.policies.rules.loader import load_library
    from highland.policies.rules.model import compile_policy
    from highland.policies.rules.vector import details
    from highland.policies.service import DEMO_LIBRARY

    _ents(sessions, [ent_row(1, qualifications="high_tech:national@2025-01-01/2027-12-31")],
          ENT_HEADER)  # fmt: skip
    _fins(sessions, [fin_row(1, y) | RECOGNITION for y in (2023, 2024, 2025)], FIN_HEADER)
    as_of = date(2026, 6, 30)
    compiled = compile_policy(load_library([DEMO_LIBRARY]).policies["nat-2008-hightech-cit"], as_of)
    values = snapshot.portrait_values(db, uscc(1), as_of)
    assert values is not None and values["rd_intensity_3y"] == 80_000
    plain = evaluate(compiled, values)
    assert plain.status == "eligible", (plain.failed, plain.missing)
    row = details(snapshot.portrait_frame(db, as_of), compiled).row(0, named=True)
    assert row["status"] == "eligible"


def test_the_xlsx_export_holds_the_niche_year_in_both_header_sets(sessions, db):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    _ents(sessions, [ent_row(1, qualifications="little_giant:national", niche_since="2019")],
          [*ENT_HEADER, "niche_since"])  # fmt: skip
    for headers, column, quals in (("zh", "细分市场起始年份", "资质代码"),
                                   ("codes", "niche_since", "qualifications")):  # fmt: skip
        data = service.export_xlsx(db, ADMIN, repo.EnterpriseFilter(), headers)
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        head, row = (list(r) for r in sheet.iter_rows(min_row=1, max_row=2, values_only=True))
        assert row[head.index(column)] == "2019"
        assert row[head.index(quals)] == "little_giant:national"
