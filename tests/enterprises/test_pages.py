"""Server-rendered pages: content, languages and bad input on forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from highland.enterprises.imports import run_import
from highland.platform.identity import service as identity
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc


@pytest.fixture
def analyst(client, sessions, db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    run_import(
        sessions, ACTOR, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER), "e.csv"
    )
    run_import(
        sessions,
        ACTOR,
        "financials",
        to_csv([fin_row(1, 2023), fin_row(1, 2024, rd_spend="")], FIN_HEADER),
        "f.csv",
    )
    user = identity.create_user(db, ACTOR, username="ana", password="password-1", role="analyst")
    token, csrf = identity.open_session(db, user, 1)
    db.commit()
    client.cookies.set("highland_session", token)
    return {"csrf": csrf}


def test_list_and_portrait_render_in_both_languages(client: Any, analyst: dict[str, str]) -> None:
    page = client.get("/enterprises", params={"q": "测试1"})
    assert page.status_code == 200 and "南京测试1号软件科技有限公司" in page.text
    assert "共 1 家企业" in page.text
    portrait = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2025-03-01"})
    assert portrait.status_code == 200
    assert "所用数据年度：2024" in portrait.text and "<svg" in portrait.text
    assert "缺失" in portrait.text  # R&D intensity: R&D spend of 2024 is missing
    # Units on every figure (docs/numbers.md): 成立年限 in 年, money in 万元 with the exact yuan
    # on hover, counts in 人.
    age = portrait.text.split('data-field="age_years"')[1].split("</div>\n      <details>")[0]
    assert re.search(r'<div class="value">\d+ 年', age), age
    figures = portrait.text.split('id="figures"')[1].split("</table>")[0]
    assert re.search(r'<span class="money" title="[\d,]+\.\d\d 元">[\d,.]+ (万元|亿元|元)</span>',
                     figures)  # fmt: skip
    assert re.search(r'<td class="num">[\d,]+ 人</td>', figures)
    client.cookies.set("highland_lang", "en")
    english = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2025-03-01"})
    assert "Figures of 2024" in english.text and "missing" in english.text


def test_portrait_explains_each_figure_in_the_page_language(
    client: Any, analyst: dict[str, str]
) -> None:
    portrait = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2025-03-01"}).text
    assert "自成立日期至截至日期已满的整年数" in portrait
    assert "数据年度的研发投入 ÷ 营业收入，四舍五入保留 6 位小数" in portrait
    assert "按顺序采用第一条符合的规则" in portrait
    assert "依据统计上大中小微型企业划分办法" in portrait
    # R&D spend of 2024 is missing: named by its label, in Chinese.
    assert "缺少数据：研发投入" in portrait and "缺少研发投入，结果缺失" in portrait
    assert "rounded half-up" not in portrait and "needs employees" not in portrait
    client.cookies.set("highland_lang", "en")
    english = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2025-03-01"}).text
    assert "R&amp;D spend ÷ revenue of the figures year, rounded half-up" in english
    assert "Missing: R&amp;D spend" in english and "the first matching rule wins" in english
    assert "统计上大中小微型企业划分办法" not in english and "Employees needs" not in english


def test_import_names_missing_columns_in_the_page_language(
    client: Any, analyst: dict[str, str]
) -> None:
    headless = b"uscc,name\n91320115MA1XXXXX0I,x\n"
    for lang, needle in (("zh-CN", "缺少必填列：行政区划代码、行业代码、成立日期"),
                         ("en", "district_code, industry_code, founded_on")):  # fmt: skip
        client.cookies.set("highland_lang", lang)
        resp = client.post(
            "/imports",
            data={"kind": "enterprises", "csrf_token": analyst["csrf"]},
            files={"file": ("e.csv", headless, "text/csv")},
        )
        assert resp.status_code == 422 and needle in resp.text, resp.text


def test_lang_switch_sets_cookie_and_stays_on_site(client: Any) -> None:
    resp = client.get("/lang/en", params={"next": "//evil.example/x"})
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    assert "highland_lang=en" in resp.headers["set-cookie"]
    assert "set-cookie" not in client.get("/lang/fr").headers


@pytest.mark.parametrize(
    ("url", "status", "needle"),
    [
        ("/enterprises/{u}?as_of=2025-13-01", 422, "as_of"),
        ("/enterprises/91320115MA1XXXXX0X", 404, "找不到"),
        ("/enterprises?size_class=huge", 422, "size_class"),
        ("/enterprises?page=0", 422, "page"),
    ],
)
def test_bad_page_requests(
    client: Any, analyst: dict[str, str], url: str, status: int, needle: str
) -> None:
    resp = client.get(url.replace("{u}", uscc(1)))
    assert resp.status_code == status and needle in resp.text


def test_import_form_rejects_unknown_kind(client: Any, analyst: dict[str, str]) -> None:
    resp = client.post(
        "/imports",
        data={"kind": "payroll", "csrf_token": analyst["csrf"]},
        files={"file": ("e.csv", b"uscc\n", "text/csv")},
    )
    assert resp.status_code == 422 and "导入类型须为以下之一" in resp.text  # in the page language


def test_import_form_rejects_oversized_file(client: Any, app: Any, analyst: dict[str, str]) -> None:
    app.state.settings.max_upload_mb = 1
    big = b"uscc,name\n" + b"x" * (1024 * 1024 + 10)
    resp = client.post(
        "/imports",
        data={"kind": "enterprises", "csrf_token": analyst["csrf"]},
        files={"file": ("big.csv", big, "text/csv")},
    )
    assert resp.status_code == 422 and "文件超过 1 MB 的上限" in resp.text


def test_import_form_shows_rows_as_seen_and_report(client: Any, analyst: dict[str, str]) -> None:
    bad = to_csv([ent_row(5), ent_row(6, founded_on="2021-02-29")], ENT_HEADER)
    resp = client.post(
        "/imports",
        data={"kind": "enterprises", "csrf_token": analyst["csrf"]},
        files={"file": ("bad.csv", bad, "text/csv")},
    )
    assert resp.status_code == 422
    # The row's column by its Chinese header, its problem in Chinese.
    assert "未写入任何数据" in resp.text and "<td>成立日期</td>" in resp.text
    assert "不是日期，请写作 YYYY-MM-DD" in resp.text
    rid = resp.text.split("/imports/reports/")[1].split(".csv")[0]
    report = client.get(f"/imports/reports/{rid}.csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,error" and lines[1].startswith("3,founded_on,2021-02-29")
    assert client.get(f"/enterprises/{uscc(5)}").status_code == 404  # nothing written
