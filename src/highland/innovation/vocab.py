"""The innovation domain's codes: kinds of platforms and events, levels, project stages, and the
columns of each register (with the other headers people write for them)."""

from __future__ import annotations

PLATFORM_KINDS = ("national_tic", "provincial_tic", "national_lab", "key_lab", "new_rd",
                  "engineering_centre", "other")  # fmt: skip
LEVELS = ("national", "provincial", "municipal")
EVENT_KINDS = ("innovation_week", "forum", "exhibition", "delegation")
STAGES = ("signed", "registered", "started", "operating", "stalled", "cancelled")
KINDS = ("platforms", "centres", "events", "projects")

# Each register's columns in order (the export's and the import's), and which are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    "platforms": ("name", "name_en", "kind", "level", "host_name", "host_uscc", "fields",
                  "chains", "founded_on", "staff", "illustrative"),
    "centres": ("name", "name_en", "country", "city", "partner", "since", "contact", "chains",
                "illustrative"),
    "events": ("code", "name", "name_en", "kind", "start_on", "end_on", "place", "country",
               "forums", "exhibits", "attendance", "countries", "illustrative"),
    "projects": ("title", "title_en", "partner", "partner_en", "partner_country", "uscc",
                 "platform", "chain", "segment", "amount", "currency", "event", "signed_on",
                 "owner_institution", "illustrative"),
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "platforms": ("name", "kind", "level"),
    "centres": ("name", "country", "city"),
    "events": ("code", "name", "kind", "start_on", "end_on", "country"),
    "projects": ("title", "partner", "partner_country", "signed_on"),
}
# The Chinese headers of the exports, read back by the import too.
HEADERS_ZH: dict[str, str] = {
    "name": "名称", "name_en": "英文名称", "kind": "类型", "level": "级别",
    "host_name": "依托单位", "host_uscc": "依托企业统一社会信用代码", "fields": "领域",
    "chains": "服务产业链", "founded_on": "成立日期", "staff": "人员数",
    "illustrative": "示例", "country": "国家代码", "city": "城市", "partner": "合作方",
    "since": "设立日期", "contact": "联系方式", "code": "编号", "start_on": "开始日期",
    "end_on": "结束日期", "place": "地点", "forums": "论坛数", "exhibits": "展品数",
    "attendance": "参与人数", "countries": "参与国家", "title": "项目名称",
    "title_en": "项目英文名称", "partner_en": "合作方英文名称", "partner_country": "合作方国家代码",
    "uscc": "统一社会信用代码", "platform": "创新平台", "chain": "产业链代码",
    "segment": "环节代码", "amount": "金额", "currency": "币种", "event": "签约活动编号",
    "signed_on": "签约日期", "owner_institution": "跟进责任单位代码", "stage": "阶段",
    "registered_on": "注册日期", "started_on": "开工日期", "operating_on": "运营日期",
    "stalled_on": "停滞日期", "next_review": "下次跟进日期", "reason": "原因",
}  # fmt: skip
ALIASES = {v: k for k, v in HEADERS_ZH.items()}
