"""REST API of tech docking: achievements (list, one, import, matching needs), technology needs
(list, create, one, matching achievements) and docking records (introduce, list, one, steps).

Everyone signed in reads achievements; an enterprise account reads only its own needs and
records; match lists and introductions are for staff; writing needs enterprises:write."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from highland.docking import matching, repository, service
from highland.docking import workflow as flow
from highland.docking.index import Match
from highland.docking.models import Achievement, DockingRecord, TechNeed
from highland.platform.audit.service import Actor
from highland.platform.deps import DB, csrf_protect, require
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.web.api_errors import api_language
from highland.platform.web.i18n import error_text
from highland.platform.web.params import DbInt
from highland.platform.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/docking", tags=["docking"])
READ = Depends(require(Permission.enterprises_read))
WRITE = Depends(require(Permission.enterprises_write))
CSRF = [Depends(csrf_protect)]
PAGE = Query(1, ge=1, le=100_000)
K = Query(10, ge=1, le=50)


def _actor(principal: Principal) -> Actor:
    return Actor(principal.username, principal.role.value, "api")


class AchievementOut(BaseModel):
    """A research achievement."""

    id: int
    ref: str
    title: str
    title_en: str | None
    abstract: str | None
    keywords: list[str]
    field: str
    institution: str
    trl: int
    contact: str | None
    chain_id: int | None
    segment_code: str | None
    illustrative: bool

    @classmethod
    def of(cls, a: Achievement) -> AchievementOut:
        """From the row."""
        return cls.model_validate(a, from_attributes=True)


class NeedOut(BaseModel):
    """An enterprise's technology need."""

    id: int
    enterprise_id: int
    title: str
    description: str | None
    keywords: list[str]
    field: str
    chain_id: int | None
    segment_code: str | None
    illustrative: bool

    @classmethod
    def of(cls, n: TechNeed) -> NeedOut:
        """From the row."""
        return cls.model_validate(n, from_attributes=True)


class WhyOut(BaseModel):
    """One phrase of a match's explanation: a catalogue key, its parameters and its text."""

    key: str
    params: dict[str, Any]


class MatchOut(BaseModel):
    """A match: the other side's id, the score (0–1) and its parts."""

    id: int
    score: float
    text: float
    terms: list[str]
    same_field: bool
    same_segment: bool
    same_chain: bool
    why: list[WhyOut]


def _match(m: Match, field: str) -> MatchOut:
    return MatchOut(id=m.id, score=m.score, text=m.text, terms=m.terms,
                    same_field=m.same_field, same_segment=m.same_segment,
                    same_chain=m.same_chain,
                    why=[WhyOut(**w) for w in matching.explain(m, field).plain()])  # fmt: skip


class AchievementPage(BaseModel):
    """One page of achievements."""

    items: list[AchievementOut]
    page: int
    total: int | None


class NeedPage(BaseModel):
    """One page of needs."""

    items: list[NeedOut]
    page: int
    total: int | None


class NeedIn(BaseModel):
    """A technology need: the enterprise's USCC, what it looks for, the field's code or name,
    and optionally a chain (code) and one of its segments (code)."""

    enterprise: str = Field(max_length=40)
    title: str = Field(max_length=300)
    description: str | None = Field(None, max_length=20_000)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    field: str = Field(max_length=40)
    chain: str | None = Field(None, max_length=32)
    segment: str | None = Field(None, max_length=64)


class RecordOut(BaseModel):
    """A docking record with the steps the caller may take now."""

    id: int
    need_id: int
    achievement_id: int
    enterprise_id: int
    state: str
    open: bool
    version: int
    score: float
    explanation: dict[str, Any]
    note: str | None
    actions: list[str]


class RecordPage(BaseModel):
    """One page of docking records."""

    items: list[RecordOut]
    page: int
    total: int | None


def _record(principal: Principal, r: DockingRecord) -> RecordOut:
    return RecordOut(id=r.id, need_id=r.need_id, achievement_id=r.achievement_id,
                     enterprise_id=r.enterprise_id, state=r.state, open=r.open,
                     version=r.version, score=r.score, explanation=r.explanation or {},
                     note=r.note, actions=flow.allowed_actions(principal, r))  # fmt: skip


class IntroduceIn(BaseModel):
    """Introduce a need to an achievement's owner."""

    need: DbInt
    achievement: DbInt
    note: str | None = Field(None, max_length=2000)


class StepIn(BaseModel):
    """A step on a record: the version you loaded, and a reason to decline."""

    version: DbInt | None = None
    reason: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=2000)


# ---------------------------------------------------------------- achievements


@router.get("/achievements", response_model=AchievementPage)
def achievements(q: str | None = Query(None, max_length=100),
                 field: str | None = Query(None, max_length=20), page: int = PAGE,
                 db: Session = DB, principal: Principal = READ) -> AchievementPage:
    """Achievements, newest first (q: words of the title or the owner)."""
    result = repository.achievements(db, page, q, field)
    return AchievementPage(items=[AchievementOut.of(a) for a in result.items], page=page,
                           total=result.total)  # fmt: skip


@router.get("/achievements/{achievement_id}", response_model=AchievementOut)
def achievement(achievement_id: DbInt, db: Session = DB,
                principal: Principal = READ) -> AchievementOut:
    """One achievement."""
    return AchievementOut.of(repository.get_achievement(db, achievement_id))


@router.get("/achievements/{achievement_id}/matches", response_model=list[MatchOut])
def achievement_matches(achievement_id: DbInt, k: int = K, db: Session = DB,
                        principal: Principal = READ) -> list[MatchOut]:
    """The needs an achievement best meets, with explained scores (staff)."""
    service.staff_only(principal)
    a = repository.get_achievement(db, achievement_id)
    return [_match(m, a.field) for _n, m in matching.for_achievement(db, a, k)]


@router.post("/imports", dependencies=CSRF)
async def import_achievements(request: Request, file: UploadFile = File(...),
                              db: Session = DB, principal: Principal = WRITE) -> Any:
    """Import achievements from CSV or XLSX: all rows or none (422 with the row report)."""
    data, name = await read_upload(request, file)
    report = service.import_achievements(db, _actor(principal), data, name)
    lang = api_language(request)
    body = {"added": report.added, "updated": report.updated, "rows": report.rows,
            "ignored_columns": report.ignored_columns,
            "problems": [{"row": p.row, "column": p.column, "code": p.error.code,
                          "params": p.error.params, "message": error_text(lang, p.error)}
                         for p in report.problems]}  # fmt: skip
    return JSONResponse(body, status_code=422 if report.problems else 200)


# ---------------------------------------------------------------- needs


@router.get("/needs", response_model=NeedPage)
def needs(page: int = PAGE, db: Session = DB, principal: Principal = READ) -> NeedPage:
    """The needs the caller sees (an enterprise: its own), newest first."""
    result = repository.needs(db, principal, page)
    return NeedPage(items=[NeedOut.of(n) for n in result.items], page=page, total=result.total)


@router.post("/needs", response_model=NeedOut, status_code=201, dependencies=CSRF)
def create_need(body: NeedIn, db: Session = DB, principal: Principal = WRITE) -> NeedOut:
    """Record an enterprise's technology need (422 naming the field when one is wrong)."""
    data = service.NeedInput(**body.model_dump())
    return NeedOut.of(service.create_need(db, _actor(principal), data))


@router.get("/needs/{need_id}", response_model=NeedOut)
def need(need_id: DbInt, db: Session = DB, principal: Principal = READ) -> NeedOut:
    """One need (404 when it is not the caller's to see)."""
    return NeedOut.of(repository.get_need(db, principal, need_id))


@router.get("/needs/{need_id}/matches", response_model=list[MatchOut])
def need_matches(need_id: DbInt, k: int = K, db: Session = DB,
                 principal: Principal = READ) -> list[MatchOut]:
    """The achievements that best meet a need, with explained scores (staff)."""
    service.staff_only(principal)
    n = repository.get_need(db, principal, need_id)
    return [_match(m, n.field) for _a, m in matching.for_need(db, n, k)]


# ---------------------------------------------------------------- records


@router.post("/records", response_model=RecordOut, status_code=201, dependencies=CSRF)
def introduce(body: IntroduceIn, db: Session = DB, principal: Principal = WRITE) -> RecordOut:
    """Introduce a need to an achievement's owner (409 when already introduced)."""
    row = flow.introduce(db, principal, _actor(principal), body.need, body.achievement, body.note)
    return _record(principal, row)


@router.get("/records", response_model=RecordPage)
def records(state: str | None = Query(None, max_length=16), page: int = PAGE, db: Session = DB,
            principal: Principal = READ) -> RecordPage:
    """The docking records the caller sees (an enterprise: those of its needs)."""
    result = repository.records(db, principal, page, state)
    return RecordPage(items=[_record(principal, r) for r in result.items], page=page,
                      total=result.total)  # fmt: skip


@router.get("/records/{record_id}", response_model=RecordOut)
def record(record_id: DbInt, db: Session = DB, principal: Principal = READ) -> RecordOut:
    """One docking record."""
    return _record(principal, repository.get_record(db, principal, record_id))


@router.post("/records/{record_id}/actions/{action}", response_model=RecordOut,
             dependencies=CSRF)  # fmt: skip
def act(record_id: DbInt, action: str, body: StepIn, db: Session = DB,
        principal: Principal = WRITE) -> RecordOut:
    """Take a step: meet, agree, or decline (with a reason); out of order: 409."""
    row = flow.act(db, principal, _actor(principal), record_id, action, version=body.version,
                   data=body.model_dump(exclude={"version"}, exclude_none=True))  # fmt: skip
    return _record(principal, row)
