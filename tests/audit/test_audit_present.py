"""An audit entry as people read it: names from the catalogue, values decoded (Chinese as
written, moments in Beijing time, booleans in words, nested records field by field), and an
unknown action, object or field shown by its code rather than hidden."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from highland.demands.workflow import WORKFLOW  # noqa: F401 (declares the demand's state words)
from highland.platform.audit.models import AuditEntry
from highland.platform.audit.present import FilterForm, change_text, show
from highland.platform.errors import InvalidInput


def _entry(**kw: object) -> AuditEntry:
    base = {"seq": 7, "at": datetime(2026, 12, 7, 6, 24, tzinfo=UTC), "actor": "d_zrzy",
            "actor_role": "handler", "channel": "ui", "action": "resolve", "entity": "demand",
            "entity_key": "12", "before": {"state": "accepted"},
            "after": {"state": "resolved", "resolution": "南京：已协调用地指标。",
                      "deadlines": {"resolution_due": "2027-01-06T15:59:59+00:00"},
                      "on_behalf": True, "mystery": "x"},
            "summary": None, "hash": "h" * 64, "prev_hash": "0" * 64}  # fmt: skip
    return AuditEntry(**{**base, **kw})


def test_an_entry_reads_in_chinese_and_english() -> None:
    zh = show("zh-CN", _entry())
    assert (zh.at, zh.role, zh.channel, zh.action, zh.entity) == (
        "2026-12-07 14:24", "责任单位", "网页", "办结", "诉求")
    fields = {f.name: f for f in zh.fields}
    assert (fields["state"].label, fields["state"].before, fields["state"].after) == (
        "状态", "已受理", "已办复")
    assert fields["resolution"].after == "南京：已协调用地指标。"
    assert fields["deadlines"].after == "办结期限: 2027-01-06 23:59"
    assert fields["on_behalf"].after == "是"
    assert fields["mystery"].label is None  # shown by its code
    assert "状态: 已受理 → 已办复" in change_text(zh)
    en = show("en", _entry())
    assert (en.action, en.entity, en.channel) == ("Resolved", "Demand", "Web page")
    assert {f.name: f.after for f in en.fields}["on_behalf"] == "yes"


def test_an_unknown_action_is_shown_by_its_code() -> None:
    s = show("zh-CN", _entry(action="teleport", entity="wormhole"))
    assert (s.action, s.action_named, s.entity, s.entity_named) == (
        "teleport", False, "wormhole", False)


def test_the_filter_takes_beijing_days_and_refuses_clearly() -> None:
    f = FilterForm(date_from="2026-12-07", date_to="2026-12-07").parse()
    assert f.start == datetime(2026, 12, 6, 16, tzinfo=UTC)
    assert f.end == datetime(2026, 12, 7, 16, tzinfo=UTC)
    for form, code in ((FilterForm(date_to="12/07/2026"), "audit.bad_date"),
                       (FilterForm(date_from="2026-12-08", date_to="2026-12-07"), "audit.range"),
                       (FilterForm(channel="pigeon"), "audit.unknown_channel"),
                       (FilterForm(actor="x" * 201), "audit.too_long")):  # fmt: skip
        with pytest.raises(InvalidInput) as caught:
            form.parse()
        assert caught.value.code == code
