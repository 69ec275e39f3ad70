"""The zone list over the API: staff read it through GET /api/v1/regions; admins edit it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from highland.enterprises.schemas import RegionOut
from highland.enterprises.zones import service
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.identity.permissions import Permission, Principal

router = APIRouter(prefix="/api/v1", tags=["enterprises"])
MANAGE = Depends(require(Permission.regions_manage))
CSRF = [Depends(csrf_protect)]


class ZoneIn(BaseModel):
    """A zone to add (code, names, level: national | provincial | municipal or none)."""

    code: str = Field(max_length=40)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    level: str | None = Field(None, max_length=20)


class ZoneEdit(BaseModel):
    """A zone's new names and level (its code stays)."""

    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    level: str | None = Field(None, max_length=20)


class ZoneOut(RegionOut):
    """A zone with the number of enterprises placed in it."""

    enterprises: int


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, principal.channel)


def _out(row: service.ZoneRow) -> ZoneOut:
    return ZoneOut(code=row.code, name_zh=row.name_zh, name_en=row.name_en, kind="zone",
                   level=row.level, enterprises=row.enterprises)  # fmt: skip


def _refresh(request: Request, db: Session) -> None:
    request.app.state.region_names = service.names(db)


def _one(db: Session, code: str) -> ZoneOut:
    return next(_out(r) for r in service.zones(db) if r.code == code)


@router.get("/zones", response_model=list[ZoneOut])
def list_zones(db: Session = DB, principal: Principal = MANAGE) -> list[ZoneOut]:
    """The zone list with how many enterprises each holds."""
    return [_out(r) for r in service.zones(db)]


@router.post("/zones", response_model=ZoneOut, status_code=201, dependencies=CSRF)
def add_zone(
    body: ZoneIn, request: Request, db: Session = DB, principal: Principal = MANAGE
) -> ZoneOut:
    """Add a zone (409 for a code already listed; 422 for a district-shaped code or no name)."""
    city = request.app.state.settings.city_code
    row = service.add_zone(db, _actor(principal), city, body.code, body.name_zh, body.name_en,
                           body.level)  # fmt: skip
    _refresh(request, db)
    return _one(db, row.code)


@router.put("/zones/{zone}", response_model=ZoneOut, dependencies=CSRF)
def edit_zone(
    zone: str, body: ZoneEdit, request: Request, db: Session = DB, principal: Principal = MANAGE
) -> ZoneOut:
    """Rename a zone and set its level."""
    service.edit_zone(db, _actor(principal), zone, body.name_zh, body.name_en, body.level)
    _refresh(request, db)
    return _one(db, zone)


@router.delete("/zones/{zone}", status_code=204, dependencies=CSRF)
def remove_zone(
    zone: str, request: Request, db: Session = DB, principal: Principal = MANAGE
) -> None:
    """Remove a zone (409 while enterprises are placed in it)."""
    service.remove_zone(db, _actor(principal), zone)
    _refresh(request, db)
