"""Issue 12 (finding 3): the chain report XLSX is inert — decisions, owners and firm names
that start with = + - @ are string cells, never formulas; stored control characters do not
break it; decision text with control characters is refused at input."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session

from highland.chains.governance import service as gov
from highland.chains.models import ChainTask
from highland.chains.report import service as report
from highland.enterprises.models import Enterprise
from highland.platform.errors import InvalidInput
from tests.chains.test_report import ADMIN, NOW, at, w  # noqa: F401  (the fixture)
from tests.conftest import ACTOR

FORMULA = '=HYPERLINK("http://evil.example/","点我")'


def test_report_xlsx_is_inert(db: Session, w: dict[str, Any]) -> None:  # noqa: F811
    t1, t2, _, _ = w["tasks"]
    db.execute(update(ChainTask).where(ChainTask.id == t1.id).values(title=FORMULA))
    db.execute(update(ChainTask).where(ChainTask.id == t2.id).values(
        title="旧\x07任务", owner_name="+王科长"))  # fmt: skip
    db.execute(update(Enterprise).values(name="@SUM(1)"))
    db.flush()
    r = report.build(db, w["cid"], "2026-09", "zh-CN", NOW, by="-u1")
    wb = load_workbook(io.BytesIO(report.to_xlsx(r)))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert {FORMULA, "旧任务", "-u1"} <= texts
    assert any(isinstance(v, str) and v.startswith("+王科长") for v in texts)


def test_decision_with_a_control_character_refused(db: Session, w: dict[str, Any]) -> None:  # noqa: F811
    with pytest.raises(InvalidInput) as e:
        gov.create_meeting(
            db, ADMIN, ACTOR, w["cid"], gov.MeetingInput(month="2026-10", held_at=at(2026, 10, 9)),
            [gov.DecisionInput(title="协调\x1b用地", owner_name="李科长", working_days=5)],
            at(2026, 10, 9, 12),
        )  # fmt: skip
    assert e.value.code == "text.control_char" and e.value.field.endswith(".title")
