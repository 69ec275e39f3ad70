"""A small world for the innovation tests: two enterprises, one chain with two segments,
institutions with a handler, an event, a platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from highland.chains import service as chains
from highland.chains.loader import read_yaml
from highland.demands.reference.loader import load_reference
from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.innovation.registry import service as registry
from highland.platform.identity.permissions import Principal, Role
from highland.platform.kit.dates import CITY_TZ
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, ent_row, to_csv

CHAIN = """\
id: 1
code: ic
name: 集成电路
name_en: Integrated circuits
segments:
  - {code: design, name: 设计, name_en: Design, stream: upstream}
  - {code: fab, name: 制造, name_en: Fabrication, stream: midstream}
"""
REFERENCE = """\
categories:
  - {code: land, name: 土地, name_en: Land, response_days: 1, resolution_days: 10}
institutions:
  - {code: 320115-KJJ, name: 区科学技术局, name_en: District Science and Technology Bureau}
  - {code: 320115-SWJ, name: 区商务局}
"""
NOW = datetime(2026, 10, 12, 10, 0, tzinfo=CITY_TZ)
ADMIN = Principal(user_id=0, username="tester", role=Role.admin)
LEADER = Principal(user_id=0, username="leader", role=Role.leader)
HANDLER = Principal(user_id=0, username="kjj", role=Role.handler, institution_code="320115-KJJ")
OTHER_HANDLER = Principal(user_id=0, username="swj", role=Role.handler,
                          institution_code="320115-SWJ")  # fmt: skip


@dataclass
class World:
    """The world's keys."""

    a: Enterprise
    b: Enterprise
    event_id: int
    platform_id: int


def project_data(a_uscc: str, **over: Any) -> dict[str, Any]:
    """A valid project signed in Munich."""
    base: dict[str, Any] = {
        "title": "功率半导体联合研发", "title_en": "Power semiconductor R&D", "partner": "博世",
        "partner_en": "Bosch", "partner_country": "DE", "uscc": a_uscc, "chain": "ic",
        "segment": "design", "amount": "1200000.50", "currency": "EUR", "event": "munich-2024",
        "signed_on": "2024-06-12", "owner_institution": "320115-KJJ",
    }  # fmt: skip
    return base | over


def build(sessions: sessionmaker[Session], db: Session) -> World:
    """Enterprises, the chain, the institutions, an event and a platform."""
    run_import(sessions, ACTOR, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER),
               "e.csv")  # fmt: skip
    a, b = db.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    chains.store(db, [read_yaml(CHAIN, "ic.yaml")], ACTOR)
    load_reference(db, ACTOR, REFERENCE, "ref.yaml")
    event = registry.add(db, ACTOR, "events", {
        "code": "munich-2024", "name": "2024 南京赴德国慕尼黑经贸交流", "name_en": "Munich 2024",
        "kind": "delegation", "start_on": "2024-06-10", "end_on": "2024-06-14",
        "place": "慕尼黑", "country": "DE", "countries": "DE",
    }, now=NOW)  # fmt: skip
    platform = registry.add(db, ACTOR, "platforms", {
        "name": "国家第三代半导体技术创新中心（南京）", "kind": "national_tic", "level": "national",
        "host_uscc": a.uscc, "chains": "ic/design;ic", "founded_on": "2021-06-01", "staff": "120",
    }, now=NOW)  # fmt: skip
    db.flush()
    return World(a, b, event.id, platform.id)
