"""Demand pages: the queue, filing (with attachments), a demand's actions and log, stale and
illegal actions, meetings with a batch of rows, the board and its XLSX, metrics, notices and
the admin pages — in Chinese and English; every bad input says what and where, writes nothing."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from highland.demands.models import (
    Attachment,
    Demand,
    DemandCategory,
    DemandEvent,
    Meeting,
    RoutingRule,
)
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.calendar.models import CalendarYear
from highland.platform.identity import service as identity
from highland.platform.institutions.models import Institution
from highland.platform.notices import service as notices
from tests.conftest import ACTOR
from tests.demands.page_helpers import PDF, meeting_with, seed_reference
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc

ROLES = {
    "admin": {},
    "analyst": {},
    "chain_team": {"chain_id": 1},
    "leader": {},
    "owner": {"role": "enterprise"},
    "other_firm": {"role": "enterprise"},
    "zrzy": {"role": "handler", "institution_code": "320115-ZRZY"},
    "jrj": {"role": "handler", "institution_code": "320115-JRJ"},
}


@pytest.fixture
def w(client: Any, sessions: Any, db: Any) -> dict[str, Any]:
    """Three Jiangning firms, the demo reference data, a user per part; nobody signed in.

    owner is firm 1's user, other_firm firm 2's; zrzy handles land, jrj financing.
    """
    rows = [ent_row(n) for n in (1, 2, 3)]
    run_import(sessions, ACTOR, "enterprises", to_csv(rows, ENT_HEADER), "e.csv")
    seed_reference(db)
    ids = {n: db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(n))) for n in (1, 2)}
    users: dict[str, dict[str, Any]] = {}
    for name, extra in ROLES.items():
        extra = dict(extra)
        role = extra.pop("role", name)
        if name == "owner":
            extra["enterprise_id"] = ids[1]
        elif name == "other_firm":
            extra["enterprise_id"] = ids[2]
        user = identity.create_user(
            db, ACTOR, username=f"d_{name}", password="password-1", role=role, **extra
        )
        token, csrf = identity.open_session(db, user, 1)
        users[name] = {"cookie": token, "csrf": csrf, "id": user.id}
    db.commit()
    return {"users": users}


def _as(client: Any, w: dict[str, Any], who: str) -> str:
    client.cookies.set("highland_session", w["users"][who]["cookie"])
    return str(w["users"][who]["csrf"])


def _count(db: Any, model: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _file(client: Any, csrf: str, files: Any = None, **fields: str) -> Any:
    data = {"category": "land", "title": "扩产用地需求", "description": "需新增 30 亩工业用地。",
            "priority": "normal", "request_type": "help", "csrf_token": csrf} | fields  # fmt: skip
    return client.post("/demands/new", data=data, files=files or [])


def _act(client: Any, csrf: str, demand_id: int, action: str, version: int, **data: str) -> Any:
    body = {"csrf_token": csrf, "version": str(version)} | data
    return client.post(f"/demands/{demand_id}/actions/{action}", data=body)


def _demand(db: Any, demand_id: int) -> Demand:
    db.expire_all()
    d = db.get(Demand, demand_id)
    assert d is not None
    return d


# --------------------------------------------------------------------------- filing


def test_enterprise_files_with_attachment_and_the_demand_goes_round(
    client: Any, w: dict[str, Any], db: Any
) -> None:
    csrf = _as(client, w, "owner")
    form = client.get("/demands/new")
    assert form.status_code == 200 and 'id="enterprise-fixed"' in html.unescape(form.text)
    assert uscc(1) in html.unescape(form.text) and 'name="enterprise"' not in html.unescape(
        form.text
    )
    resp = _file(client, csrf, files=[("attachments", ("用地红线图.pdf", PDF, "application/pdf"))],
                 tags="用地 扩产")  # fmt: skip
    assert resp.status_code == 303, html.unescape(resp.text)[:500]
    demand_id = int(re.search(r"/demands/(\d+)", resp.headers["location"]).group(1))  # type: ignore[union-attr]
    page = client.get(resp.headers["location"])
    assert (
        "扩产用地需求" in html.unescape(page.text)
        and "待分派" in html.unescape(page.text)
        and "用地红线图.pdf" in html.unescape(page.text)
    )
    assert 'id="action-withdraw"' in html.unescape(
        page.text
    ) and 'id="action-accept"' not in html.unescape(page.text)
    att = db.scalar(select(Attachment).where(Attachment.demand_id == demand_id))
    download = client.get(f"/demands/{demand_id}/attachments/{att.id}")
    assert download.status_code == 200 and download.content == PDF
    assert "attachment" in download.headers["content-disposition"]
    # A router dispatches it by the routing table: land in Jiangning → 自然资源局.
    csrf = _as(client, w, "analyst")
    assert _act(client, csrf, demand_id, "dispatch", 1).status_code == 303
    d = _demand(db, demand_id)
    assert d.institution_code == "320115-ZRZY" and d.state == "dispatched"
    # The handler sees it in the queue with its deadlines in Beijing time, accepts, resolves.
    csrf = _as(client, w, "zrzy")
    queue = client.get("/demands")
    assert f'data-demand="{demand_id}"' in html.unescape(
        queue.text
    ) and "本单位待办诉求" in html.unescape(queue.text)
    due = d.resolution_due.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert due.strftime("%Y-%m-%d 23:59") in html.unescape(queue.text)
    assert _act(client, csrf, demand_id, "accept", d.version).status_code == 303
    d = _demand(db, demand_id)
    resp = _act(client, csrf, demand_id, "resolve", d.version, resolution="已协调用地指标。")
    assert resp.status_code == 303
    # The enterprise says "not solved": it reopens and the resolution clock restarts.
    csrf = _as(client, w, "owner")
    d = _demand(db, demand_id)
    resp = _act(client, csrf, demand_id, "confirm", d.version, verdict="not", rating="2",
                comment="指标未落实")  # fmt: skip
    assert resp.status_code == 303
    d = _demand(db, demand_id)
    assert d.state == "reopened" and d.reopens == 1
    page = client.get(f"/demands/{demand_id}")
    assert (
        "重新办理" in html.unescape(page.text)
        and "未解决 · 2/5" in html.unescape(page.text)
        and "指标未落实" in html.unescape(page.text)
    )
    log = html.unescape(page.text).split('id="event-log"')[1]
    for words in ("提交", "交办", "受理", "办复", "评价办理结果", "已办复 → 重新办理"):
        assert words in log, words


def test_staff_file_on_behalf_and_dispatch_now(client: Any, w: dict[str, Any], db: Any) -> None:
    csrf = _as(client, w, "analyst")
    form = client.get("/demands/new")
    assert 'name="enterprise"' in html.unescape(form.text) and 'id="dispatch"' in html.unescape(
        form.text
    )
    resp = _file(client, csrf, enterprise=uscc(2), category="financing", dispatch="true",
                 chain="3")  # fmt: skip
    assert resp.status_code == 303, html.unescape(resp.text)[:500]
    d = db.scalar(select(Demand).order_by(Demand.id.desc()))
    assert d.source == "staff" and d.institution_code == "320115-JRJ" and d.chain_id == 3
    # A chain team files without routing rights: no dispatch box.
    _as(client, w, "chain_team")
    assert 'id="dispatch"' not in client.get("/demands/new").text


@pytest.mark.parametrize(
    ("who", "fields", "files", "field", "words"),
    [
        ("owner", {"category": "astrology"}, None, "category", "没有“astrology”这一诉求类别"),
        (
            "analyst",
            {"enterprise": "91320115XXXXXXXX0X"},
            None,
            "enterprise",
            "企业库中没有统一社会信用代码为 91320115XXXXXXXX0X 的企业",
        ),
        ("owner", {"title": "  "}, None, "title", "请填写“诉求标题”"),
        ("owner", {"chain": "abc"}, None, "chain", "“abc”不是有效的产业链编号"),
        ("owner", {"priority": "asap"}, None, "priority", "紧急程度“asap”无效"),
        ("owner", {"tags": "a b c d e f g h i j k"}, None, "tags", "标签最多 10 个"),
        (
            "owner",
            {},
            [("attachments", ("virus.exe", b"MZ\x90\x00", "application/x-msdownload"))],
            "attachments",
            "附件“virus.exe”的类型（.exe）不被接受",
        ),
        (
            "owner",
            {},
            [("attachments", ("fake.pdf", b"not a pdf at all", "application/pdf"))],
            "attachments",
            "附件“fake.pdf”的内容不是 .pdf 文件",
        ),
        (
            "owner",
            {},
            [
                (
                    "attachments",
                    ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 10), "application/pdf"),
                )
            ],
            "attachments",
            "超过 10 MB 的上限",
        ),
    ],
    ids=["category", "uscc", "title", "chain", "priority", "tags", "type", "content", "size"],
)
def test_bad_filing_input_is_shown_next_to_its_field_and_nothing_is_written(
    client: Any, w: dict[str, Any], db: Any, who: str, fields: dict[str, str], files: Any,
    field: str, words: str,
) -> None:  # fmt: skip
    csrf = _as(client, w, who)
    if who == "analyst":
        fields = {"enterprise": uscc(1), **fields}
    before = (_count(db, Demand), _count(db, DemandEvent), _count(db, Attachment))
    resp = _file(client, csrf, files=files, description="保留的描述文字", **fields)
    assert resp.status_code == 422, html.unescape(resp.text)[:300]
    assert f'id="error-{field}"' in html.unescape(resp.text)
    error = html.unescape(resp.text).split(f'id="error-{field}"')[1].split("</div>")[0]
    assert words in error
    assert "未保存任何内容" in html.unescape(resp.text) and "保留的描述文字" in html.unescape(
        resp.text
    )  # the input is kept
    assert (_count(db, Demand), _count(db, DemandEvent), _count(db, Attachment)) == before


def test_an_enterprise_cannot_file_for_another(client: Any, w: dict[str, Any], db: Any) -> None:
    csrf = _as(client, w, "owner")
    resp = _file(client, csrf, enterprise=uscc(2))
    assert resp.status_code == 303  # the enterprise field is fixed to its own
    d = db.scalar(select(Demand).order_by(Demand.id.desc()))
    own = db.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(1)))
    assert d.enterprise_id == own


# --------------------------------------------------------------------------- actions


@pytest.fixture
def one(w: dict[str, Any], db: Any) -> int:
    """Firm 1's land demand from a meeting, dispatched to 320115-ZRZY."""
    _, (demand_id,), _ = meeting_with(db, [(uscc(1), "land", "扩产用地需求")])
    db.commit()
    return demand_id


def test_stale_version_shows_the_conflict_and_changes_nothing(
    client: Any, w: dict[str, Any], db: Any, one: int
) -> None:
    csrf = _as(client, w, "zrzy")
    v = _demand(db, one).version
    assert _act(client, csrf, one, "accept", v).status_code == 303
    events = _count(db, DemandEvent)
    resp = _act(client, csrf, one, "start", v, note="from an old tab")  # the old version
    assert resp.status_code == 409
    assert "已被他人修改" in html.unescape(resp.text) and "请刷新页面后重试" in html.unescape(
        resp.text
    )
    assert f"您看到的是第 {v} 版" in html.unescape(resp.text)
    assert _demand(db, one).state == "accepted" and _count(db, DemandEvent) == events
    client.cookies.set("highland_lang", "en")
    resp = _act(client, csrf, one, "start", v)
    assert "changed by someone else" in html.unescape(resp.text) and "Reload" in html.unescape(
        resp.text
    )


def test_illegal_and_forbidden_actions_say_so(
    client: Any, w: dict[str, Any], db: Any, one: int
) -> None:
    csrf = _as(client, w, "analyst")
    v = _demand(db, one).version
    events = _count(db, DemandEvent)
    resp = _act(client, csrf, one, "start", v)  # not accepted yet
    assert resp.status_code == 409
    assert "当前状态下不能执行此操作" in html.unescape(
        resp.text
    ) and "诉求当前状态为“已交办”，不能执行“开始办理”" in html.unescape(resp.text)
    resp = _act(client, csrf, one, "resolve", v, resolution="x")  # a handler's action
    assert resp.status_code == 403 and "您不能对该诉求执行“办复”" in html.unescape(resp.text)
    resp = _act(client, csrf, one, "fly", v)
    assert resp.status_code == 422 and "不支持的操作" in html.unescape(resp.text)
    csrf = _as(client, w, "zrzy")
    resp = _act(client, csrf, one, "accept", v)
    resp = _act(client, csrf, one, "wait", v + 1)  # no reason
    assert resp.status_code == 422
    assert "执行“请企业补充材料”需要填写“理由”" in html.unescape(resp.text)
    resp = _act(client, csrf, one, "start", "x")  # type: ignore[arg-type]
    assert resp.status_code == 422 and "“x”不是版本号" in html.unescape(resp.text)
    assert _count(db, DemandEvent) == events + 1  # only the accept


def test_transfer_recategorise_and_confirm_forms(
    client: Any, w: dict[str, Any], db: Any, one: int
) -> None:
    csrf = _as(client, w, "analyst")
    page = client.get(f"/demands/{one}")
    for action in ("transfer", "recategorise", "withdraw", "accept"):
        assert f'id="action-{action}"' in html.unescape(page.text)
    v = _demand(db, one).version
    resp = _act(client, csrf, one, "transfer", v, institution="320115-JRJ", reason="属金融事项")
    assert resp.status_code == 303
    resp = _act(client, csrf, one, "recategorise", v + 1, category="nonsense")
    assert resp.status_code == 422 and "没有“nonsense”这一诉求类别" in html.unescape(resp.text)
    resp = _act(client, csrf, one, "recategorise", v + 1, category="financing")
    assert resp.status_code == 303
    page = client.get(f"/demands/{one}")
    assert "属金融事项" in html.unescape(page.text) and "用地与空间 → 融资需求" in html.unescape(
        page.text
    )


def test_scope_other_enterprises_and_institutions_get_404(
    client: Any, w: dict[str, Any], db: Any, one: int
) -> None:
    for who in ("other_firm", "jrj"):
        _as(client, w, who)
        assert client.get(f"/demands/{one}").status_code == 404
        assert f'data-demand="{one}"' not in client.get("/demands").text
        att = db.scalar(select(Attachment.id).where(Attachment.demand_id == one))
        assert client.get(f"/demands/{one}/attachments/{att}").status_code == 404
    _as(client, w, "owner")
    assert client.get(f"/demands/{one}").status_code == 200
    assert client.get(f"/demands/{one}/attachments/999999").status_code == 404


def test_queue_filters_and_english(client: Any, w: dict[str, Any], db: Any, one: int) -> None:
    meeting_with(db, [(uscc(2), "financing", "流动资金贷款")], title="第二场")
    db.commit()
    _as(client, w, "leader")
    everything = client.get("/demands")
    assert "扩产用地需求" in html.unescape(everything.text) and "流动资金贷款" in html.unescape(
        everything.text
    )
    assert "共 2 条诉求" in html.unescape(everything.text) and "已交办" in html.unescape(
        everything.text
    )
    only = client.get("/demands", params={"category": "financing"})
    assert "流动资金贷款" in html.unescape(only.text) and "扩产用地需求" not in html.unescape(
        only.text
    )
    assert "扩产用地需求" in client.get("/demands", params={"q": "用地"}).text
    assert "共 0 条诉求" in client.get("/demands", params={"overdue": "true"}).text
    zrzy = client.get("/demands", params={"institution": "320115-ZRZY", "state": "dispatched"})
    assert "扩产用地需求" in html.unescape(zrzy.text) and "流动资金贷款" not in html.unescape(
        zrzy.text
    )
    assert client.get("/demands", params={"state": "flying"}).status_code == 422
    client.cookies.set("highland_lang", "en")
    english = client.get("/demands")
    assert "Dispatched" in html.unescape(english.text) and "Land & space" in html.unescape(
        english.text
    )
    page = client.get(f"/demands/{one}")
    assert "Event log" in html.unescape(page.text) and "Resolution due" in html.unescape(page.text)


def test_overdue_and_warning_badges(client: Any, w: dict[str, Any], db: Any, one: int) -> None:
    from datetime import timedelta

    from highland.platform.db import utcnow

    d = _demand(db, one)
    d.resolution_due = utcnow() - timedelta(hours=1)
    db.commit()
    _as(client, w, "zrzy")
    assert "flag-overdue" in client.get("/demands").text
    # The filter follows the sweep's marks (breached_at); the badge reads the clock itself.
    d = _demand(db, one)
    d.breached_at = utcnow()
    db.commit()
    assert f'data-demand="{one}"' in client.get("/demands", params={"overdue": "true"}).text
    d.breached_at = None
    d = _demand(db, one)
    d.resolution_due = utcnow() + timedelta(days=3)
    d.warn_at = utcnow() - timedelta(hours=1)
    db.commit()
    assert "flag-warning" in client.get("/demands").text


# --------------------------------------------------------------------------- meetings


def _meeting_form(csrf: str, rows: list[tuple[str, str, str]], **extra: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf,
        "title": "江宁区重点工业企业早餐会",
        "held_at": "2026-06-12T07:30",
        "kind": "meeting",
        "place": "区行政中心 3 楼",
        "leader": "李区长",
        "attendees": f"{uscc(1)}\n{uscc(2)}",
        "row_enterprise": [r[0] for r in rows],
        "row_category": [r[1] for r in rows],
        "row_title": [r[2] for r in rows],
        "row_description": [f"{r[2]}的具体情况" if r[2] else "" for r in rows],
        "row_priority": ["normal"] * len(rows),
        "row_request_type": ["help" if r[0] else "" for r in rows],
    } | extra


ROWS = [
    (uscc(1), "land", "扩产用地需求"),
    (uscc(2), "financing", "流动资金贷款"),
    (uscc(3), "talent", "人才公寓"),
    ("", "", ""),  # an unused line of the table
]


def test_meeting_with_three_rows_in_one_screen_and_the_board(
    client: Any, w: dict[str, Any], db: Any
) -> None:
    csrf = _as(client, w, "analyst")
    form = client.get("/demand-meetings/new")
    assert html.unescape(form.text).count(
        'class="demand-row"'
    ) == 3 and 'id="add-row"' in html.unescape(form.text)
    resp = client.post("/demand-meetings/new", data=_meeting_form(csrf, ROWS, dispatch="true"))
    assert resp.status_code == 303, html.unescape(resp.text)[:800]
    board = client.get(resp.headers["location"])
    assert html.unescape(board.text).count('<tr data-demand="') == 3
    for words in ("扩产用地需求", "流动资金贷款", "人才公寓", "规划和自然资源局江宁分局", "已交办"):
        assert words in html.unescape(board.text), words
    assert 'id="count-total">3<' in html.unescape(board.text)
    meeting_id = int(resp.headers["location"].rsplit("/", 1)[1])
    ds = db.scalars(select(Demand).where(Demand.meeting_id == meeting_id)).all()
    assert {d.institution_code for d in ds} == {"320115-ZRZY", "320115-JRJ", "320115-RSJ"}
    assert all(d.source == "meeting" and d.response_due for d in ds)
    assert f'data-meeting="{meeting_id}"' in client.get("/demand-meetings").text
    # The XLSX: Chinese headers, one row per demand, deadlines in Beijing time, the codes
    # in their own columns after the words; `headers=codes`: English machine headers.
    x = client.get(f"/demand-meetings/{meeting_id}/export.xlsx")
    assert x.status_code == 200 and "spreadsheetml" in x.headers["content-type"]
    sheet = load_workbook(io.BytesIO(x.content)).worksheets[0]
    values = list(sheet.values)
    assert values[0][0] == "序号" and values[0][6] == "牵头单位"
    assert values[0][16:] == ("诉求编号", "类别代码", "诉求类型代码", "牵头单位代码",
                              "协办单位代码", "状态代码", "督办标记代码", "评价代码")  # fmt: skip
    assert values[1][19] in {d.institution_code for d in ds} and values[1][21] == "dispatched"
    machine = client.get(f"/demand-meetings/{meeting_id}/export.xlsx?headers=codes")
    codes = list(load_workbook(io.BytesIO(machine.content)).worksheets[0].values)
    assert codes[0][:3] == ("no", "enterprise", "uscc") and codes[0][21] == "state"
    assert codes[1:] == values[1:]  # the same cells under the machine headers
    bad = client.get(f"/demand-meetings/{meeting_id}/export.xlsx?headers=both")
    assert bad.status_code == 422 and "headers 参数“both”无效" in bad.text
    assert len(values) == 4 and values[1][3] == "扩产用地需求" and values[1][12] == "已交办"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d 23:59", values[1][10])
    # Request type, and the original and current resolution deadlines (no extension: equal).
    assert values[1][5] == "求助" and values[1][9] == values[1][10] and values[1][11] == 0
    # The enterprise sees the meeting with its own row only; handlers their institution's.
    _as(client, w, "owner")
    own = client.get(f"/demand-meetings/{meeting_id}")
    assert html.unescape(own.text).count(
        '<tr data-demand="'
    ) == 1 and "扩产用地需求" in html.unescape(own.text)
    _as(client, w, "jrj")
    assert client.get(f"/demand-meetings/{meeting_id}").text.count('<tr data-demand="') == 1


def test_a_bad_meeting_row_is_named_and_nothing_is_written(
    client: Any, w: dict[str, Any], db: Any
) -> None:
    csrf = _as(client, w, "analyst")
    rows = [ROWS[0], ("91320115ZZZZZZZZ0Z", "land", "厂房"), (uscc(3), "astrology", "星象")]
    before = (_count(db, Meeting), _count(db, Demand), _count(db, DemandEvent))
    resp = client.post("/demand-meetings/new", data=_meeting_form(csrf, rows))
    assert resp.status_code == 422
    shown = html.unescape(resp.text)
    assert "第 2 行：" in shown and "91320115ZZZZZZZZ0Z" in shown
    assert "第 3 行：" in shown and "astrology" in shown
    assert "第 1 行" not in shown and "row 2" not in shown
    assert html.unescape(resp.text).count('class="demand-row"') == 3 and "星象" in html.unescape(
        resp.text
    )  # kept
    assert (_count(db, Meeting), _count(db, Demand), _count(db, DemandEvent)) == before


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"held_at": "2099-01-01T08:00"}, "held_at", "座谈走访记录只能记录已经举行的会议"),
        ({"held_at": "yesterday"}, "held_at", "“yesterday”不是有效的日期时间"),
        ({"title": ""}, "title", "请填写“会议名称”"),
        (
            {"attendees": "nobody"},
            "attendees",
            "参会企业第 1 行：企业库中没有统一社会信用代码为 nobody 的企业",
        ),
    ],
)
def test_bad_meeting_fields(
    client: Any, w: dict[str, Any], db: Any, extra: dict[str, str], field: str, words: str
) -> None:
    csrf = _as(client, w, "analyst")
    resp = client.post("/demand-meetings/new", data=_meeting_form(csrf, ROWS[:1], **extra))
    assert resp.status_code == 422 and f'id="error-{field}"' in html.unescape(resp.text)
    assert words in html.unescape(resp.text)
    assert _count(db, Meeting) == 0


def test_meeting_pages_need_the_right_role(client: Any, w: dict[str, Any], db: Any) -> None:
    meeting_id, _, _ = meeting_with(db, [(uscc(1), "land", "扩产用地需求")])
    db.commit()
    _as(client, w, "leader")
    assert client.get("/demand-meetings/new").status_code == 403
    assert client.get(f"/demand-meetings/{meeting_id}").status_code == 200
    _as(client, w, "other_firm")  # did not attend
    assert client.get(f"/demand-meetings/{meeting_id}").status_code == 404
    assert client.get(f"/demand-meetings/{meeting_id}/export.xlsx").status_code == 404
    assert client.get("/demand-meetings/424242").status_code == 404


# --------------------------------------------------------------------------- metrics, notices


def test_metrics_show_volume_next_to_rates(client: Any, w: dict[str, Any], db: Any) -> None:
    meeting_with(db, [(uscc(1), "land", "用地"), (uscc(2), "land", "厂房")])
    db.commit()
    _as(client, w, "leader")
    page = client.get("/demand-metrics")
    assert page.status_code == 200 and 'data-institution="320115-ZRZY"' in html.unescape(page.text)
    row = html.unescape(page.text).split('data-institution="320115-ZRZY"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in row and "不排名" in row  # volume 2 < the minimum
    assert "仅诉求量达到 10 件" in html.unescape(page.text)
    bad = client.get("/demand-metrics", params={"start": "June"})
    assert bad.status_code == 422 and "日期“June”无效" in html.unescape(bad.text)
    _as(client, w, "zrzy")
    assert client.get("/demand-metrics").status_code == 403


def test_notices_list_and_mark_read(client: Any, w: dict[str, Any], db: Any, one: int) -> None:
    uid = w["users"]["zrzy"]["id"]
    notices.mark_read(db, uid)  # the dispatch of the fixture's demand
    text = {"subject": "新诉求已交办：扩产用地需求", "body": "请在时限内受理。"}
    n = notices.Notice("legacy", "demand:1", f"/demands/{one}", text)
    notices.notify(db, [uid], n)
    db.commit()
    csrf = _as(client, w, "zrzy")
    page = client.get("/notices")
    assert "新诉求已交办：扩产用地需求" in html.unescape(page.text) and re.search(
        r'id="unread-count"[^>]*>1<', page.text
    )
    resp = client.post("/notices/read", data={"csrf_token": csrf})
    assert resp.status_code == 303
    assert 'id="no-unread"' in client.get("/notices").text
    assert notices.unread_count(db, uid) == 0


# --------------------------------------------------------------------------- admin


def test_admin_institutions(client: Any, w: dict[str, Any], db: Any) -> None:
    csrf = _as(client, w, "admin")
    page = client.get("/admin/institutions")
    assert page.status_code == 200 and 'data-code="320115-ZRZY"' in html.unescape(page.text)
    data = {"csrf_token": csrf, "code": "320115-TEST", "name": "测试中心", "parent": "320115-ZFB",
            "active": "true", "contact_email": "ops@example.cn"}  # fmt: skip
    saved = client.post("/admin/institutions", data=data)
    assert saved.status_code == 303
    assert db.get(Institution, "320115-TEST").parent_code == "320115-ZFB"
    # The page the save leads to says so (its notice once failed on the word it names).
    after = client.get(saved.headers["location"])
    assert after.status_code == 200 and 'id="saved"' in after.text
    edit = client.get("/admin/institutions", params={"edit": "320115-TEST"})
    assert 'value="测试中心"' in html.unescape(edit.text) and "readonly" in html.unescape(edit.text)
    bad = client.post("/admin/institutions", data=data | {"code": "X2", "parent": "NOPE"})
    assert (
        bad.status_code == 422
        and 'id="error-parent"' in html.unescape(bad.text)
        and "“NOPE”" in html.unescape(bad.text)
    )
    loop = client.post(
        "/admin/institutions",
        data=data | {"code": "320115-ZFB", "name": "区政府办", "parent": "320115-TEST"},
    )
    assert loop.status_code == 422 and "会形成循环" in html.unescape(loop.text)
    mail = client.post("/admin/institutions", data=data | {"contact_email": "not-mail"})
    assert mail.status_code == 422 and "“not-mail”不是有效的电子邮箱地址" in html.unescape(
        mail.text
    )
    assert db.get(Institution, "X2") is None
    _as(client, w, "analyst")
    assert client.get("/admin/institutions").status_code == 403


def test_admin_categories(client: Any, w: dict[str, Any], db: Any) -> None:
    csrf = _as(client, w, "admin")
    assert 'data-code="land"' in client.get("/admin/demand-categories").text
    data = {
        "csrf_token": csrf,
        "code": "land",
        "name": "用地与空间",
        "name_en": "Land & space",
        "response_days": "3",
        "resolution_days": "25",
        "active": "true",
        "editing": "true",
    }
    assert client.post("/admin/demand-categories", data=data).status_code == 303
    db.expire_all()
    assert db.get(DemandCategory, "land").resolution_days == 25
    bad = client.post("/admin/demand-categories", data=data | {"response_days": "30"})
    assert bad.status_code == 422 and 'id="error-response_days"' in html.unescape(bad.text)
    assert "响应时限（30）不能长于办结时限（25）" in html.unescape(bad.text)
    nan = client.post("/admin/demand-categories", data=data | {"resolution_days": "many"})
    assert nan.status_code == 422 and "“many”不是整数" in html.unescape(nan.text)
    db.expire_all()
    assert db.get(DemandCategory, "land").response_days == 3


def test_admin_routing(client: Any, w: dict[str, Any], db: Any) -> None:
    csrf = _as(client, w, "admin")
    page = client.get("/admin/routing")
    assert 'data-category="land"' in html.unescape(page.text) and "全部区域" in html.unescape(
        page.text
    )
    data = {"csrf_token": csrf, "category": "land", "district": "320115",
            "lead": "320115-KFQ", "co": "320115-ZRZY, 320115-GXJ"}  # fmt: skip
    assert client.post("/admin/routing", data=data).status_code == 303
    rule = db.scalar(
        select(RoutingRule).where(
            RoutingRule.category_code == "land", RoutingRule.district_key == "320115"
        )
    )
    db.refresh(rule)
    assert rule.lead_code == "320115-KFQ" and rule.co_handlers == ["320115-ZRZY", "320115-GXJ"]
    bad = client.post("/admin/routing", data=data | {"lead": "320115-NOPE"})
    assert bad.status_code == 422 and "“320115-NOPE”不是已有的责任单位" in html.unescape(bad.text)
    gone = client.post(
        "/admin/routing/delete", data={"csrf_token": csrf, "category": "land", "district": "320115"}
    )
    assert gone.status_code == 303
    assert (
        db.scalar(
            select(RoutingRule).where(
                RoutingRule.category_code == "land", RoutingRule.district_key == "320115"
            )
        )
        is None
    )
    again = client.post(
        "/admin/routing/delete", data={"csrf_token": csrf, "category": "land", "district": "320115"}
    )
    assert (
        again.status_code == 404
        and "分派规则表中没有类别 land、区县 320115 这一行" in html.unescape(again.text)
    )


YEAR = """\
year: 2031
source: 国办发明电〔2030〕1号（测试）
holidays:
  - {date: 2031-01-01, name: 元旦}
workdays: []
"""


def test_admin_calendar(client: Any, w: dict[str, Any], db: Any) -> None:
    csrf = _as(client, w, "admin")
    page = client.get("/admin/calendar")
    assert 'data-year="2026"' in html.unescape(page.text) and "官方（内置）" in html.unescape(
        page.text
    )
    resp = client.post("/admin/calendar", data={"csrf_token": csrf, "yaml": YEAR})
    assert resp.status_code == 303
    page = client.get("/admin/calendar")
    assert 'data-year="2031"' in html.unescape(
        page.text
    ) and "国办发明电〔2030〕1号" in html.unescape(page.text)
    # The years between the last notice and 2031 are rows of their own, provisional.
    assert 'data-year="2028" data-kind="provisional"' in page.text
    up = client.post(
        "/admin/calendar",
        data={"csrf_token": csrf},
        files={"file": ("2031.yaml", YEAR.replace("1号", "2号").encode(), "text/yaml")},
    )
    assert up.status_code == 303
    bad = client.post(
        "/admin/calendar",
        data={"csrf_token": csrf, "yaml": YEAR.replace("2031-01-01", "2031-13-01")},
    )
    assert (
        bad.status_code == 422
        and "pasted.yaml 第 4 行" in html.unescape(bad.text)
        and "“2031-13-01”不是日期" in html.unescape(bad.text)
    )
    db.expire_all()
    assert db.get(CalendarYear, 2031).source.endswith("2号（测试）")
    assert client.post("/admin/calendar/2031/delete", data={"csrf_token": csrf}).status_code == 303
    assert 'data-year="2031"' not in client.get("/admin/calendar").text
    missing = client.post("/admin/calendar/2031/delete", data={"csrf_token": csrf})
    assert missing.status_code == 404


def test_posts_without_csrf_are_refused(client: Any, w: dict[str, Any], one: int) -> None:
    _as(client, w, "admin")
    assert client.post("/demands/new", data={"title": "x"}).status_code == 403
    assert client.post(f"/demands/{one}/actions/accept", data={"version": "1"}).status_code == 403
    assert client.post("/admin/routing", data={"category": "land"}).status_code == 403
