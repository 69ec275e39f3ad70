"""The registers: one row added with every code checked, imports all-or-nothing with a row
report, exports with Chinese headers by default."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from highland.innovation import repository
from highland.innovation.models import CoopProject, CoopProjectEvent, OverseasCentre
from highland.innovation.registry import exports
from highland.innovation.registry import service as registry
from highland.platform.audit.models import AuditEntry
from highland.platform.errors import InvalidInput
from highland.platform.web.i18n import error_text
from tests.conftest import ACTOR
from tests.innovation.world import ADMIN, NOW, World, build, project_data


@pytest.fixture
def w(sessions: sessionmaker[Session], db: Session) -> World:
    return build(sessions, db)


def _count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_project_is_signed_with_its_amount_exact_and_audited(db: Session, w: World) -> None:
    p = registry.add(db, ACTOR, "projects", project_data(w.a.uscc), now=NOW)
    assert p.amount_minor == 120_000_050 and p.currency == "EUR"
    assert p.state == "signed" and p.enterprise_id == w.a.id and p.event_id == w.event_id
    assert p.next_review is not None and p.next_review > NOW
    (e,) = db.scalars(select(CoopProjectEvent).where(CoopProjectEvent.project_id == p.id))
    assert e.action == "sign" and e.to_state == "signed"
    entities = set(db.scalars(select(AuditEntry.entity)))
    assert {"innovation_project", "innovation_platform", "innovation_event"} <= entities
    assert exports.amount_text(p.amount_minor, "EUR") == "1200000.50"


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"partner_country": "XX"}, "partner_country", "innovation.bad_country"),
        ({"currency": "EUX"}, "currency", "innovation.bad_currency"),
        ({"uscc": "91320115MA1X0000XX"}, "uscc", "innovation.bad_uscc"),
        ({"chain": "nochain"}, "chain", "innovation.unknown_chain"),
        ({"segment": "packaging"}, "segment", "innovation.unknown_segment"),
        ({"amount": "12.345"}, "amount", "innovation.amount_digits"),
        ({"amount": "100", "currency": ""}, "currency", "innovation.currency_missing"),
        ({"event": "paris-2030"}, "event", "innovation.unknown_event"),
        ({"signed_on": "2099-01-01"}, "signed_on", "innovation.future_date"),
        ({"owner_institution": "NOPE"}, "owner_institution", "innovation.unknown_institution"),
        ({"uscc": "", "platform": ""}, "uscc", "innovation.no_party"),
    ],
)
def test_bad_project_input_writes_nothing(db: Session, w: World, over: dict[str, str],
                                          field: str, code: str) -> None:  # fmt: skip
    before = _count(db, CoopProject)
    with pytest.raises(InvalidInput) as info:
        registry.add(db, ACTOR, "projects", project_data(w.a.uscc, **over), now=NOW)
    assert info.value.field == field and info.value.code == code
    assert _count(db, CoopProject) == before
    zh, en = error_text("zh-CN", info.value), error_text("en", info.value)
    assert zh != en and "{" not in zh and "{" not in en


def test_an_unknown_uscc_is_named(db: Session, w: World) -> None:
    from tests.factories import uscc

    with pytest.raises(InvalidInput) as info:
        registry.add(db, ACTOR, "projects", project_data(uscc(77)), now=NOW)
    assert info.value.code == "innovation.unknown_uscc"
    assert uscc(77) in error_text("zh-CN", info.value)


def test_a_platform_may_be_the_nanjing_party(db: Session, w: World) -> None:
    data = project_data("", platform="国家第三代半导体技术创新中心（南京）", amount="",
                        currency="")  # fmt: skip
    p = registry.add(db, ACTOR, "projects", data, now=NOW)
    assert p.platform_id == w.platform_id and p.enterprise_id is None and p.amount_minor is None


CENTRES = """名称,英文名称,国家代码,城市,合作方,设立日期,服务产业链,示例
南京-慕尼黑协同创新中心,Nanjing-Munich Centre,DE,慕尼黑,巴伐利亚州,2019-05-01,ic/design,是
南京-赫尔辛基协同创新中心,Nanjing-Helsinki Centre,fi,赫尔辛基,,2020-01-01,,
"""


def test_a_file_of_centres_is_imported(db: Session, w: World) -> None:
    r = registry.import_file(db, ACTOR, "centres", CENTRES.encode(), "c.csv", now=NOW)
    assert (r.rows, r.created, r.errors) == (2, 2, [])
    rows = db.scalars(select(OverseasCentre).order_by(OverseasCentre.id)).all()
    assert [c.country for c in rows] == ["DE", "FI"] and rows[0].illustrative
    assert rows[0].chains == ["ic/design"]


def test_one_bad_row_refuses_the_file_with_a_row_report(db: Session, w: World) -> None:
    bad = CENTRES + "坏中心,Bad,ZZ,某地,,,,\n重复,Dup,DE,柏林,,,nochain,\n"
    r = registry.import_file(db, ACTOR, "centres", bad.encode(), "c.csv", now=NOW)
    assert r.created == 0 and _count(db, OverseasCentre) == 0
    assert [(e.row, e.error.field, e.error.code) for e in r.errors] == [
        (4, "country", "innovation.bad_country"),
        (5, "chains", "innovation.unknown_chain"),
    ]


def test_a_name_twice_in_a_file_is_refused(db: Session, w: World) -> None:
    twice = CENTRES + "南京-慕尼黑协同创新中心,Again,DE,慕尼黑,,,,\n"
    r = registry.import_file(db, ACTOR, "centres", twice.encode(), "c.csv", now=NOW)
    assert [e.error.code for e in r.errors] == ["innovation.duplicate"]


def test_an_unknown_register_is_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        registry.import_file(db, ACTOR, "rockets", b"a\n1\n", "x.csv", now=NOW)
    assert info.value.code == "innovation.bad_kind"


def test_exports_have_chinese_headers_by_default_codes_on_request(db: Session, w: World) -> None:
    registry.add(db, ACTOR, "projects", project_data(w.a.uscc), now=NOW)
    text = exports.export_csv(db, ADMIN, "projects", None).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["项目名称", "项目英文名称", "合作方"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["金额"] == "1200000.50" and row["币种"] == "EUR" and row["阶段"] == "已签约"
    assert row["签约活动编号"] == "munich-2024" and row["统一社会信用代码"] == w.a.uscc
    codes = list(csv.reader(io.StringIO(exports.export_csv(db, ADMIN, "projects", "codes")
                                        .decode("utf-8-sig"))))  # fmt: skip
    assert (
        codes[0][0] == "title" and dict(zip(codes[0], codes[1], strict=True))["stage"] == "signed"
    )
    wb = load_workbook(io.BytesIO(exports.export_xlsx(db, ADMIN, "platforms", None)))
    ws = wb.active
    assert ws is not None and ws.cell(1, 1).value == "名称"
    assert ws.cell(2, 3).value == "国家技术创新中心"


def test_an_exported_file_imports_back(db: Session, w: World) -> None:
    registry.import_file(db, ACTOR, "centres", CENTRES.encode(), "c.csv", now=NOW)
    data = exports.export_csv(db, ADMIN, "centres", "codes")
    db.execute(OverseasCentre.__table__.delete())
    r = registry.import_file(db, ACTOR, "centres", data, "again.csv", now=NOW)
    assert r.created == 2, [e.as_dict() for e in r.errors]


def test_an_xlsx_file_of_events_is_imported(db: Session, w: World) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "名称", "英文名称", "类型", "开始日期", "结束日期", "国家代码", "论坛数",
               "展品数", "参与国家"])  # fmt: skip
    ws.append(["week-2021", "2021南京创新周", "Innovation Week 2021", "innovation_week",
               "2021-06-09", "2021-06-13", "CN", 29, 485, "RU;KR;SG"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    r = registry.import_file(db, ACTOR, "events", buf.getvalue(), "events.xlsx", now=NOW)
    assert (r.created, r.errors) == (1, [])
    (event,) = [e for e in repository.events(db) if e.code == "week-2021"]
    assert (event.forums, event.exhibits, event.countries) == (29, 485, ["KR", "RU", "SG"])
