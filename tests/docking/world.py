"""A small docking world: chain 1 (software, segments basic/os/db/apps/services), enterprises A
and B, users of every role (the enterprise user owns B), a few achievements and a need each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from highland.chains import service as chains
from highland.chains.loader import read_yaml
from highland.docking import repository, service
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from tests.chains.chain_files import SMALL
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv

ROLES = ("admin", "analyst", "chain_head", "chain_team", "leader", "handler", "enterprise")
HEADER = "成果编号,成果名称,摘要,关键词,技术领域,完成单位,技术成熟度,联系方式,产业链,环节\n"
ROWS = (
    "NJU-001,分布式数据库的事务一致性引擎,面向金融核心系统的分布式数据库事务引擎，支持强一致,"
    "分布式数据库；事务,software,南京大学,6,025-1,software,db\n"
    "SEU-002,嵌入式实时操作系统内核,面向工业控制的实时操作系统内核与调度器,实时操作系统；调度,"
    "软件和信息服务,东南大学,5,025-2,software,os\n"
    "NUAA-003,锂离子电池硅碳负极材料,高容量硅碳负极材料的制备与产业化,硅碳负极；锂离子电池,"
    "新材料,南京航空航天大学,4,025-3,,\n"
)


def good_csv() -> bytes:
    """Three good achievements (CSV, Chinese headers)."""
    return (HEADER + ROWS).encode()


def make_world(db: Any, sessions: Any) -> dict[str, Any]:
    """Chain 1, enterprises A and B, a user of every role, three achievements, a need each."""
    chains.store(db, [read_yaml(SMALL, "s.yaml")], ACTOR)
    run_import(sessions, ACTOR, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER),
               "e.csv")  # fmt: skip
    a, b = db.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    users: dict[str, dict[str, str]] = {}
    for role in ROLES:
        extra: dict[str, Any] = {}
        if role == "enterprise":
            extra["enterprise_id"] = b.id
        elif role in ("chain_head", "chain_team"):
            extra["chain_id"] = 1
        elif role == "handler":
            extra["institution_code"] = "320115-ZRZY"
        user = identity.create_user(db, ACTOR, username=f"d_{role}", password="password-1",
                                    role=role, **extra)  # fmt: skip
        cookie, csrf = identity.open_session(db, user, 1)
        token = identity.create_token(db, ACTOR, user.username)
        users[role] = {"cookie": cookie, "csrf": csrf, "token": token}
    report = service.import_achievements(db, ACTOR, good_csv(), "a.csv")
    assert not report.problems, report.problems
    need_a = service.create_need(db, ACTOR, service.NeedInput(
        enterprise=a.uscc, title="金融交易系统需要分布式数据库",
        description="核心账务要求强一致事务",
        keywords=["分布式数据库"], field="software", chain="software", segment="db"))  # fmt: skip
    need_b = service.create_need(db, ACTOR, service.NeedInput(
        enterprise=b.uscc, title="动力电池负极材料升级", description="提高锂电池能量密度",
        keywords="硅碳负极", field="materials"))  # fmt: skip
    db.commit()
    ach = {r: i for r, i in repository.ids_by_ref(db, ["NJU-001", "SEU-002", "NUAA-003"]).items()}
    return {"a": a.uscc, "b": b.uscc, "users": users, "need_a": need_a.id, "need_b": need_b.id,
            "nju": ach["NJU-001"], "seu": ach["SEU-002"], "nuaa": ach["NUAA-003"]}


def bearer(world: dict[str, Any], role: str) -> dict[str, str]:
    """The API header of a role's user."""
    return {"authorization": f"Bearer {world['users'][role]['token']}"}


def browse(client: Any, world: dict[str, Any], role: str) -> dict[str, str]:
    """Sign the test client in as a role's user (cookie); the form's csrf token."""
    client.cookies.clear()
    client.cookies.set("highland_session", world["users"][role]["cookie"])
    return {"csrf_token": world["users"][role]["csrf"]}
