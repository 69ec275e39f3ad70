"""A small demands world for tests: reference data, two enterprises, users of every part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.demands import reference, service
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv

REFERENCE = """\
categories:
  - {code: land, name: 土地与空间, name_en: Land and space, response_days: 1, resolution_days: 10}
  - {code: talent, name: 人才, name_en: Talent, response_days: 2, resolution_days: 15}
  - {code: financing, name: 融资, name_en: Financing, response_days: 1, resolution_days: 5}
institutions:
  - {code: T-GOV, name: 测试区政府办, name_en: District office, district: "320115"}
  - code: T-LAND
    name: 测试自然资源分局
    parent: T-GOV
    contact: {name: 王科长, phone: "025-0000", email: land@example.org}
  - {code: T-HR, name: 测试人社局, parent: T-GOV}
  - {code: T-FIN, name: 测试金融局, parent: T-GOV}
  - {code: T-BANK, name: 测试银行, parent: T-FIN}
routing:
  - {category: land, district: "320115", lead: T-LAND, co: [T-GOV]}
  - {category: land, district: "*", lead: T-GOV}
  - {category: talent, district: "*", lead: T-HR}
  - {category: financing, district: "*", lead: T-FIN, co: [T-BANK]}
"""

# A Friday before a make-up working Saturday (2026-02-14), in Nanjing.
T0 = datetime(2026, 2, 13, 10, 0, tzinfo=CITY_TZ)


@dataclass
class World:
    """What the tests act with."""

    a: Enterprise
    b: Enterprise
    admin: Principal
    analyst: Principal
    owner_a: Principal
    owner_b: Principal
    land: Principal  # handler at T-LAND
    hr: Principal  # handler at T-HR
    leader: Principal
    team: Principal


def principal(role: Role, name: str, **kw: Any) -> Principal:
    """A principal without a stored user (services take principals)."""
    return Principal(user_id=0, username=name, role=role, channel="ui", **kw)


def build(db: Session, sessions: sessionmaker[Session]) -> World:
    """Load the reference data and two enterprises (in 320115)."""
    run_import(sessions, ACTOR, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER), "e")
    reference.load_reference(db, ACTOR, REFERENCE, "ref.yaml")
    db.commit()  # a savepoint of the test's transaction: tests may roll back to here
    a, b = db.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    return World(
        a=a,
        b=b,
        admin=principal(Role.admin, "admin"),
        analyst=principal(Role.analyst, "analyst"),
        owner_a=principal(Role.enterprise, "ent_a", enterprise_id=a.id),
        owner_b=principal(Role.enterprise, "ent_b", enterprise_id=b.id),
        land=principal(Role.handler, "land", institution_code="T-LAND"),
        hr=principal(Role.handler, "hr", institution_code="T-HR"),
        leader=principal(Role.leader, "leader"),
        team=principal(Role.chain_team, "team", chain_id=1),
    )


def data(ent: Enterprise, **over: Any) -> service.DemandInput:
    """A valid demand of an enterprise (land category by default)."""
    values: dict[str, Any] = {
        "enterprise": ent.uscc,
        "category": "land",
        "title": "扩产用地指标",
        "description": "二期厂房需新增工业用地约 30 亩，请协调用地指标。",
        "priority": "high",
        "tags": ["早餐会"],
    }
    values.update(over)
    return service.DemandInput(**values)
