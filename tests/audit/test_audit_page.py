"""The audit log complete and readable: a demand's actions through the pages each appear once
with their actor and channel, a CLI change and an import too; the page speaks the reader's
language (readable Chinese, named actions, Beijing time), filters, searches, pages and exports;
a wrong filter says what is wrong on the page (or 422 from the API), never 500."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, select, text

from highland.chains.governance.service import WORKFLOW as TASKS
from highland.chains.governance.sweep import MARKS as TASK_MARKS
from highland.demands.sweep import MARKS as DEMAND_MARKS
from highland.demands.workflow import WORKFLOW as DEMANDS
from highland.docking.workflow import WORKFLOW as DOCKING
from highland.platform.audit.models import AuditEntry
from highland.platform.audit.service import Actor, Change, record, verify
from highland.platform.kit.dates import CITY_TZ, local_minute
from highland.platform.web.i18n import has
from tests.cli import Cli
from tests.demands.test_pages import _act, _as, _demand, _file, w  # noqa: F401 (fixture)
from tests.factories import ENT_HEADER, ent_row, to_csv, uscc


def _entries(db: Any, **where: str) -> list[AuditEntry]:
    db.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(db.scalars(stmt))


def _walk(client: Any, w: dict[str, Any], db: Any) -> int:  # noqa: F811
    """A demand filed by its enterprise, dispatched, accepted, resolved and closed (confirmed
    solved), each through the pages; its id."""
    csrf = _as(client, w, "owner")
    resp = _file(client, csrf, title="南京用地需求")
    assert resp.status_code == 303, html.unescape(resp.text)[:500]
    demand_id = int(re.search(r"/demands/(\d+)", resp.headers["location"]).group(1))  # type: ignore[union-attr]
    csrf = _as(client, w, "analyst")
    assert _act(client, csrf, demand_id, "dispatch", 1).status_code == 303
    csrf = _as(client, w, "zrzy")
    resp = _act(client, csrf, demand_id, "accept", _demand(db, demand_id).version)
    assert resp.status_code == 303
    resp = _act(client, csrf, demand_id, "resolve", _demand(db, demand_id).version,
                resolution="已协调用地指标。")  # fmt: skip
    assert resp.status_code == 303
    csrf = _as(client, w, "owner")
    resp = _act(client, csrf, demand_id, "confirm", _demand(db, demand_id).version,
                verdict="solved", rating="5")  # fmt: skip
    assert resp.status_code == 303
    return demand_id


def test_each_action_of_a_demand_appears_once_with_its_actor_and_channel(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    demand_id = _walk(client, w, db)
    rows = _entries(db, entity="demand", entity_key=str(demand_id))
    assert [(e.action, e.actor, e.actor_role, e.channel) for e in rows] == [
        ("submit", "d_owner", "enterprise", "ui"),
        ("dispatch", "d_analyst", "analyst", "ui"),
        ("accept", "d_zrzy", "handler", "ui"),
        ("resolve", "d_zrzy", "handler", "ui"),
        ("confirm", "d_owner", "enterprise", "ui"),
    ]
    assert rows[-1].before == {"state": "resolved"} and rows[-1].after["state"] == "confirmed"
    assert rows[3].after["resolution"] == "已协调用地指标。"
    assert verify(db).ok


def test_the_page_reads_in_the_readers_language_and_filters_to_one_record(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    demand_id = _walk(client, w, db)
    _as(client, w, "admin")
    page = client.get("/audit", params={"entity": "demand", "key": str(demand_id)})
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "\\u" not in text and "已协调用地指标。" in text  # Chinese as written, not escaped
    for words in ("提交诉求", "派单", "受理", "办结", "确认", "网页", "诉求", "办理结果", "已办复"):
        assert words in text, words
    assert "共 5 条记录" in text
    checked = html.unescape(client.get("/audit", params={"verify": "1"}).text)
    assert "哈希链完整：已校验" in checked
    at = _entries(db, entity="demand", entity_key=str(demand_id))[0].at
    assert local_minute(at) in text  # Beijing time to the minute
    client.cookies.set("highland_lang", "en")
    english = html.unescape(client.get("/audit", params={"entity": "demand",
                                                         "key": str(demand_id)}).text)  # fmt: skip
    for words in ("Filed", "Dispatched", "Accepted", "Resolved", "Confirmed", "Web page"):
        assert words in english, words
    assert "提交诉求" not in english


def test_filters_by_who_what_when_and_free_text(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    demand_id = _walk(client, w, db)
    _as(client, w, "admin")

    def keys(**params: str) -> list[str]:
        resp = client.get("/api/v1/audit", params=params)
        assert resp.status_code == 200, resp.text
        return [f"{i['action']}:{i['actor']}" for i in resp.json()["items"]]

    assert keys(actor="d_zrzy", entity="demand") == ["resolve:d_zrzy", "accept:d_zrzy"]
    assert keys(action="dispatch", key=str(demand_id)) == ["dispatch:d_analyst"]
    assert keys(q="已协调用地", entity="demand") == ["resolve:d_zrzy"]
    assert keys(channel="open311") == []
    at = _entries(db, entity="demand", entity_key=str(demand_id))[0].at
    day = at.astimezone(CITY_TZ).date()
    assert len(keys(entity="demand", key=str(demand_id), **{"from": str(day), "to": str(day)})) == 5
    before = day.replace(year=day.year - 1)
    assert keys(entity="demand", **{"from": str(before), "to": str(before)}) == []
    item = client.get("/api/v1/audit", params={"action": "resolve"}).json()["items"][0]
    assert item["action_name"] == "办结" and "已协调用地指标。" in item["change"]


@pytest.mark.parametrize(
    ("params", "zh", "en"),
    [
        ({"from": "2026-13-01"}, "“2026-13-01”不是日期", "'2026-13-01' is not a date"),
        ({"from": "2026-12-08", "to": "2026-12-01"}, "起始日期 2026-12-08 晚于截止日期 2026-12-01",
         "The start date 2026-12-08 is after the end date 2026-12-01"),
        ({"action": "explode"}, "没有名为“explode”的操作", "There is no action 'explode'"),
        ({"entity": "nothing"}, "没有名为“nothing”的对象类型", "There is no object type 'nothing'"),
        ({"q": "长" * 201}, "搜索最多 200 个字符", "Search: at most 200 characters"),
    ],
)
def test_a_wrong_filter_is_said_on_the_page_with_the_form_kept(
    client: Any, w: dict[str, Any], params: dict[str, str], zh: str, en: str  # noqa: F811
) -> None:
    _as(client, w, "admin")
    page = client.get("/audit", params=params)
    text = html.unescape(page.text)
    assert page.status_code == 200 and 'id="audit-error"' in text and zh in text
    for name in ("from", "to", "q"):
        if name in params:
            assert f'value="{params[name]}"' in text  # the form as typed
    assert client.get("/audit/export.csv", params=params).status_code == 200
    client.cookies.set("highland_lang", "en")
    assert en in html.unescape(client.get("/audit", params=params).text)
    api = client.get("/api/v1/audit", params=params)
    assert api.status_code == 422 and api.json()["code"].startswith("audit.")


def test_export_holds_the_filtered_rows_with_chinese_headers(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    demand_id = _walk(client, w, db)
    _as(client, w, "admin")
    params = {"entity": "demand", "key": str(demand_id)}
    resp = client.get("/audit/export.csv", params=params)
    assert resp.status_code == 200 and "attachment" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "时间（北京时间）", "操作人"]
    assert [r[5] for r in rows[1:]] == ["确认", "办结", "受理", "派单", "提交诉求"]
    assert "已协调用地指标。" in rows[2][8]
    resp = client.get("/audit/export.xlsx", params=params)
    ws = load_workbook(io.BytesIO(resp.content)).active
    values = list(ws.values)
    assert values[0][0] == "序号" and len(values) == 6 and values[1][5] == "确认"


def test_a_demand_page_links_to_its_history(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    demand_id = _walk(client, w, db)
    _as(client, w, "admin")
    page = html.unescape(client.get(f"/demands/{demand_id}").text)
    assert f'href="/audit?entity=demand&key={demand_id}"' in page and "历史记录" in page
    # Who may not read the log sees no link.
    _as(client, w, "owner")
    assert "/audit?" not in html.unescape(client.get(f"/demands/{demand_id}").text)


def test_institutions_and_categories_read_by_their_names(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    """The change column names a demand's institutions and categories in the reader's language
    (a transfer's from/to are institutions, a recategorisation's are categories); a code
    nobody knows stays as written."""
    from highland.demands.models import DemandCategory
    from highland.platform.institutions.models import Institution

    demand_id = _walk(client, w, db)
    key = str(demand_id)
    who = Actor("d_analyst", "analyst", "ui")
    record(db, who, Change("transfer", "demand", key, {"state": "accepted"},
                           {"state": "transferred", "from": "320115-ZRZY", "to": "320115-JRJ",
                            "co": ["320115-GXJ", "NO-SUCH"]}))  # fmt: skip
    record(db, who, Change("recategorise", "demand", key, {"state": "transferred"},
                           {"state": "transferred", "from": "land", "to": "financing",
                            "institution_from": "320115-JRJ",
                            "institution_to": "320115-ZRZY"}))  # fmt: skip
    db.commit()
    inst = {c: db.get(Institution, c) for c in ("320115-ZRZY", "320115-JRJ", "320115-GXJ")}
    cats = {c: db.get(DemandCategory, c) for c in ("land", "financing")}
    _as(client, w, "admin")
    for lang, pick in (("zh-CN", lambda r: r.name), ("en", lambda r: r.name_en or r.name)):
        client.cookies.set("highland_lang", lang)
        page = html.unescape(client.get("/audit", params={"entity": "demand", "key": key}).text)
        change = page[page.index('id="audit-entries"'):]
        for row in (*inst.values(), *cats.values()):
            assert pick(row) in change, (lang, row.code)
        # Codes are shown only where no name is known (and as the record's key, not here).
        for code in (*inst, *cats):
            assert f"<code>{code}</code>" not in change and f">{code}<" not in change, code
        assert "NO-SUCH" in change
        text = present_change(client, key, lang)
        assert pick(cats["land"]) in text and pick(inst["320115-JRJ"]) in text
    client.cookies.delete("highland_lang")


def present_change(client: Any, key: str, lang: str) -> str:
    """The API's readable change lines of a demand's entries."""
    resp = client.get("/api/v1/audit", params={"entity": "demand", "key": key},
                      headers={"accept-language": lang})  # fmt: skip
    assert resp.status_code == 200
    return "\n".join(i["change"] for i in resp.json()["items"])


def test_an_import_and_a_cli_change_appear(cli: Cli, tmp_path: Any) -> None:
    assert cli("init").code == 0
    data = tmp_path / "e.csv"
    data.write_bytes(to_csv([ent_row(1)], ENT_HEADER))
    assert cli("import", "enterprises", str(data)).code == 0
    ran = cli("users", "create", "--username", "firm", "--password", "password-1",
              "--role", "enterprise", "--enterprise", uscc(1))  # fmt: skip
    assert ran.code == 0, ran.output
    assert cli("portraits", "refresh").code == 0
    engine = create_engine(cli.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_key,
                   AuditEntry.channel, AuditEntry.after).order_by(AuditEntry.seq)
        ).all()  # fmt: skip
    engine.dispose()
    got = {(r.action, r.entity, r.channel) for r in rows}
    assert ("import", "enterprises", "cli") in got
    assert ("create", "enterprise", "cli") in got
    assert ("create", "user", "cli") in got
    assert ("refresh", "portraits", "cli") in got
    user = next(r for r in rows if r.entity == "user")
    assert user.entity_key == "firm" and "password-1" not in str(user.after)


def test_secrets_never_reach_the_page_or_the_export(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    change = Change("update", "user", "u1", {"password": "hunter2"}, {"token": "hl_secret"})
    record(db, Actor("root", "admin", "cli"), change)
    db.commit()
    _as(client, w, "admin")
    assert "hunter2" not in client.get("/audit").text
    assert "hl_secret" not in client.get("/audit/export.csv").text


def test_a_broken_chain_is_said_in_the_readers_language(
    client: Any, w: dict[str, Any], db: Any  # noqa: F811
) -> None:
    record(db, Actor("root", "admin", "cli"), Change("update", "user", "u1", None, {"x": 1}))
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("DROP TRIGGER audit_entry_no_update"))
    else:
        db.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    db.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1"))
    db.commit()
    _as(client, w, "admin")
    assert 'id="audit-verify"' not in client.get("/audit").text  # only when asked
    page = html.unescape(client.get("/audit", params={"verify": "1"}).text)
    assert "哈希链被破坏：第 1 条 — 记录内容与其哈希值不符" in page
    client.cookies.set("highland_lang", "en")
    page = html.unescape(client.get("/audit", params={"verify": "1"}).text)
    assert "Hash chain broken at entry 1: the entry's content does not match its hash" in page


def test_every_workflow_action_and_object_has_its_words() -> None:
    for workflow in (DEMANDS, TASKS, DOCKING):
        assert has(f"audit.entity.{workflow.audit_entity}")
        for action in workflow.machine.transitions:
            assert has(f"audit.action.{action}"), action
    for mark in (*DEMAND_MARKS, *TASK_MARKS):
        assert has(f"audit.action.{mark.kind}"), mark.kind
    for action in ("submit", "callback", "extend_ask", "extend_ok", "extend_no", "reclock",
                   "attach", "create", "introduce"):  # fmt: skip
        assert has(f"audit.action.{action}"), action
    for channel in ("ui", "api", "open311", "cli", "import", "job", "system"):
        assert has(f"audit.channel.{channel}"), channel
