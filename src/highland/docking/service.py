"""The docking registries: achievements imported from XLSX/CSV with a row report (all rows or
none), needs entered by staff, and the checks both share (field, TRL, chain and segment).

Needs are a record of this domain, not demands of a category "技术需求": a demand is routed to
an institution that owes an answer within working days; a technology need is a standing wish
that is matched to achievements and introduced, with no institution and no clock
(docs/docking.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from highland.chains import service as chains
from highland.docking import repository
from highland.docking.models import TechNeed
from highland.docking.scope import is_staff
from highland.docking.text import document, split_keywords
from highland.docking.vocab import FIELDS, TRL_MAX, TRL_MIN
from highland.enterprises import public as enterprises
from highland.platform.audit.service import Actor, Change, record, record_many
from highland.platform.db import begin_write, utcnow
from highland.platform.errors import Forbidden, HighlandError, InvalidInput
from highland.platform.identity.permissions import Principal
from highland.platform.kit import inert
from highland.platform.kit.tables import ROW, read_table
from highland.platform.web.i18n import translate

COLUMNS = ("ach_ref", "ach_title", "ach_title_en", "ach_abstract", "ach_keywords", "ach_field",
           "ach_institution", "ach_trl", "ach_contact", "ach_chain", "ach_segment")  # fmt: skip
REQUIRED = ("ach_ref", "ach_title", "ach_field", "ach_institution", "ach_trl")
ALIASES = {
    "ref": "ach_ref", "编号": "ach_ref", "成果编号": "ach_ref",
    "title": "ach_title", "成果名称": "ach_title", "名称": "ach_title",
    "title_en": "ach_title_en", "英文名称": "ach_title_en",
    "abstract": "ach_abstract", "摘要": "ach_abstract", "成果简介": "ach_abstract",
    "keywords": "ach_keywords", "关键词": "ach_keywords",
    "field": "ach_field", "领域": "ach_field", "技术领域": "ach_field",
    "institution": "ach_institution", "所属单位": "ach_institution", "完成单位": "ach_institution",
    "trl": "ach_trl", "技术成熟度": "ach_trl", "成熟度": "ach_trl",
    "contact": "ach_contact", "联系方式": "ach_contact", "联系人": "ach_contact",
    "chain": "ach_chain", "产业链": "ach_chain",
    "segment": "ach_segment", "环节": "ach_segment", "产业链环节": "ach_segment",
}  # fmt: skip
LIMITS = {"ach_ref": 40, "ach_title": 300, "ach_title_en": 300, "ach_abstract": 20_000,
          "ach_keywords": 1000, "ach_institution": 200, "ach_contact": 200}  # fmt: skip
MAX_KEYWORDS = 20


def normalize(uscc: str | None) -> str:
    """A USCC as the registry keeps it (spaces aside, upper case)."""
    return (uscc or "").strip().upper()


def _field_names() -> dict[str, str]:
    """Every way a field may be written (code, Chinese name, English name) → its code."""
    out: dict[str, str] = {}
    for code in FIELDS:
        out[code] = code
        for lang in ("zh", "en"):
            out[translate(lang, f"docking.field.{code}").strip().lower()] = code
    return out


def check_field(value: str | None, where: str) -> str:
    """A field's code from how it is written, or InvalidInput."""
    text = (value or "").strip()
    code = _field_names().get(text.lower())
    if code is None:
        raise InvalidInput(f"{where}: '{text}' is not a field; fields are: {', '.join(FIELDS)}",
                           field=where, code="docking.unknown_field", params={"value": text})
    return code


def check_trl(value: Any, where: str) -> int:
    """A technology readiness level 1–9, or InvalidInput."""
    text = str(value if value is not None else "").strip()
    n = int(text) if text.isdigit() else None
    if n is None or not TRL_MIN <= n <= TRL_MAX:
        raise InvalidInput(f"{where}: '{text}' is not a readiness level {TRL_MIN}–{TRL_MAX}",
                           field=where, code="docking.trl_range",
                           params={"value": text, "min": TRL_MIN, "max": TRL_MAX})  # fmt: skip
    return n


@dataclass
class ChainBook:
    """The chains by code and id, with their current segments' codes (read once per call)."""

    by_code: dict[str, int] = field(default_factory=dict)
    segments: dict[int, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session) -> ChainBook:
        """Every chain not retired and its current segments."""
        book = cls()
        for c in chains.list_chains(session):
            book.by_code[c.code.lower()] = c.id
            book.by_code[str(c.id)] = c.id
            if c.version is not None:
                version = chains.get_version(session, c.id)
                book.segments[c.id] = {s.code for s in chains.segments(session, version.id)}
        return book

    def check(
        self, chain: str | None, segment: str | None, where: str
    ) -> tuple[int | None, str | None]:
        """(chain id, segment code) from how they are written; both may be empty."""
        chain_text, seg_text = (chain or "").strip(), (segment or "").strip()
        if not chain_text:
            if seg_text:
                raise InvalidInput(f"{where}: a segment needs its chain", field=f"{where}.chain",
                                   code="docking.segment_without_chain",
                                   params={"segment": seg_text})  # fmt: skip
            return None, None
        chain_id = self.by_code.get(chain_text.lower())
        if chain_id is None:
            raise InvalidInput(f"{where}.chain: '{chain_text}' is not a chain",
                               field=f"{where}.chain", code="docking.unknown_chain",
                               params={"value": chain_text})  # fmt: skip
        if seg_text and seg_text not in self.segments.get(chain_id, set()):
            raise InvalidInput(f"{where}.segment: chain '{chain_text}' has no segment '{seg_text}'",
                               field=f"{where}.segment", code="docking.unknown_segment",
                               params={"chain": chain_text, "value": seg_text})  # fmt: skip
        return chain_id, seg_text or None


def _text(value: str | None, where: str, limit: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    inert.check_text(text, where, "text.this_field", multiline=limit > 300, visible=required)
    if required and not text:
        raise InvalidInput(f"{where}: is required", field=where, code="docking.required",
                           params={"field": f"@import.column.{where.rsplit('.', 1)[-1]}"})
    if len(text) > limit:
        raise InvalidInput(f"{where}: at most {limit} characters (got {len(text)})", field=where,
                           code="docking.too_long", params={"limit": limit, "got": len(text)})
    return text or None


def _keywords(value: str | list[str] | None, where: str) -> list[str]:
    words = value if isinstance(value, list) else split_keywords(value)
    words = [w.strip()[:60] for w in words if w and w.strip()]
    if len(words) > MAX_KEYWORDS:
        raise InvalidInput(f"{where}: at most {MAX_KEYWORDS} keywords (got {len(words)})",
                           field=where, code="docking.too_many_keywords",
                           params={"limit": MAX_KEYWORDS, "got": len(words)})  # fmt: skip
    return words


# ---------------------------------------------------------------- achievements import


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row of an uploaded sheet (row = the number a person sees)."""

    row: int
    column: str
    error: HighlandError


@dataclass
class ImportReport:
    """What an import did: rows added and updated, or the problems (then nothing is written)."""

    added: int = 0
    updated: int = 0
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _check_row(row: dict[str, Any], book: ChainBook) -> tuple[dict[str, Any], list[RowProblem]]:
    n = int(row[ROW])
    out: dict[str, Any] = {}
    problems: list[RowProblem] = []

    def take(column: str, fn: Any) -> None:
        try:
            out[column] = fn()
        except HighlandError as exc:
            problems.append(RowProblem(n, column, exc))

    for col, limit in LIMITS.items():
        take(col, lambda c=col, lim=limit: _text(row.get(c), c, lim, required=c in REQUIRED))
    take("ach_field", lambda: check_field(row.get("ach_field"), "ach_field"))
    take("ach_trl", lambda: check_trl(row.get("ach_trl"), "ach_trl"))
    take("ach_kw", lambda: _keywords(row.get("ach_keywords"), "ach_keywords"))
    take("ach_chain", lambda: book.check(row.get("ach_chain"), row.get("ach_segment"), "ach"))
    return out, problems


def import_achievements(
    session: Session, actor: Actor, data: bytes, filename: str, *, illustrative: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Read achievements from a CSV or XLSX file and add them (or update those whose ref is
    known). Any bad row: nothing is written and the report lists every problem."""
    now = now or utcnow()
    table = read_table(data, filename, COLUMNS, REQUIRED, ALIASES)
    return import_frame(session, actor, table.frame, illustrative=illustrative, now=now,
                        ignored=table.ignored_columns)  # fmt: skip


def import_frame(
    session: Session, actor: Actor, frame: pl.DataFrame, *, illustrative: bool = False,
    now: datetime | None = None, ignored: list[str] | None = None,
) -> ImportReport:
    """Import achievements from a table with the canonical columns (see import_achievements)."""
    now = now or utcnow()
    begin_write(session)
    book = ChainBook.read(session)
    report = ImportReport(rows=frame.height, ignored_columns=list(ignored or []))
    rows: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    for raw in frame.iter_rows(named=True):
        checked, problems = _check_row(raw, book)
        ref = checked.get("ach_ref")
        if ref and ref in first:
            problems.append(RowProblem(int(raw[ROW]), "ach_ref", InvalidInput(
                f"ref '{ref}' is also on row {first[ref]}", field="ach_ref",
                code="docking.duplicate_ref", params={"ref": ref, "first": first[ref]})))
        elif ref:
            first[ref] = int(raw[ROW])
        report.problems.extend(problems)
        if not problems:
            chain_id, segment = checked["ach_chain"]
            rows.append({
                "ref": ref, "title": checked["ach_title"], "title_en": checked["ach_title_en"],
                "abstract": checked["ach_abstract"], "keywords": checked["ach_kw"],
                "field": checked["ach_field"], "institution": checked["ach_institution"],
                "trl": checked["ach_trl"], "contact": checked["ach_contact"],
                "chain_id": chain_id, "segment_code": segment, "illustrative": illustrative,
                "terms": document(checked["ach_title"], checked["ach_abstract"], checked["ach_kw"]),
                "created_by": actor.name, "updated_at": now,
            })  # fmt: skip
    if report.problems or not rows:
        if not rows and not report.problems:
            raise InvalidInput("the file has no rows", field="file", code="docking.no_rows")
        return report
    known = repository.ids_by_ref(session, [r["ref"] for r in rows])
    new = [r for r in rows if r["ref"] not in known]
    old = [{**r, "id": known[r["ref"]]} for r in rows if r["ref"] in known]
    for r in old:
        r.pop("created_by")
    repository.insert_achievements(session, new)
    repository.update_achievements(session, old)
    repository.bump(session, repository.GEN_ACHIEVEMENTS)
    report.added, report.updated = len(new), len(old)
    record(session, actor, Change("import", "docking_achievement", None, None, {
        "added": len(new), "updated": len(old), "refs": [r["ref"] for r in rows[:50]],
    }))  # fmt: skip
    session.flush()
    return report


# ---------------------------------------------------------------- needs


@dataclass
class NeedInput:
    """A technology need as a form or an API body gives it."""

    enterprise: str  # USCC
    title: str
    description: str | None = None
    keywords: str | list[str] | None = None
    field: str | None = None
    chain: str | None = None
    segment: str | None = None


def need_values(session: Session, data: NeedInput) -> dict[str, Any]:
    """A need's columns from its input, every field checked (nothing written)."""
    uscc = normalize(data.enterprise or "")
    ref = enterprises.ref_by_uscc(session, uscc) if uscc else None
    if ref is None:
        raise InvalidInput(f"enterprise: no enterprise has the USCC '{data.enterprise}'",
                           field="enterprise", code="docking.unknown_uscc",
                           params={"value": (data.enterprise or "").strip()})  # fmt: skip
    chain_id, segment = ChainBook.read(session).check(data.chain, data.segment, "need")
    title = _text(data.title, "need_title", 300, required=True) or ""
    description = _text(data.description, "need_description", 20_000)
    keywords = _keywords(data.keywords, "keywords")
    return {
        "enterprise_id": ref.id, "title": title, "description": description,
        "keywords": keywords, "field": check_field(data.field, "field"),
        "chain_id": chain_id, "segment_code": segment,
        "terms": document(title, description, keywords),
    }  # fmt: skip


def create_need(
    session: Session, actor: Actor, data: NeedInput, *, illustrative: bool = False,
    now: datetime | None = None,
) -> TechNeed:
    """Record an enterprise's technology need (any bad field: nothing written)."""
    now = now or utcnow()
    begin_write(session)
    values = need_values(session, data)
    need = TechNeed(**values, illustrative=illustrative, created_by=actor.name, updated_at=now)
    session.add(need)
    session.flush()
    repository.bump(session, repository.GEN_NEEDS)
    record(session, actor, Change("create", "docking_need", str(need.id), None, {
        **{k: v for k, v in values.items() if k != "terms"},
        "uscc": normalize(data.enterprise)}))  # fmt: skip
    return need


def create_needs(
    session: Session, actor: Actor, items: list[NeedInput], *, illustrative: bool = False,
    now: datetime | None = None,
) -> list[TechNeed]:
    """Record many needs at once (the demo): all or none."""
    now = now or utcnow()
    begin_write(session)
    book = ChainBook.read(session)
    made = []
    for i, data in enumerate(items):
        values = need_values(session, data) if i == 0 else _fast_values(session, data, book)
        made.append(TechNeed(**values, illustrative=illustrative, created_by=actor.name,
                             updated_at=now))  # fmt: skip
    session.add_all(made)
    session.flush()
    repository.bump(session, repository.GEN_NEEDS)
    record_many(session, actor, [Change("create", "docking_need", str(n.id), None,
                                        {"title": n.title}) for n in made])  # fmt: skip
    return made


def _fast_values(session: Session, data: NeedInput, book: ChainBook) -> dict[str, Any]:
    ref = enterprises.ref_by_uscc(session, normalize(data.enterprise))
    if ref is None:
        raise InvalidInput(f"enterprise: no enterprise has the USCC '{data.enterprise}'",
                           field="enterprise", code="docking.unknown_uscc",
                           params={"value": data.enterprise})  # fmt: skip
    chain_id, segment = book.check(data.chain, data.segment, "need")
    keywords = _keywords(data.keywords, "keywords")
    return {"enterprise_id": ref.id, "title": data.title, "description": data.description,
            "keywords": keywords, "field": check_field(data.field, "field"),
            "chain_id": chain_id, "segment_code": segment,
            "terms": document(data.title, data.description, keywords)}  # fmt: skip


def staff_only(principal: Principal) -> None:
    """Refuse an enterprise account: match lists and introductions are staff's work."""
    if not is_staff(principal):
        raise Forbidden("match lists are for staff", code="docking.staff_only")
