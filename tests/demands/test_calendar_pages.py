"""Provisional deadlines as people see them: the demand page, the queue, the leader's board and
its XLSX, Open311 (.json and .xml), the chain meeting page; the Calendar page entering 2027 (the
marks go, reclock events are written); the warning from 1 November on the admin's landing page
and the Calendar page (docs/calendar.md)."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from highland.demands.meetings.service import MeetingInput, create_meeting
from highland.demands.models import Demand, DemandEvent
from highland.demands.service import DemandInput
from highland.platform.identity import service as identity
from highland.platform.kit import clock
from highland.platform.kit.dates import CITY_TZ
from tests.chains.test_governance_pages import users  # noqa: F401  (chains and their users)
from tests.conftest import ACTOR
from tests.demands.page_helpers import STAFF
from tests.demands.test_pages import _as, w  # noqa: F401  (the pages' world fixture)
from tests.factories import uscc

DEC_28 = datetime(2026, 12, 28, 10, 0, tzinfo=CITY_TZ)
NOTICE_2027 = """\
year: 2027
source: 国办发明电〔2026〕测试号
holidays:
  - {date: 2027-01-01..2027-01-04, name: 元旦}
workdays:
  - 2027-02-20
"""
MARK_ZH = 'data-provisional="1"'


def _sign_in(client: Any, db: Any, world: dict[str, Any], who: str) -> str:
    """A session opened at the clock's "now" (sessions expire after an hour of it)."""
    from highland.platform.identity.models import User

    user = db.get(User, world["users"][who]["id"])
    token, csrf = identity.open_session(db, user, 1)
    db.commit()
    client.cookies.set("highland_session", token)
    return str(csrf)


def _meeting_on_dec_28(db: Any) -> tuple[int, list[int]]:
    """A breakfast meeting on 28 December 2026 with two demands, dispatched then: land
    (resolution in 20 working days, reaching 2027) and one made public for Open311."""
    m = MeetingInput(title="岁末早餐会", held_at=DEC_28, place="江宁区行政中心", leader="区长",
                     attendees=[uscc(1)])  # fmt: skip
    rows = [
        DemandInput(enterprise=uscc(1), category="land", title="扩产用地", description="用地说明"),
        DemandInput(enterprise=uscc(1), category="financing", title="流动资金", description="说明"),
    ]
    with clock.use(DEC_28):
        meeting, demands = create_meeting(db, STAFF, ACTOR, m, rows, dispatch=True)
    for d in demands:
        d.public = True
    db.commit()
    return meeting.id, [d.id for d in demands]


def test_provisional_marks_everywhere_then_gone_once_2027_is_entered(
    client: Any,
    w: dict[str, Any],  # noqa: F811
    db: Any,
) -> None:
    meeting_id, (land, fin) = _meeting_on_dec_28(db)
    with clock.use(datetime(2026, 12, 29, 9, 0, tzinfo=CITY_TZ)):
        csrf = _sign_in(client, db, w, "admin")
        page = html.unescape(client.get(f"/demands/{land}").text)
        assert page.count(MARK_ZH) == 1 and 'id="provisional-note"' in page
        assert "暂定" in page and "尚未公布放假安排" in page  # the mark and its explanation
        queue = html.unescape(client.get("/demands").text)
        assert MARK_ZH in queue
        board = html.unescape(client.get(f"/demand-meetings/{meeting_id}").text)
        assert board.count(MARK_ZH) >= 2  # both resolution deadlines reach 2027
        en = client.get(f"/demands/{land}", cookies={"highland_lang": "en"}).text
        assert "provisional" in html.unescape(en)
        # The board's XLSX: a column and a note.
        x = client.get(f"/demand-meetings/{meeting_id}/export.xlsx")
        wb = load_workbook(io.BytesIO(x.content))
        rows = list(wb["诉求清单"].iter_rows(values_only=True))
        assert rows[0][15] == "时限暂定"
        assert all(r[15] == "暂定：办结时限" for r in rows[1:])
        info = wb["会议信息"].iter_rows(values_only=True)
        notes = [r[1] for r in info if r[0] == "说明"]
        assert len(notes) == 2 and "尚未公布放假安排" in notes[0] and "not published" in notes[1]
        # The API: one boolean per deadline.
        api = client.get(f"/api/v1/demands/{land}").json()
        assert api["resolution_due"].startswith("2027-01-")
        assert api["resolution_due_provisional"] is True
        assert api["response_due_provisional"] is False
        # Open311: expected_datetime plus a note in status_notes, in JSON and XML.
        one = client.get(f"/open311/v2/requests/{fin}.json").json()[0]
        assert one["expected_datetime"].startswith("2027-01-")
        assert "预计办结时间为暂定" in one["status_notes"] and "2027" in one["status_notes"]
        root = ET.fromstring(client.get(f"/open311/v2/requests/{fin}.xml").content)
        assert "预计办结时间为暂定" in (root.findtext("request/status_notes") or "")
        lst = client.get("/open311/v2/requests.json", params={"locale": "en"}).json()
        assert any("expected date is provisional" in r["status_notes"] for r in lst)

        # The admin enters 2027 on the Calendar page: deadlines recomputed, marks gone.
        before = db.get(Demand, land).resolution_due
        resp = client.post("/admin/calendar", data={"csrf_token": csrf, "yaml": NOTICE_2027})
        assert resp.status_code == 303 and "demands=2" in resp.headers["location"]
        done = html.unescape(client.get(resp.headers["location"]).text)
        assert "2 件未办结诉求" in done and 'id="calendar-warning"' not in done
        db.expire_all()
        assert db.get(Demand, land).resolution_due > before
        ev = db.scalars(
            select(DemandEvent).where(DemandEvent.demand_id == land).order_by(DemandEvent.seq)
        ).all()[-1]
        assert ev.action == "reclock" and ev.data["year"] == 2027
        page = html.unescape(client.get(f"/demands/{land}").text)
        assert MARK_ZH not in page and "时限重算" in page and "录入 2027 年放假安排后" in page
        api = client.get(f"/api/v1/demands/{land}").json()
        assert api["resolution_due_provisional"] is False
        one = client.get(f"/open311/v2/requests/{fin}.json").json()[0]
        assert "暂定" not in one["status_notes"]


def test_november_warning_on_the_landing_page_and_the_calendar_page(
    client: Any,
    w: dict[str, Any],  # noqa: F811
    db: Any,
) -> None:
    with clock.use(datetime(2026, 10, 31, 23, 0, tzinfo=CITY_TZ)):
        _sign_in(client, db, w, "admin")
        for path in ("/enterprises", "/admin/calendar"):
            assert 'id="calendar-warning"' not in client.get(path).text
    with clock.use(datetime(2026, 11, 1, 0, 5, tzinfo=CITY_TZ)):
        _sign_in(client, db, w, "admin")
        home = html.unescape(client.get("/enterprises").text)
        assert 'id="calendar-warning"' in home and "2027 年放假安排尚未录入" in home
        assert 'href="/admin/calendar"' in home and "highland calendar" not in home
        page = html.unescape(client.get("/admin/calendar").text)
        assert 'id="calendar-warning"' in page and "标注“暂定”" in page
        en = html.unescape(client.get("/admin/calendar", cookies={"highland_lang": "en"}).text)
        assert "The 2027 holiday schedule is missing" in en and "highland calendar" not in en
        # Someone who cannot enter a year is not warned.
        _sign_in(client, db, w, "leader")
        assert 'id="calendar-warning"' not in client.get("/enterprises").text


def test_calendar_page_bad_input_in_both_languages(
    client: Any,
    w: dict[str, Any],  # noqa: F811
) -> None:
    csrf = _as(client, w, "admin")
    bad = client.post("/admin/calendar", data={"csrf_token": csrf,
                      "yaml": NOTICE_2027.replace("2027-02-20", "2027-02-22")})  # fmt: skip
    text = html.unescape(bad.text)
    assert bad.status_code == 422 and "pasted.yaml 第 6 行" in text
    assert "2027-02-22 是星期一" in text
    bad = client.post("/admin/calendar", cookies={"highland_lang": "en"},
                      data={"csrf_token": csrf, "yaml": "year: 2027\n"})  # fmt: skip
    text = html.unescape(bad.text)
    assert bad.status_code == 422 and "pasted.yaml: Source is missing" in text
    gone = client.post("/admin/calendar/2027/delete", data={"csrf_token": csrf})
    text = html.unescape(gone.text)
    assert gone.status_code == 404 and "2027 年没有管理员录入的放假安排" in text
    for t in (text, html.unescape(bad.text)):
        assert "highland calendar load" not in t and "[demands.field" not in t
    # Uploaded files that cannot be a schedule: named, in the page's language, nothing stored.
    gbk_text = "year: 2027\nsource: 国务院办公厅通知\n".encode("gbk")
    gbk = client.post("/admin/calendar", data={"csrf_token": csrf},
                      files={"file": ("2027.yaml", gbk_text)})  # fmt: skip
    assert gbk.status_code == 422
    assert "文件“2027.yaml”不是 UTF-8 编码的文本" in html.unescape(gbk.text), re.sub(
        r"\s+", " ", html.unescape(gbk.text).split("form-error")[-1][:400]
    )
    huge = client.post("/admin/calendar", data={"csrf_token": csrf},
                       files={"file": ("big.yaml", b"#" * (1024 * 1024 + 2))})  # fmt: skip
    assert huge.status_code == 422 and "文件“big.yaml”超过 1 MB" in html.unescape(huge.text)
    page = html.unescape(client.get("/admin/calendar").text)
    assert 'data-kind="admin"' not in page


def test_chain_meeting_page_and_api_mark_a_provisional_task(
    client: Any,
    db: Any,
    users: dict[str, dict[str, str]],  # noqa: F811
) -> None:
    from highland.chains.governance import service as gov
    from highland.platform.identity.permissions import Principal, Role

    admin = Principal(user_id=0, username="tester", role=Role.admin)
    record = gov.MeetingInput(month="2026-12", held_at=DEC_28, chaired_by="张链长")
    decisions = [gov.DecisionInput(title="协调用地", owner_name="李科长", working_days=10),
                 gov.DecisionInput(title="走访", owner_name="王科长", working_days=1)]  # fmt: skip
    now = datetime(2026, 12, 28, 15, 0, tzinfo=CITY_TZ)
    _, (far, near) = gov.create_meeting(db, admin, ACTOR, 1, record, decisions, now)
    db.commit()
    client.cookies.set("highland_session", users["leader"]["cookie"])
    page = html.unescape(client.get("/chains/1/meetings/2026-12").text)
    assert page.count(MARK_ZH) == 1 and 'id="provisional-note"' in page
    row = page.split(f'id="task-{far.id}"')[1].split("</tr>")[0]
    assert MARK_ZH in row and "2027-01-12 23:59" in row
    headers = {"authorization": f"Bearer {users['leader']['token']}"}
    api = client.get("/api/v1/chains/1/meetings/2026-12", headers=headers).json()
    flags = {t["id"]: t["due_provisional"] for t in api["tasks"]}
    assert flags == {far.id: True, near.id: False}
    one = client.get(f"/api/v1/chain-tasks/{far.id}", headers=headers).json()
    assert one["due_provisional"] is True
