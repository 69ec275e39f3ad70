"""The monthly chain report (月度报告) of one chain and month: printable HTML and XLSX.

`build` gathers everything into one `Report`; `to_html` and `to_xlsx` only lay it out, so the
page, the API and the CLI (`highland report chain …`) print the same numbers:

- header: the chain (Chinese and English names), the month, the data date (the month's end in
  Asia/Shanghai), when and by whom the report was generated;
- indicators: the scheduling record's snapshot (ChainMeeting.indicators) when the month has a
  record, else `indicators.compute` now, labelled as such; each with its value, unit,
  reported/missing counts and its freshness date (None → "no date", never hidden);
- the chain map (pictures_pages.map_data + pictures.chain_map_svg) and the gaps with their
  top prospects (analytics.analyse) — both from the registry as it is when generated;
- the month's decisions with their tasks' current state (owner, due in Asia/Shanghai, state,
  overdue flag), the tasks of earlier months still open, and the matters discussed.

Money stays integer fen until laid out: 万元 in the HTML (as on the pages), yuan with two
decimals in the XLSX (Decimal from the exact fen, number format #,##0.00). Missing stays
missing: "—" in the HTML, an empty cell in the XLSX, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highland.chains import indicators
from highland.chains.analytics import measures
from highland.chains.analytics import service as analytics
from highland.chains.governance import service as gov
from highland.chains.models import Chain, ChainMeeting, ChainTask
from highland.chains.pictures import service as pictures
from highland.chains.pictures import service as pictures_pages
from highland.platform import institutions
from highland.platform.db import utcnow
from highland.platform.errors import InvalidInput
from highland.platform.kit import numbers
from highland.platform.web.i18n import LANGUAGES, local_name, translate
from highland.platform.web.render import TEMPLATES

R = "chains.report."
G = "chains.governance."
TOP = 3  # prospects shown for each gap
FORMATS = ("html", "xlsx")
COUNTS = {"members": "count", "new_members": "count", "open_demands": "demands",
          "overdue_demands": "demands", "key_projects": "projects"}  # fmt: skip
COUNT_UNITS = {"count": "firms", "demands": "demands", "projects": "projects"}  # kit.numbers


@dataclass(frozen=True)
class Indicator:
    """One indicator as the report shows it (value raw, and as text)."""

    key: str
    name: str
    value: int | str | None  # fen, a count, or the growth ratio as a decimal string
    unit: str  # fen | count | demands | projects | ratio
    display: str
    reported: int | None
    missing: int | None
    freshness: str | None  # as stored: an ISO time, a date or a year
    freshness_text: str  # shown: Shanghai date/time, the year, or "no date"
    basis: str


@dataclass(frozen=True)
class TaskLine:
    """One decision's task, its state at generation time."""

    id: int
    month: str
    title: str
    owner: str
    due: datetime
    due_text: str
    state: str
    state_text: str
    overdue: bool
    done_on_time: bool | None
    result: str | None


@dataclass(frozen=True)
class GapLine:
    """One gap (analytics.analyse), with its top prospects."""

    rank: int
    segment: str
    name: str
    stream: str
    bottleneck: bool
    members: int
    lq: str | None
    tier: str | None
    score: str | None
    prospects: tuple[str, ...]


@dataclass
class Report:
    """Everything of one chain's monthly report, in the report's language."""

    chain_id: int
    chain_code: str
    name: str
    name_en: str | None
    person_in_charge: str | None
    month: str
    lang: str
    as_of: datetime
    generated_at: datetime
    generated_by: str
    recorded: bool  # the month has a scheduling record
    indicators_recorded: bool  # the indicators are the record's snapshot (else computed now)
    computed_at: str | None
    indicators: list[Indicator]
    boxes: list[pictures.Box]
    map_svg: str
    analysis: dict[str, Any]  # region, year, measure, few of the gaps' analysis
    gaps: list[GapLine]
    decisions: list[TaskLine]
    earlier: list[TaskLine]
    meeting: dict[str, Any] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    codes: bool = False  # the XLSX's sheets keep their fixed English names (headers=codes)

    @property
    def title(self) -> str:
        """The chain's name in the report's language."""
        return local_name(self.lang, self.name, self.name_en)

    def t(self, key: str, **params: Any) -> str:
        """A text of the report in its language."""
        return translate(self.lang, key, **params)


# --------------------------------------------------------------------------- checks


def chain_by_code(session: Session, code: str) -> int | None:
    """The id of the chain with this code (None: there is none)."""
    return session.scalar(select(Chain.id).where(Chain.code == code))


def check_month(month: str | None, now: datetime) -> str:
    """The month as YYYY-MM, not in the future (InvalidInput naming `month` otherwise)."""
    text = (month or "").strip()
    indicators.parse_month(text)
    if text > indicators.current_month(now):
        raise InvalidInput(
            f"month: {text} has not begun yet",
            field="month",
            code="chains.governance.month_future",
            params={"month": text},
        )
    return text


def check_lang(lang: str | None) -> str:
    """zh-CN or en (InvalidInput naming `lang` otherwise)."""
    if lang not in LANGUAGES:
        raise InvalidInput(f"lang: '{lang or ''}' is not a language; use zh-CN or en", field="lang",
                           code="chains.report.bad_lang", params={"value": lang or ""})  # fmt: skip
    return lang


def check_format(fmt: str | None) -> str:
    """html or xlsx (InvalidInput naming `format` otherwise)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format: '{fmt or ''}' is not a report format; use html or xlsx",
                           field="format", code="chains.report.bad_format",
                           params={"value": fmt or ""})  # fmt: skip
    return fmt


# --------------------------------------------------------------------------- text


def local(dt: datetime | None, seconds: bool = False) -> str:
    """A time in Beijing time to the minute (naive times are UTC, as stored); `seconds` is
    kept for callers, the house writes every time to the minute (docs/numbers.md)."""
    return numbers.beijing_time(dt)


def local_iso(value: str | None) -> str:
    """An ISO time text shown in Asia/Shanghai ("—" for none)."""
    if not value:
        return "—"
    try:
        return local(datetime.fromisoformat(value))
    except ValueError:
        return value


def freshness_text(lang: str, value: str | None) -> str:
    """The freshness as shown: a Shanghai time for computation stamps, the date of the source,
    the year for figures without a source date, and "no date" when there is none."""
    if not value:
        return translate(lang, R + "no_date")
    if len(value) == 4 and value.isdigit():
        return translate(lang, R + "year_only", year=value)
    if "T" in value:
        try:
            return local(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _display(lang: str, key: str, it: dict[str, Any]) -> str:
    value = it.get("value")
    if value is None:
        return translate(lang, G + ("not_available" if key == "key_projects" else "missing"))
    if it.get("unit") == "fen":
        return numbers.money(int(value), lang)  # 万元, or 亿元 from 1 亿元 (docs/numbers.md)
    if key == "growth":
        return numbers.percent(Decimal(str(value)))
    return numbers.count(value, COUNT_UNITS[COUNTS[key]], lang)


def _basis(lang: str, key: str, it: dict[str, Any]) -> str:
    if it.get("unit") == "fen":
        text = translate(lang, G + "reported", k=it.get("reported", 0), m=it.get("missing", 0))
        years = it.get("years") or []
        return text + (" · " + "–".join(str(y) for y in years) if years else "")
    if key == "growth" and it.get("year"):
        return translate(lang, G + "growth_basis", year=it["year"], prev=int(it["year"]) - 1,
                         n=it.get("enterprises", 0))  # fmt: skip
    if key == "new_members" and it.get("month"):
        return translate(lang, G + "new_basis_month", month=it["month"])
    if key == "new_members" and it.get("year"):
        return translate(lang, G + "new_basis", year=it["year"])
    if key == "key_projects":
        return translate(lang, G + "no_projects")
    return ""


def indicator_rows(lang: str, snapshot: dict[str, Any]) -> list[Indicator]:
    """The snapshot's items in ORDER, each with its freshness (an item missing from an old
    snapshot is shown as missing with no date, not dropped)."""
    items: dict[str, Any] = dict(snapshot.get("items") or {})
    rows = []
    for key in indicators.ORDER:
        it: dict[str, Any] = dict(items.get(key) or {})
        unit = "fen" if it.get("unit") == "fen" else "ratio" if key == "growth" else COUNTS[key]
        fresh = it.get("freshness")
        rows.append(
            Indicator(
                key=key, name=translate(lang, G + "i." + key), value=it.get("value"), unit=unit,
                display=_display(lang, key, it),
                reported=it.get("reported") if unit == "fen" else None,
                missing=it.get("missing") if unit == "fen" else None,
                freshness=fresh, freshness_text=freshness_text(lang, fresh),
                basis=_basis(lang, key, it),
            )
        )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- tasks


def _institutions(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {c: name for c, (name, _) in institutions.names(session, codes).items()}


def is_overdue(task: ChainTask, now: datetime) -> bool:
    """Open and past its deadline (or marked breached by the sweep); a paused task's clock
    stands still, so it is overdue only when the sweep marked it before the pause."""
    if not task.open:
        return False
    if task.breached_at is not None:
        return True
    return gov.TaskState(task.state) in gov.RUNNING and task.due < now


def task_lines(
    session: Session, lang: str, rows: list[tuple[ChainTask, str]], now: datetime
) -> list[TaskLine]:
    """TaskLines of (task, month of its record)."""
    names = _institutions(session, {t.owner_institution for t, _ in rows if t.owner_institution})
    out = []
    for t, month in rows:
        inst = names.get(t.owner_institution, t.owner_institution) if t.owner_institution else ""
        owner = " · ".join(x for x in (inst, t.owner_name or "") if x)
        out.append(
            TaskLine(
                id=t.id, month=month, title=t.title, owner=owner or "—", due=t.due,
                due_text=local(t.due), state=t.state,
                state_text=translate(lang, G + "s." + t.state), overdue=is_overdue(t, now),
                done_on_time=t.done_on_time, result=t.result,
            )
        )  # fmt: skip
    return out


def earlier_open(session: Session, chain_id: int, month: str) -> list[tuple[ChainTask, str]]:
    """Tasks of the chain's earlier months still open now, oldest first."""
    stmt = (
        select(ChainTask, ChainMeeting.month)
        .join(ChainMeeting, ChainMeeting.id == ChainTask.meeting_id)
        .where(ChainTask.chain_id == chain_id, ChainTask.open.is_(True),
               ChainMeeting.month < month)
        .order_by(ChainMeeting.month, ChainTask.id)
    )  # fmt: skip
    return [(t, m) for t, m in session.execute(stmt)]


# --------------------------------------------------------------------------- gaps


def gap_lines(lang: str, gaps: list[dict[str, Any]]) -> list[GapLine]:
    """The analysis's gaps, ranked as it ranks them."""
    out = []
    for i, g in enumerate(gaps, start=1):
        name = local_name(lang, g["name"], g.get("name_en"))
        prospects = tuple(f"{p['name']} ({p['score']})" for p in g.get("prospects") or [])
        out.append(
            GapLine(
                rank=i, segment=g["segment"], name=name, stream=g["stream"],
                bottleneck=bool(g["bottleneck"]), members=int(g["members"]), lq=g["lq"]["lq"],
                tier=g["lq"]["tier"], score=g["score"], prospects=prospects,
            )
        )  # fmt: skip
    return out


# --------------------------------------------------------------------------- build


def build(
    session: Session,
    chain_id: int,
    month: str,
    lang: str,
    now: datetime | None = None,
    *,
    by: str = "",
    region: str = measures.DEFAULT_REGION,
    measure: str = "employment",
    few: int = analytics.DEFAULT_FEW,
) -> Report:
    """The report of a chain for a month (see the module's docstring). Reads only.

    InvalidInput names `month` (malformed or not begun yet) or `lang`; NotFound says
    "no chain N"."""
    now = now or utcnow()
    month = check_month(month, now)
    lang = check_lang(lang)
    chain = gov.get_chain(session, chain_id)
    year, mon = indicators.parse_month(month)
    meeting = session.scalar(
        select(ChainMeeting).where(ChainMeeting.chain_id == chain_id, ChainMeeting.month == month)
    )
    snapped = meeting is not None and bool(meeting.indicators)
    if meeting is not None and meeting.indicators:
        snapshot: dict[str, Any] = dict(meeting.indicators)
    else:
        snapshot = indicators.compute(session, chain_id, month, now)
    found = analytics.analyse(session, chain_id, region=region, measure=measure, few=few, top=TOP)
    d = pictures_pages.map_data(session, chain_id, lang, region, measure, few, result=found)
    labels = pictures_pages._labels(lang)
    svg = pictures.chain_map_svg(d.boxes, labels, lang, pictures_pages.as_of_text(lang, d, now))
    decisions: list[TaskLine] = []
    facts = None
    if meeting is not None:
        decisions = task_lines(session, lang, [(t, month) for t in gov.tasks(session, meeting.id)],
                               now)  # fmt: skip
        facts = {"held_at": meeting.held_at, "held_text": local(meeting.held_at),
                 "place": meeting.place, "chaired_by": meeting.chaired_by,
                 "attendees": meeting.attendees, "matters": meeting.matters,
                 "created_by": meeting.created_by}  # fmt: skip
    return Report(
        chain_id=chain.id, chain_code=chain.code, name=chain.name, name_en=chain.name_en,
        person_in_charge=chain.person_in_charge, month=month, lang=lang,
        as_of=indicators.month_end(year, mon), generated_at=now, generated_by=by or "—",
        recorded=meeting is not None, indicators_recorded=snapped,
        computed_at=snapshot.get("computed_at"),
        indicators=indicator_rows(lang, snapshot), boxes=d.boxes, map_svg=svg,
        analysis={"region": found["region"], "year": found["year"], "measure": found["measure"],
                  "few": found["few"], "revenue_year": d.revenue_year},
        gaps=gap_lines(lang, found["gaps"]), decisions=decisions,
        earlier=task_lines(session, lang, earlier_open(session, chain_id, month), now),
        meeting=facts, labels=labels,
    )  # fmt: skip


# --------------------------------------------------------------------------- HTML


def to_html(report: Report, links: bool = False) -> str:
    """The report as one standalone printable page (template chains/report.html): its own CSS,
    the map inline, no script and no outside asset, so the saved file opens from disk.
    `links`: the web page's toolbar (back, XLSX download), hidden when printed."""
    from markupsafe import Markup

    template = TEMPLATES.env.get_template("chains/report.html")

    def tier(name: str | None) -> str:
        return report.labels.get("tier." + name, name) if name else "—"

    return template.render(
        r=report, _=report.t, lang=report.lang, svg=Markup(report.map_svg), links=links,
        local=local, local_iso=local_iso, tier=tier,
    )  # fmt: skip


def to_xlsx(report: Report, headers: str = "zh") -> bytes:
    """The report as a workbook (see chains.report.xlsx); `headers` zh (default) or codes."""
    from highland.chains.report.xlsx import workbook

    return workbook(report, headers)


def filename(report: Report, fmt: str) -> str:
    """chain-<id>-<YYYY-MM>.<html|xlsx>"""
    return f"chain-{report.chain_id}-{report.month}.{fmt}"
