"""The 2017 size standard's scope (国统字〔2017〕213号): which industries it sizes, under which row,
and which it does not size at all ("not applicable", with the reason), on every path: the
Python classifier, the portrait, the SQL CASE used set-based, the list filter and the export."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from highland.enterprises import repository as repo
from highland.enterprises import service, snapshot
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.enterprises.portrait import (
    NOT_APPLICABLE_REASONS,
    SIZE_CLASSES,
    EnterpriseFacts,
    YearFigures,
    classify_size,
    compute_portrait,
    load_lifecycle_rules,
    not_applicable_reason,
    size_row_for,
)
from highland.enterprises.portrait.size_sql import size_class_case, size_not_applicable
from highland.platform.identity import service as identity
from highland.platform.identity.permissions import Principal, Role
from highland.platform.web.i18n import translate as t
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv, uscc

WAN = 1_000_000  # fen per 万元

# (section, division, code) -> the reason the standard gives it no size.
NOT_APPLICABLE = [
    (("G", "53", "5311"), "railway"),
    (("G", "53", "5320"), "railway"),
    (("G", "53", "53"), "railway"),
    (("J", "66", "6621"), "financial"),
    (("J", "67", "6711"), "financial"),
    (("J", "68", "6810"), "financial"),
    (("J", "69", "6991"), "financial"),
    (("K", "70", "7040"), "own_real_estate"),
    (("K", "70", "704"), "own_real_estate"),
    (("P", "83", "8321"), "education"),
    (("Q", "84", "8411"), "health"),
    (("Q", "84", "8491"), "health"),
    (("S", "91", "9110"), "public_admin"),
    (("S", "95", "9521"), "public_admin"),
    (("T", "97", "9700"), "international"),
]
# (section, division, code) -> the row of the table that sizes it.
IN_SCOPE = [
    (("G", "54", "5411"), "transport"),
    (("G", "55", "5511"), "transport"),
    (("G", "56", "5611"), "transport"),
    (("G", "57", "5710"), "transport"),
    (("G", "58", "5810"), "transport"),
    (("G", "59", "5910"), "transport"),  # 装卸搬运
    (("G", "59", "591"), "transport"),
    (("G", "59", "5920"), "warehousing"),  # 通用仓储
    (("G", "59", "5930"), "warehousing"),  # 低温仓储
    (("G", "59", "5941"), "warehousing"),
    (("G", "59", "5951"), "warehousing"),
    (("G", "59", "5960"), "warehousing"),
    (("G", "59", "5990"), "warehousing"),
    (("G", "60", "6010"), "postal"),
    (("K", "70", "7030"), "other"),  # 房地产中介服务
    (("K", "70", "7090"), "other"),  # 其他房地产业
    (("Q", "85", "8510"), "other"),  # 社会工作
    (("M", "73", "7310"), "other"),
    (("N", "77", "7711"), "other"),
    (("O", "80", "8010"), "other"),
    (("R", "88", "8810"), "other"),
]
# 交通运输业 and 仓储业 of the standard: (X employees, Y revenue 万元) lower bounds per tier.
TRANSPORT = ((1000, 30000), (300, 3000), (20, 200))
WAREHOUSING = ((200, 30000), (100, 1000), (20, 100))


@pytest.mark.parametrize(("industry", "reason"), NOT_APPLICABLE)
def test_industries_the_standard_does_not_cover_have_no_size(
    industry: tuple[str, str, str], reason: str
) -> None:
    assert not_applicable_reason(*industry) == reason
    # Not for want of figures: even large figures give no size.
    assert classify_size(*industry, 100_000, 10**15, 10**15) is None
    assert classify_size(*industry, 1, 1, 1) is None


@pytest.mark.parametrize(("industry", "key"), IN_SCOPE)
def test_industries_the_standard_covers_route_to_their_row(
    industry: tuple[str, str, str], key: str
) -> None:
    assert not_applicable_reason(*industry) is None
    assert size_row_for(*industry).key == key


def test_every_reason_has_a_case() -> None:
    assert {reason for _, reason in NOT_APPLICABLE} == set(NOT_APPLICABLE_REASONS)


def _boundary_cases(
    industries: list[tuple[str, str, str]], tiers: tuple[tuple[int, int], ...]
) -> list[tuple[tuple[str, str, str], int, int | None, str]]:
    """Each industry at each tier's bounds, and one employee or one fen below each of them."""
    cases = []
    for industry, tier in itertools.product(industries, range(3)):
        employees, revenue = tiers[tier]
        size, lower = SIZE_CLASSES[tier], SIZE_CLASSES[tier + 1]
        cases.append((industry, employees, revenue * WAN, size))
        cases.append((industry, employees - 1, revenue * WAN, lower))
        cases.append((industry, employees, revenue * WAN - 1, lower))
    return cases  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "expected"),
    _boundary_cases([("G", "59", "5910"), ("G", "59", "591"), ("G", "54", "5411")], TRANSPORT),
)
def test_loading_and_unloading_uses_the_transport_bounds(
    industry: tuple[str, str, str], employees: int, revenue: int, expected: str
) -> None:
    assert classify_size(*industry, employees, revenue, None) == expected


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "expected"),
    _boundary_cases([("G", "59", "5920"), ("G", "59", "5930")], WAREHOUSING),
)
def test_storage_uses_the_warehousing_bounds(
    industry: tuple[str, str, str], employees: int, revenue: int, expected: str
) -> None:
    assert classify_size(*industry, employees, revenue, None) == expected


# --------------------------------------------------------------------------- the portrait


def _size_field(industry: tuple[str, str, str], figures: list[YearFigures]) -> Any:
    section, division, code = industry
    facts = EnterpriseFacts(date(2010, 1, 1), code, section, division)
    p = compute_portrait(facts, figures, date(2025, 6, 30), load_lifecycle_rules())
    return p.fields["size_class"]


@pytest.mark.parametrize(("industry", "reason"), NOT_APPLICABLE)
def test_portrait_says_not_applicable_with_its_reason(
    industry: tuple[str, str, str], reason: str
) -> None:
    for figures in ([], [YearFigures(2024, revenue=10**12, employees=5000, total_assets=10**12)]):
        d = _size_field(industry, figures)
        assert d.value is None and d.not_applicable == reason
        assert d.missing == []  # not applicable is not missing: no figures would give a size
        assert d.rule_key == f"size_class.not_applicable.{reason}"
        assert [w.key for w in d.why] == [f"size.na.{reason}"]
        assert "213号" in d.rule


@pytest.mark.parametrize("reason", NOT_APPLICABLE_REASONS)
def test_not_applicable_reads_as_a_sentence_in_both_languages(reason: str) -> None:
    zh = t("zh", f"size.na.{reason}", code="6621")
    en = t("en", f"size.na.{reason}", code="6621")
    assert zh.startswith("不适用") and "6621" in zh and "2017" in zh
    assert en.startswith("Not applicable") and "6621" in en and "2017" in en
    if reason == "financial":
        assert "银发〔2015〕309号" in zh and "银发〔2015〕309号" in en


def test_portrait_of_a_covered_firm_without_figures_is_missing_not_not_applicable() -> None:
    d = _size_field(("G", "59", "5910"), [])
    assert d.value is None and d.not_applicable is None and "figures_year" in d.missing
    d = _size_field(("G", "59", "5910"), [YearFigures(2024, revenue=200 * WAN, employees=20)])
    assert d.value == "small" and d.rule_key == "size_class.transport"


# --------------------------------------------------------------------------- set-based (SQL)

metadata = MetaData()
firm = Table(
    "firm",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("section", String(1), nullable=False),
    Column("division", String(2), nullable=False),
    Column("industry_code", String(4), nullable=False),
    Column("employees", Integer),
    Column("revenue", BigInteger),
    Column("total_assets", BigInteger),
)
SIZE = size_class_case(
    firm.c.section, firm.c.division, firm.c.industry_code,
    firm.c.employees, firm.c.revenue, firm.c.total_assets,
)  # fmt: skip
NA = size_not_applicable(firm.c.section, firm.c.division, firm.c.industry_code)


@pytest.fixture(scope="module")
def firm_engine() -> Iterator[Engine]:
    eng = create_engine("sqlite://")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


def test_sql_agrees_with_python_on_every_scope_rule_and_bound(firm_engine: Engine) -> None:
    industries = [i for i, _ in NOT_APPLICABLE] + [i for i, _ in IN_SCOPE]
    employees = sorted(
        {x + d for tier in TRANSPORT + WAREHOUSING for x in tier[:1] for d in (-1, 0)}
    )
    revenue = sorted(
        {y * WAN + d for tier in TRANSPORT + WAREHOUSING for y in tier[1:] for d in (-1, 0)}
    )
    rows = [
        (*ind, e, r, None)
        for ind in industries
        for e, r in itertools.product([None, *employees], [None, *revenue])
    ]
    names = ("section", "division", "industry_code", "employees", "revenue", "total_assets")
    with firm_engine.begin() as conn:
        conn.execute(delete(firm))
        conn.execute(
            insert(firm), [dict(zip(names, r, strict=True), id=i) for i, r in enumerate(rows)]
        )
        got = conn.execute(select(firm.c.id, SIZE, NA).order_by(firm.c.id)).all()
    assert [size for _, size, _ in got] == [classify_size(*r) for r in rows]
    assert [bool(na) for _, _, na in got] == [
        not_applicable_reason(*r[:3]) is not None for r in rows
    ]
    by_code = {(r[2], r[3], r[4]): size for r, (_, size, _) in zip(rows, got, strict=True)}
    assert by_code[("5311", 1000, 30000 * WAN)] is None  # railway: not transport
    assert by_code[("5910", 300, 3000 * WAN)] == "medium"  # transport's medium bounds
    assert by_code[("5920", 300, 3000 * WAN)] == "medium"
    assert by_code[("5910", 200, 30000 * WAN)] == "small"  # warehousing would say large
    assert by_code[("5920", 200, 30000 * WAN)] == "large"


def test_polars_snapshot_agrees_on_every_scope_rule_and_bound() -> None:
    """The registry snapshot the policy engine matches against sizes as the portrait does."""
    industries = [i for i, _ in NOT_APPLICABLE] + [i for i, _ in IN_SCOPE]
    employees = [None, *sorted({x + d for x, _ in TRANSPORT + WAREHOUSING for d in (-1, 0)})]
    revenue = [None, *sorted({y * WAN + d for _, y in TRANSPORT + WAREHOUSING for d in (-1, 0)})]
    rows = [
        (*ind, e, r, None) for ind in industries for e, r in itertools.product(employees, revenue)
    ]
    names = ("industry_section", "industry_division", "industry")
    schema = {
        **dict.fromkeys(names, pl.String),
        **dict.fromkeys(("employees", "revenue", "total_assets"), pl.Int64),
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    got = frame.select(snapshot._size_class()).to_series().to_list()  # noqa: SLF001
    assert got == [classify_size(*r) for r in rows]  # type: ignore[arg-type]
    assert got[rows.index(("G", "53", "5311", 1000, 30000 * WAN, None))] is None


# ------------------------------------------------------------------ stored, listed, exported


@pytest.fixture
def registry(sessions: sessionmaker[Session], db: Session) -> Session:
    """A bank (J), a railway firm (53), a loading firm (5910), a storage firm (5920) and a
    software firm without figures, with large-ish figures for all but the last."""
    codes = {1: "6621", 2: "5311", 3: "5910", 4: "5920", 5: "6513"}
    ents = [ent_row(n, industry_code=code) for n, code in codes.items()]
    run_import(sessions, ACTOR, "enterprises", to_csv(ents, ENT_HEADER), "e.csv")
    fins = [
        fin_row(n, 2024, employees="200", revenue="300000000.00", total_assets="300000000.00")
        for n in (1, 2, 3, 4)
    ]
    run_import(sessions, ACTOR, "financials", to_csv(fins, FIN_HEADER), "f.csv")
    return db


def test_stored_size_class_follows_the_scope(registry: Session) -> None:
    stored = {e.industry_code: e.size_class for e in registry.scalars(select(Enterprise)).all()}
    # 200 employees, revenue 30,000万: transport small (< 300), warehousing large; J, 53 none.
    assert stored == {"6621": None, "5311": None, "5910": "small", "5920": "large", "6513": None}


ADMIN = Principal(user_id=0, username="tester", role=Role.admin)


@pytest.mark.parametrize(
    ("size", "codes"),
    [("not_applicable", {"6621", "5311"}), ("small", {"5910"}), ("large", {"5920"})],
)
def test_list_filters_not_applicable_apart_from_missing(
    registry: Session, size: str, codes: set[str]
) -> None:
    flt = repo.EnterpriseFilter(size_class=size).cleaned()
    found = repo.iter_filtered(registry, ADMIN, flt)
    assert {e.industry_code for e in found} == codes
    assert repo.count(registry, ADMIN, flt) == len(codes)


def test_export_marks_not_applicable_apart_from_missing(registry: Session) -> None:
    text = "".join(service.export_csv(registry, ADMIN, repo.EnterpriseFilter(), "codes"))
    rows = {
        r["industry_code"]: r["size_class"]
        for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    }
    assert rows == {
        "6621": "not_applicable", "5311": "not_applicable", "5910": "small", "5920": "large",
        "6513": "",  # no figures: missing, not "not applicable"
    }  # fmt: skip
    chinese = "".join(service.export_csv(registry, ADMIN, repo.EnterpriseFilter()))
    by_code = {
        r["行业代码"]: (r["规模代码"], r["企业规模"])
        for r in csv.DictReader(io.StringIO(chinese.lstrip("\ufeff")))
    }
    assert by_code["6621"] == ("not_applicable", "不适用") and by_code["6513"] == ("", "")


def test_pages_say_not_applicable_with_the_reason(
    client: Any, registry: Session, sessions: sessionmaker[Session]
) -> None:
    user = identity.create_user(registry, ACTOR, username="ana", password="password-1",
                                role="analyst")  # fmt: skip
    token, _ = identity.open_session(registry, user, 1)
    registry.commit()
    client.cookies.set("highland_session", token)
    bank = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2025-06-30"}).text
    field = _size_metric(bank)
    assert "不适用" in field and "银发〔2015〕309号" in field and "缺失" not in field
    listed = client.get("/enterprises", params={"size_class": "not_applicable"})
    assert listed.status_code == 200 and "共 2 家企业" in listed.text
    assert '<option value="not_applicable" selected>不适用</option>' in listed.text
    client.cookies.set("highland_lang", "en")
    bank = client.get(f"/enterprises/{uscc(1)}", params={"as_of": "2025-06-30"}).text
    field = _size_metric(bank)
    assert "Not applicable" in field and "finance" in field and "missing" not in field.lower()


def _list_row(page: str, code: str) -> str:
    """The registry list's row of an enterprise (by its USCC)."""
    start = page.index(f'<td class="mono">{code}</td>')
    return page[page.rindex("<tr>", 0, start) : page.index("</tr>", start)]


def test_the_list_says_not_applicable_with_the_reason_apart_from_missing(
    client: Any, registry: Session
) -> None:
    user = identity.create_user(registry, ACTOR, username="ana", password="password-1",
                                role="analyst")  # fmt: skip
    token, _ = identity.open_session(registry, user, 1)
    registry.commit()
    client.cookies.set("highland_session", token)
    page = client.get("/enterprises").text
    bank, railway = _list_row(page, uscc(1)), _list_row(page, uscc(2))
    assert 'data-size="not_applicable" title="不适用：行业 6621 属金融业' in bank
    assert "银发〔2015〕309号" in bank and ">不适用</span>" in bank and "—" not in bank
    assert 'title="不适用：行业 5311 属铁路运输业' in railway
    # A covered industry without figures: the size is missing, not "not applicable".
    software = _list_row(page, uscc(5))
    assert ">—</span>" in software and "不适用" not in software
    assert 'class="badge large"' in _list_row(page, uscc(4))
    client.cookies.set("highland_lang", "en")
    bank = _list_row(client.get("/enterprises").text, uscc(1))
    assert 'title="Not applicable: industry 6621 is finance' in bank
    assert ">Not applicable</span>" in bank


def _size_metric(page: str) -> str:
    """The portrait page's size-class metric: up to the next derived field."""
    start = page.index('data-field="size_class"')
    return page[start : page.index("data-field=", start + 1)]


def test_api_tells_not_applicable_from_missing(client: Any, registry: Session) -> None:
    identity.create_user(registry, ACTOR, username="adm", password="password-1", role="admin")
    token = identity.create_token(registry, ACTOR, "adm")
    registry.commit()
    headers = {"authorization": f"Bearer {token}"}
    bank = client.get(f"/api/v1/enterprises/{uscc(1)}", headers=headers).json()
    size = bank["portrait"]["size_class"]
    assert size["value"] is None and size["not_applicable"] == "financial"
    assert size["missing"] == [] and size["rule_key"] == "size_class.not_applicable.financial"
    soft = client.get(f"/api/v1/enterprises/{uscc(5)}", headers=headers).json()
    size = soft["portrait"]["size_class"]
    assert size["value"] is None and size["not_applicable"] is None and size["missing"]
    listed = client.get(
        "/api/v1/enterprises", params={"size_class": "not_applicable"}, headers=headers
    )
    assert {i["uscc"] for i in listed.json()["items"]} == {uscc(1), uscc(2)}
