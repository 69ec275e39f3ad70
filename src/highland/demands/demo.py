"""Demo data of the demands module: 江宁区 (320115) institutions and routing, a breakfast
meeting with its demands in every state (some overdue), and a few demands outside it.

Every demand is built through `service.file_demand` and `service.act` with explicit past
times, so its event log is genuine and its projection is what the workflow wrote. Loading is
idempotent: a second call finds the meeting and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from highland.demands import service
from highland.demands.models import Demand, Meeting, MeetingAttendee
from highland.demands.reference import load_reference
from highland.enterprises.models import Enterprise
from highland.platform.audit.service import Actor, Change, record
from highland.platform.calendar import CalendarUnknown, load_calendar
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import InvalidInput
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ

DISTRICT = "320115"
MEETING_TITLE = "江宁区领导与重点工业企业早餐会"
MEETING_PLACE = "江宁区政务服务中心三楼会议室"
MEETING_LEADER = "区长 王某（示例）"
ROUTER = "jn-router"
# (username, role, institution_code or None, display name): created by `highland demo`.
DEMO_USERS: list[tuple[str, str, str | None, str]] = [
    (ROUTER, "analyst", None, "江宁区营商环境办 分派员（示例）"),
    ("jn-leader", "leader", None, "江宁区 区长（示例）"),
    ("jn-zrzy", "handler", "320115-ZRZY", "规划和自然资源江宁分局 经办人（示例）"),
    ("jn-gxj", "handler", "320115-GXJ", "江宁区工信局 经办人（示例）"),
    ("jn-rsj", "handler", "320115-RSJ", "江宁区人社局 经办人（示例）"),
    ("jn-jrj", "handler", "320115-JRJ", "江宁区金融监管局 经办人（示例）"),
]
N_ENTERPRISES = 12


@dataclass(frozen=True)
class Step:
    """One action `days` calendar days after dispatch (or after filing, before dispatch)."""

    action: str
    days: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """One demo demand: who, what, and its path through the workflow."""

    ent: int
    category: str
    title: str
    description: str
    steps: tuple[Step, ...]
    priority: str = "normal"
    tags: tuple[str, ...] = ()
    dispatch: bool = True

    @property
    def request_type(self) -> str | None:
        """The demo's request type (诉求类型) of this demand; None: not given."""
        return REQUEST_TYPE.get(self.title)


def S(action: str, days: float, **data: Any) -> Step:  # noqa: N802 - a short builder
    """A step."""
    return Step(action, days, data)


ACC, START = S("accept", 0.3), S("start", 1)
# 诉求类型 of the demo demands by title (all four types; three are left "not given", as rows
# filed before types existed are).
REQUEST_TYPE = {
    "扩产用地需求约50亩": "help", "申请人才公寓20套": "help", "厂区电力增容至10000千伏安": "help",
    "拓展中东出口订单": "help", "申请3000万元贷款担保": "help", "新产线施工许可办理": "complaint",
    "研发费用加计扣除政策咨询": "consult", "共建校企联合实验室": "suggest",
    "租赁标准厂房5000平方米": "help", "申请参加广交会展位补贴": "consult",
    "开通员工通勤班车": "suggest", "转贷资金续贷支持": "help", "一线技能工招聘200人": "help",
    "厂区污水管网接入": "complaint", "环评批复加快办理": "complaint",
    "高企认定奖励兑现进度": "consult", "申报省级工程技术研究中心": "consult",
    "调整地块容积率": "help", "上市辅导与备案": "consult", "天然气管道接入": "complaint",
    "员工子女入学协调": "help", "消防验收办理": "help", "厂区周边道路交通改善": "suggest",
    "稳岗补贴申领": "consult", "申请知识产权质押贷款": "help", "5G专网覆盖厂区": "suggest",
    "首台套装备认定咨询": "consult",
}  # fmt: skip
PRACTICE_STEPS = ("extend_ask", "extend_ok", "extend_no", "callback")


def _done(days: float, verdict: str, rating: int, comment: str | None = None) -> Step:
    return S("confirm", days, verdict=verdict, rating=rating, comment=comment)


MEETING: tuple[Spec, ...] = (
    Spec(
        0,
        "land",
        "扩产用地需求约50亩",
        "企业新能源汽车零部件二期项目拟扩产，需在开发区内新增工业用地约50亩，希望纳入年度供地计划。",
        (
            S("accept", 1),
            S("start", 2),
            S("extend_ask", 3, add=10, reason="用地指标需报市规划委员会审议，会期在下月初。"),
            S("extend_ok", 4, by="leader"),
        ),
        "high",
        ("扩产", "供地"),
    ),
    Spec(
        1,
        "talent",
        "申请人才公寓20套",
        "新招聘研发人员约40人，申请区人才公寓20套，希望年内入住。",
        (
            ACC,
            START,
            S("resolve", 6, resolution="已协调人才公寓18套，另2套下月交付。"),
            _done(8, "solved", 5, "非常满意，入住很快"),
            S("callback", 9, reached=True, satisfied=True, note="企业表示员工已全部入住。"),
        ),
        tags=("人才公寓",),
    ),
    Spec(
        2,
        "infrastructure",
        "厂区电力增容至10000千伏安",
        "新产线投产后用电负荷增加，需将厂区专变容量由6300千伏安增至10000千伏安。",
        (S("accept", 0.5), START, S("wait", 3, reason="等待企业提供新增用电负荷清单和设备表")),
        "high",
        ("电力增容",),
    ),
    Spec(
        3,
        "market",
        "拓展中东出口订单",
        "受海运费上涨影响出口订单下降，希望对接中东地区采购商，参加境外展会。",
        (S("accept", 1),),
        tags=("出口",),
    ),
    Spec(
        4,
        "financing",
        "申请3000万元贷款担保",
        "企业扩大产能需流动资金3000万元，申请区政府性融资担保支持。",
        (
            ACC,
            START,
            S("resolve", 5, resolution="已对接区融资担保公司，批复担保2000万元。"),
            _done(7, "partly", 3, "担保额度低于需求"),
            S("callback", 8, reached=False, note="财务负责人出差，电话未接通。"),
            S("callback", 9, reached=True, satisfied=False, note="企业仍希望提高担保额度。"),
        ),
        "high",
        ("贷款", "担保"),
    ),
    Spec(
        5,
        "permits",
        "新产线施工许可办理",
        "新建智能化生产线厂房，施工许可材料已齐备，希望加快审批。",
        (
            S("accept", 0.2),
            START,
            S("resolve", 4, resolution="已受理，告知承诺制办理。"),
            _done(6, "not", 2, "许可证仍未发放"),
        ),
        "urgent",
        ("施工许可",),
    ),
    Spec(
        6,
        "policy",
        "研发费用加计扣除政策咨询",
        "咨询2026年研发费用加计扣除比例及预缴申报时可否享受。",
        (),
        tags=("税收",),
    ),
    Spec(
        7,
        "technology",
        "共建校企联合实验室",
        "希望与东南大学共建联合实验室，请协助对接高校资源并申报区级研发平台。",
        (
            S("accept", 1),
            S("start", 2),
            S("extend_ask", 5, add=5, reason="高校合同审批流程较长。"),
            S("extend_no", 6, reason="协议签署可与平台申报并行推进，不予延期。"),
            S("resolve", 10, resolution="已组织与东南大学对接会，实验室协议进入签署阶段。"),
            S("callback", 11, reached=True, satisfied=True),
        ),
    ),
    Spec(
        8,
        "land",
        "租赁标准厂房5000平方米",
        "短期内需租赁标准厂房约5000平方米用于仓储。",
        (S("return", 1, reason="标准厂房租赁由开发区管委会负责，请改派。"),),
    ),
    Spec(
        9,
        "market",
        "申请参加广交会展位补贴",
        "拟参加秋季广交会，申请展位费补贴。",
        (S("transfer", 1, institution="320115-KFQ", reason="展会补贴由开发区统一申报"),),
    ),
    Spec(
        10,
        "other",
        "开通员工通勤班车",
        "厂区距地铁站较远，希望协调开通上下班通勤班车。",
        (S("withdraw", 3, reason="企业已自行租用班车，撤回诉求"),),
    ),
    Spec(
        11,
        "financing",
        "转贷资金续贷支持",
        "一笔1500万元贷款下月到期，申请使用区转贷应急资金。",
        (ACC, START),
        "urgent",
        ("转贷",),
    ),
    Spec(
        0,
        "talent",
        "一线技能工招聘200人",
        "新产线投产需招聘技能工约200人，希望人社部门组织专场招聘会。",
        (
            S("accept", 3),
            S("start", 4),
            S("resolve", 9, resolution="已举办专场招聘会，到岗160人。"),
            _done(11, "solved", 4),
        ),
        tags=("招工",),
    ),
    Spec(
        1,
        "other",
        "厂区污水管网接入",
        "新建厂房污水需接入市政管网，目前管网尚未延伸至厂区。",
        (S("recategorise", 0.5, category="infrastructure"), S("accept", 1), S("start", 2)),
    ),
    Spec(
        2,
        "permits",
        "环评批复加快办理",
        "扩建项目环评报告书已报送，希望加快批复。",
        (
            S("accept", 0.5),
            START,
            S("resolve", 12, resolution="环评批复已于本周印发。"),
            _done(13, "solved", 4),
        ),
    ),
    Spec(
        3,
        "policy",
        "高企认定奖励兑现进度",
        "去年通过高新技术企业认定，区级奖励尚未到账，咨询兑现进度。",
        (
            S("accept", 0.5),
            S("resolve", 2, resolution="奖励已拨付，预计5个工作日到账。"),
            _done(4, "solved", 5),
        ),
    ),
    Spec(
        4,
        "technology",
        "申报省级工程技术研究中心",
        "希望申报省级工程技术研究中心，请指导申报材料。",
        (S("accept", 1),),
    ),
    Spec(
        5,
        "market",
        "对接政府采购项目",
        "企业产品已进入省级创新产品目录，希望对接政府采购需求。",
        (),
        dispatch=False,
    ),
    Spec(
        6,
        "land",
        "调整地块容积率",
        "现有地块容积率1.2，申请提高至2.0以建设多层厂房。",
        (
            S("accept", 1),
            S("start", 2),
            S("wait", 5, reason="等待企业补充建筑方案"),
            S("resume", 9, note="企业已提交建筑方案"),
        ),
        tags=("规划",),
    ),
    Spec(
        7,
        "financing",
        "上市辅导与备案",
        "计划明年申报北交所上市，希望获得上市辅导支持。",
        (
            S("accept", 0.5),
            START,
            S("resolve", 3, resolution="已纳入区上市后备企业库并对接券商。"),
            _done(5, "solved", 5),
        ),
    ),
    Spec(
        8,
        "infrastructure",
        "天然气管道接入",
        "新建锅炉房需接入天然气管道。",
        (
            S("accept", 0.5),
            START,
            S("resolve", 7, resolution="燃气公司已现场勘察。"),
            _done(9, "not", 2, "只勘察未施工"),
            S("start", 10),
            S("resolve", 13, resolution="管道已接通并通气。"),
            _done(15, "solved", 4),
            S("callback", 16, reached=True, satisfied=True, note="企业确认已通气使用。"),
        ),
    ),
    Spec(
        9,
        "talent",
        "员工子女入学协调",
        "引进的3名高级工程师子女需在江宁区就近入学。",
        (
            S("return", 1, reason="子女入学由教育局负责，不属本局职责"),
            S("dispatch", 2, institution="320115-ZFB"),
            S("accept", 2.5),
        ),
    ),
    Spec(
        10,
        "permits",
        "消防验收办理",
        "新厂房已竣工，申请消防验收。",
        (ACC, START, S("extend_ask", 2, add=3, reason="需等待第三方检测报告。")),
        "high",
    ),
    Spec(
        11,
        "other",
        "厂区周边道路交通改善",
        "厂区门口道路高峰拥堵，希望增设信号灯和停车位。",
        (
            S("transfer", 1, institution="320115-CGJ", reason="道路管理属城管局"),
            S("accept", 1.5),
            S("start", 2),
            S("resolve", 6, resolution="已增设信号灯一处。"),
            _done(8, "partly", 3, "停车位尚未解决"),
        ),
    ),
    Spec(
        0,
        "policy",
        "稳岗补贴申领",
        "咨询稳岗补贴申领条件。",
        (S("withdraw", 0.5, reason="已在网上自行申领"),),
        dispatch=False,
    ),
)

# Outside the meeting: (spec, filed by the enterprise?, days before the demo time).
OTHERS: tuple[tuple[Spec, bool, float], ...] = (
    (
        Spec(
            3,
            "financing",
            "申请知识产权质押贷款",
            "企业拥有发明专利12项，希望办理知识产权质押贷款500万元。",
            (S("accept", 0.5),),
        ),
        True,
        6,
    ),
    (Spec(5, "infrastructure", "5G专网覆盖厂区", "智能工厂改造需要5G专网覆盖。", ()), True, 2),
    (
        Spec(7, "talent", "申请博士后工作站", "希望设立博士后科研工作站。", (), dispatch=False),
        True,
        1,
    ),
    (
        Spec(
            9,
            "technology",
            "首台套装备认定咨询",
            "企业研制的数控机床拟申报首台（套）重大技术装备。",
            (
                S("accept", 0.5),
                START,
                S("resolve", 4, resolution="已指导企业准备申报材料。"),
                _done(5, "solved", 5),
            ),
        ),
        False,
        12,
    ),
    (
        Spec(
            11,
            "land",
            "闲置厂房盘活",
            "企业有闲置厂房8000平方米，希望引入合作方盘活。",
            (S("accept", 1),),
        ),
        False,
        9,
    ),
)


def _reference_text() -> str:
    return resources.files("highland.demands").joinpath("demo_reference.yaml").read_text("utf-8")


def demo_time(session: Session, now: datetime) -> datetime:
    """The moment the demo happens 'now': `now` itself. A deadline reaching a year without a
    holiday notice is counted provisionally (docs/calendar.md), never refused; only a moment
    whose deadlines leave the years Highland counts in at all is refused."""
    from highland.platform.config import get_settings

    margin = 20 + int(get_settings().demand_escalate_after_days) + 5
    try:
        load_calendar(session).add_working_days(now, margin)
    except CalendarUnknown as exc:
        raise InvalidInput(
            f"demo: {exc.message}", field="calendar", code=exc.code, params=exc.params
        ) from None
    return now


def _enterprises(session: Session) -> list[Enterprise]:
    manufacturing = case((Enterprise.industry_section == "C", 0), else_=1)
    local = case((Enterprise.district_code == DISTRICT, 0), else_=1)
    ents = list(
        session.scalars(
            select(Enterprise).order_by(local, manufacturing, Enterprise.id).limit(N_ENTERPRISES)
        )
    )
    if not ents:
        raise InvalidInput(
            "demo demands: the registry has no enterprises; load them first", field="enterprises"
        )
    return ents


def _principal(role: Role, name: str, **scope: Any) -> Principal:
    return Principal(user_id=0, username=name, role=role, channel="system", **scope)


def _handler_name(code: str | None) -> str:
    return f"jn-{(code or 'x').split('-')[-1].lower()}"


def _run(
    session: Session,
    spec: Spec,
    ents: list[Enterprise],
    filed: datetime,
    meeting_id: int | None,
    by_owner: bool,
) -> Demand:
    ent = ents[spec.ent % len(ents)]
    router = _principal(Role.analyst, ROUTER)
    router_actor = Actor(ROUTER, Role.analyst.value, "system")
    owner = _principal(Role.enterprise, f"ent-{ent.id}", enterprise_id=ent.id)
    owner_actor = Actor(f"ent-{ent.id}", Role.enterprise.value, "system")
    data = service.DemandInput(
        enterprise=ent.uscc, category=spec.category, title=spec.title,
        description=spec.description, priority=spec.priority, tags=list(spec.tags),
        meeting_id=meeting_id, request_type=spec.request_type,
    )  # fmt: skip
    who, who_actor = (owner, owner_actor) if by_owner else (router, router_actor)
    d = service.file_demand(
        session, who, who_actor, data, source="meeting" if meeting_id else None, now=filed
    )
    base = filed
    if spec.dispatch:
        base = filed + timedelta(hours=20)
        d = service.act(
            session, router, router_actor, d.id, "dispatch", version=d.version, now=base
        )
    for step in spec.steps:
        at = base + timedelta(days=step.days)
        if step.action in PRACTICE_STEPS:
            _practice_step(session, d, step, at)
            continue
        if step.action in ("dispatch", "transfer", "recategorise"):
            p, a = router, router_actor
        elif step.action == "confirm" or (step.action == "withdraw" and by_owner):
            p, a = owner, owner_actor
        elif step.action == "withdraw":
            p, a = router, router_actor
        else:
            name = _handler_name(d.institution_code)
            p = _principal(Role.handler, name, institution_code=d.institution_code)
            a = Actor(name, Role.handler.value, "system")
        d = service.act(session, p, a, d.id, step.action, version=d.version, data=step.data, now=at)
    return d


def _practice_step(session: Session, d: Demand, step: Step, at: datetime) -> None:
    """An extension asked (by the handler) or decided (by the router or the leader), or a
    callback (by the router): the 12345 practice's own services, not workflow actions."""
    from highland.demands import callbacks, extensions

    router = _principal(Role.analyst, ROUTER)
    router_actor = Actor(ROUTER, Role.analyst.value, "system")
    if step.action == "extend_ask":
        name = _handler_name(d.institution_code)
        p = _principal(Role.handler, name, institution_code=d.institution_code)
        a = Actor(name, Role.handler.value, "system")
        extensions.ask(
            session, p, a, d.id, version=d.version, days=step.data["add"],
            reason=step.data["reason"], now=at,
        )  # fmt: skip
    elif step.action in ("extend_ok", "extend_no"):
        pending = extensions.pending_of(session, d.id)
        assert pending is not None
        p, a = router, router_actor
        if step.data.get("by") == "leader":
            p = _principal(Role.leader, "jn-leader")
            a = Actor("jn-leader", Role.leader.value, "system")
        extensions.decide(
            session, p, a, d.id, pending.id, version=d.version,
            approve=step.action == "extend_ok", reason=step.data.get("reason"), now=at,
        )  # fmt: skip
    else:
        callbacks.record_callback(
            session, router, router_actor, d.id, reached=step.data["reached"],
            satisfied=step.data.get("satisfied"), note=step.data.get("note"), now=at,
        )  # fmt: skip


def load_demo_reference(session: Session, actor: Actor) -> dict[str, int]:
    """The demo's institutions, categories and routing alone (idempotent), so that the demo's
    handler accounts can exist before its demands are filed and dispatched to them."""
    begin_write(session)
    return load_reference(session, actor, _reference_text(), "demo_reference.yaml")


def first_owner(session: Session) -> int | None:
    """The enterprise of the first demo demand (the demo's enterprise account belongs to it)."""
    ents = _enterprises(session) if session.scalar(select(Enterprise.id).limit(1)) else []
    return ents[MEETING[0].ent % len(ents)].id if ents else None


def load_demo(session: Session, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Load the demo reference data, meeting and demands; return counts (all zero but
    `already` when the demo meeting is there already)."""
    begin_write(session)
    if session.scalar(select(Meeting.id).where(Meeting.title == MEETING_TITLE)) is not None:
        return {
            "categories": 0,
            "institutions": 0,
            "routing": 0,
            "meetings": 0,
            "demands": 0,
            "already": 1,
        }
    ents = _enterprises(session)
    t0 = demo_time(session, now or utcnow())
    counts = load_reference(session, actor, _reference_text(), "demo_reference.yaml")
    day = (t0 - timedelta(days=21)).astimezone(CITY_TZ).date()
    while day.weekday() >= 5:  # a breakfast meeting on a weekday
        day -= timedelta(days=1)
    held = datetime.combine(day, time(7, 30), CITY_TZ)
    meeting = Meeting(
        kind="meeting", title=MEETING_TITLE, held_at=held, place=MEETING_PLACE,
        leader=MEETING_LEADER, district_code=DISTRICT, created_at=held + timedelta(hours=3),
        created_by=ROUTER,
        notes="示例数据：区领导与重点工业企业早餐会，现场收集企业诉求并当场登记。",
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    used = sorted({ents[s.ent % len(ents)].id for s in MEETING} | {e.id for e in ents})
    for ent_id in used:
        session.add(MeetingAttendee(meeting_id=meeting.id, enterprise_id=ent_id))
    filed = held + timedelta(hours=2)
    demands = [_run(session, s, ents, filed, meeting.id, False) for s in MEETING]
    for spec, by_owner, days_before in OTHERS:
        demands.append(_run(session, spec, ents, t0 - timedelta(days=days_before), None, by_owner))
    record(session, actor, Change("create", "demand_meeting", str(meeting.id), after={
        "title": meeting.title, "held_at": held.isoformat(), "demo": True,
        "demands": [d.id for d in demands]}))  # fmt: skip
    session.flush()
    return {**counts, "meetings": 1, "demands": len(demands), "already": 0}


def state_counts(session: Session) -> dict[str, int]:
    """Demands per state (for the demo command's summary and tests)."""
    return {
        str(state): int(n)
        for state, n in session.execute(
            select(Demand.state, func.count()).group_by(Demand.state)
        ).all()
    }
