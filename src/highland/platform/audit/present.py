"""The audit log as people read it: the filter read from a form or a query (refused clearly
when wrong), each entry in the reader's language (actions, objects, channels and fields named
from the catalogue, values decoded, codes of institutions and categories by their names, Beijing
time to the minute) and the CSV/XLSX export of the filtered entries."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from highland.platform.audit import repository as repo
from highland.platform.audit.models import AuditEntry
from highland.platform.errors import InvalidInput
from highland.platform.institutions import service as institutions
from highland.platform.kit import inert
from highland.platform.kit.dates import CITY_TZ, local_minute
from highland.platform.web.i18n import catalog, has, local_name, translate

ACTION = "audit.action."
ENTITY = "audit.entity."
CHANNEL = "audit.channel."
FIELD = "audit.field."
MAX_TEXT = 200  # characters of a free-text filter
XLSX_MAX_ROWS = 1_048_575
# The state words of each workflow's rows (entity → catalogue key pattern), told by the
# workflow engine when a workflow is declared (the kernel knows no domain).
_STATE_KEYS: dict[str, str] = {}
# An ISO moment with its offset, as the log stores times (shown in Beijing time).
_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")


def register_states(entity: str, state_key: str) -> None:
    """Name the states of a workflow's rows on the audit page (`state_key` as "x.state.{}")."""
    _STATE_KEYS[entity] = state_key


# ------------------------------------------------------------------ codes by their names

# The names of the codes the log's values hold (an institution, a demand category), by kind:
# a function giving every code's (Chinese name, English name or None). The kernel lends the
# institutions'; a domain lends its own (highland/wiring.py: the demands' categories).
NameTable = Callable[[Session], Mapping[str, tuple[str, str | None]]]
_NAME_TABLES: dict[str, NameTable] = {}
# Which values are codes of which kind: (entity, action or "" for every action, field) → kind.
_CODED: dict[tuple[str, str, str], str] = {}


def register_code_names(kind: str, table: NameTable) -> None:
    """Let the audit page name the codes of a kind (`table`: every code's two names)."""
    _NAME_TABLES[kind] = table


def register_coded_fields(kind: str, entity: str, fields: Iterable[str], action: str = "") -> None:
    """Say that these fields of an entity's entries (of one action, or of all) hold codes of a
    kind: the page shows the code's name in the reader's language."""
    for name in fields:
        _CODED[(entity, action, name)] = kind


register_code_names("institution", institutions.names)


class Names:
    """The code names one page or export reads: each kind's table loaded once, when first
    needed (institutions and categories are tens of rows, not the log's millions)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._loaded: dict[str, Mapping[str, tuple[str, str | None]]] = {}

    def name(self, lang: str, e: AuditEntry, field: str, code: str) -> str | None:
        """The name of a field's code in the reader's language; None: not a code, or unknown."""
        kind = _CODED.get((e.entity, e.action, field)) or _CODED.get((e.entity, "", field))
        if kind is None or kind not in _NAME_TABLES:
            return None
        table = self._loaded.get(kind)
        if table is None:
            table = self._loaded[kind] = _NAME_TABLES[kind](self._session)
        row = table.get(code)
        return local_name(lang, row[0], row[1]) if row else None


def codes(prefix: str) -> list[str]:
    """The codes the catalogue names under a prefix (the actions, objects, channels known)."""
    return sorted(k[len(prefix) :] for k in catalog() if k.startswith(prefix))


def named(lang: str, prefix: str, code: str | None) -> str | None:
    """A code's words in the reader's language; None when the catalogue has none."""
    if code and has(prefix + code):
        return translate(lang, prefix + code)
    return None


def choices(lang: str, prefix: str) -> list[tuple[str, str]]:
    """(code, words) of every known code, ordered by the words (the filter's lists)."""
    return sorted(((c, translate(lang, prefix + c)) for c in codes(prefix)), key=lambda p: p[1])


# ------------------------------------------------------------------ the filter


def _text(name: str, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_TEXT:
        raise InvalidInput(
            f"{name}: at most {MAX_TEXT} characters", field=name, code="audit.too_long",
            params={"field": "@audit.filter." + name, "limit": MAX_TEXT},
        )  # fmt: skip
    return value


def _code(name: str, prefix: str, value: str | None) -> str | None:
    value = _text(name, value)
    if value is not None and value not in codes(prefix):
        raise InvalidInput(f"{name}: unknown {name} '{value}'", field=name,
                           code=f"audit.unknown_{name}", params={"value": value[:40]})  # fmt: skip
    return value


def _day(name: str, value: str | None) -> date | None:
    value = _text(name, value)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: '{value}' is not a date; write YYYY-MM-DD", field=name,
                           code="audit.bad_date",
                           params={"field": "@audit.filter." + name, "value": value[:40]},
                           ) from None  # fmt: skip


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CITY_TZ)


@dataclass(frozen=True)
class FilterForm:
    """The filter as typed (echoed back into the form), and what it asks of the log."""

    actor: str = ""
    action: str = ""
    entity: str = ""
    key: str = ""
    channel: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    def parse(self) -> repo.AuditFilter:
        """The filter, or InvalidInput naming the first wrong field: a date that is not
        YYYY-MM-DD, a from after the to, an action, object or channel the log does not know,
        a text over MAX_TEXT characters. Days are Beijing days, both ends included."""
        start, end = _day("from", self.date_from), _day("to", self.date_to)
        if start is not None and end is not None and start > end:
            raise InvalidInput(
                f"from: {start} is after to: {end}", field="from", code="audit.range",
                params={"start": start.isoformat(), "end": end.isoformat()},
            )  # fmt: skip
        return repo.AuditFilter(
            actor=_text("actor", self.actor),
            action=_code("action", ACTION, self.action),
            entity=_code("entity", ENTITY, self.entity),
            key=_text("key", self.key),
            channel=_code("channel", CHANNEL, self.channel),
            start=None if start is None else _start_of(start),
            end=None if end is None else _start_of(end + timedelta(days=1)),
            q=_text("q", self.q),
        )

    def params(self) -> dict[str, str]:
        """The non-empty fields as query parameters (links to pages and exports)."""
        pairs = {"actor": self.actor, "action": self.action, "entity": self.entity,
                 "key": self.key, "channel": self.channel, "from": self.date_from,
                 "to": self.date_to, "q": self.q}  # fmt: skip
        return {k: v for k, v in pairs.items() if v}


# ------------------------------------------------------------------ one entry, readable


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry: its label (None: shown by its name), before and after."""

    name: str
    label: str | None
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Shown:
    """An entry in the reader's language."""

    seq: int
    at: str
    actor: str
    role: str | None
    channel: str
    action: str
    action_named: bool
    entity: str
    entity_named: bool
    entity_code: str
    key: str | None
    summary: str | None
    fields: list[FieldChange]
    hash: str


@dataclass(frozen=True)
class _Reading:
    """What decoding an entry's values needs: the reader's language, the entry and the code
    names (None: codes shown as they are)."""

    lang: str
    entry: AuditEntry
    names: Names | None


def _value(r: _Reading, name: str, value: Any) -> str:
    lang, entity = r.lang, r.entry.entity
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return translate(lang, "audit.yes" if value else "audit.no")
    if name in ("state", "from_state", "to_state") and entity in _STATE_KEYS:
        key = _STATE_KEYS[entity].format(value)
        if has(key):
            return translate(lang, key)
    if isinstance(value, str) and r.names is not None:
        coded = r.names.name(lang, r.entry, name, value)
        if coded is not None:
            return coded
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            return local_minute(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return translate(lang, "sep.list").join(_value(r, name, v) for v in value)
    if isinstance(value, dict):
        # A nested record (a demand's deadlines): each field by its label, values decoded.
        sep = translate(lang, "sep.list")
        return sep.join(
            f"{named(lang, FIELD, str(k)) or k}: {_value(r, str(k), v)}" for k, v in value.items()
        )
    if isinstance(value, list):  # of records or lists: each in brackets
        return " ".join(f"[{_value(r, name, v)}]" for v in value)
    return str(value)


def _fields(lang: str, e: AuditEntry, names: Names | None) -> list[FieldChange]:
    r = _Reading(lang, e, names)
    before, after = e.before or {}, e.after or {}
    keys = list(before) + [k for k in after if k not in before]
    out = []
    for name in keys:
        b = _value(r, name, before[name]) if name in before else None
        a = _value(r, name, after[name]) if name in after else None
        out.append(FieldChange(name, named(lang, FIELD, name), b, a))
    return out


def show(lang: str, e: AuditEntry, names: Names | None = None) -> Shown:
    """One entry as the page, the API's readable fields and the exports show it (codes of
    institutions, categories… by their names when `names` is given)."""
    action = named(lang, ACTION, e.action)
    entity = named(lang, ENTITY, e.entity)
    return Shown(
        seq=e.seq,
        at=local_minute(e.at),
        actor=e.actor,
        role=named(lang, "role.", e.actor_role),
        channel=named(lang, CHANNEL, e.channel) or e.channel,
        action=action or e.action,
        action_named=action is not None,
        entity=entity or e.entity,
        entity_named=entity is not None,
        entity_code=e.entity,
        key=e.entity_key,
        summary=e.summary,
        fields=_fields(lang, e, names),
        hash=e.hash,
    )


def change_text(s: Shown) -> str:
    """An entry's fields on one line each: "label: before → after" (exports)."""
    lines = []
    for f in s.fields:
        label = f.label or f.name
        if f.before is not None and f.after is not None and f.before != f.after:
            lines.append(f"{label}: {f.before} → {f.after}")
        else:
            lines.append(f"{label}: {f.after if f.after is not None else f.before}")
    return "\n".join(lines)


# ------------------------------------------------------------------ exports

COLUMNS = ("seq", "at", "actor", "role", "channel", "action", "entity", "key", "change",
           "summary", "hash")  # fmt: skip


def headers(lang: str) -> list[str]:
    """The export's column headers in the reader's language (Chinese by default)."""
    return [translate(lang, "audit.col." + c) for c in COLUMNS]


def _row(s: Shown) -> list[Any]:
    return [s.seq, s.at, s.actor, s.role or "", s.channel, s.action, s.entity, s.key or "",
            change_text(s), s.summary or "", s.hash]  # fmt: skip


def export_csv(session: Session, lang: str, f: repo.AuditFilter) -> Iterator[str]:
    """Stream the filtered entries as CSV (UTF-8 with BOM, so that Excel reads Chinese)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(headers(lang))
    names = Names(session)
    for i, e in enumerate(repo.iter_entries(session, f), 1):
        writer.writerow(inert.csv_row(_row(show(lang, e, names))))
        if i % 2000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_xlsx(session: Session, lang: str, f: repo.AuditFilter) -> bytes:
    """The filtered entries as an XLSX workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("audit")
    inert.append(ws, headers(lang))
    names = Names(session)
    for i, e in enumerate(repo.iter_entries(session, f), 1):
        if i > XLSX_MAX_ROWS:
            raise InvalidInput(
                f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; narrow the filter or "
                "export CSV",
                field="format",
                code="export.xlsx_too_many_rows",
                params={"limit": XLSX_MAX_ROWS},
            )
        inert.append(ws, _row(show(lang, e, names)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
