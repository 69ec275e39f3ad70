"""The `highland` command: set-up, demo data, imports, exports, users, tokens, audit."""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from highland.audit.service import Actor
from highland.config import get_settings
from highland.db import get_engine, session_factory, transaction
from highland.errors import HighlandError

app = typer.Typer(
    help="Highland: a city's industrial-innovation platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(
    help="Import enterprises or yearly figures from CSV or XLSX.", no_args_is_help=True
)
export_app = typer.Typer(help="Export the registry.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
portraits_app = typer.Typer(help="Portrait maintenance.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(portraits_app, name="portraits")


def _policies_app() -> typer.Typer:
    from highland.policies.cli import app as policies

    return policies


app.add_typer(_policies_app(), name="policies")


def _demands_app() -> typer.Typer:
    from highland.demands.cli import app as demands

    return demands


app.add_typer(_demands_app(), name="demands")


def _chains_app() -> typer.Typer:
    from highland.chains import analytics_cli, mapping_cli
    from highland.chains.cli import app as chains

    chains.add_typer(analytics_cli.reference_app, name="reference")
    chains.add_typer(analytics_cli.prospects_app, name="prospects")
    chains.command("analytics")(analytics_cli.analytics_command)
    chains.command("figures")(analytics_cli.figures_command)
    for name, command in (
        ("suggest", mapping_cli.suggest),
        ("accept", mapping_cli.accept),
        ("reject", mapping_cli.reject),
        ("leading", mapping_cli.leading),
    ):
        chains.command(name)(command)
    return chains


app.add_typer(_chains_app(), name="chains")


def _report_app() -> typer.Typer:
    from highland.chains.report_cli import app as report

    return report


app.add_typer(_report_app(), name="report")


def _calendar_app() -> typer.Typer:
    from highland.demands.calendar_cli import app as calendar

    return calendar


app.add_typer(_calendar_app(), name="calendar")


def _apikeys_app() -> typer.Typer:
    from highland.demands.apikeys_cli import app as apikeys

    return apikeys


app.add_typer(_apikeys_app(), name="apikeys")


def _credentials_commands() -> None:
    from highland.identity.cli import register

    register(users_app, tokens_app)


_credentials_commands()

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
DEMO_LOGINS = "demo-logins.txt"


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "operator"
    return Actor(f"cli:{who}"[:64], None, "cli")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _init() -> None:
    from highland.enterprises.service import seed_regions
    from highland.schema import upgrade

    engine = get_engine()
    upgrade(engine)
    with transaction(engine) as s:
        seed_regions(s, get_settings().city_code)


@app.command()
def init() -> None:
    """Create the database schema, or upgrade it, and load reference data."""
    _init()
    out.print(f"database ready: {get_settings().database_url}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@app.command()
def demo(
    enterprises: Annotated[
        int, typer.Option(help="How many enterprises to generate.", min=1)
    ] = 3000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same data.")
    ] = 2024,
    if_empty: Annotated[bool, typer.Option(help="Only load when the registry is empty.")] = False,
) -> None:
    """Load a realistic, synthetic Nanjing dataset (marked as synthetic in the UI)."""
    import hashlib

    from highland.enterprises import demo as demo_data
    from highland.enterprises import importer
    from highland.enterprises.repository import count_all

    _init()
    sessions = session_factory()
    with sessions() as s:
        if if_empty and count_all(s) > 0:
            out.print("registry not empty: demo data not loaded")
            _demo_policies()
            _demo_chains()
            _demo_people()
            _demo_demands()
            _demo_governance()
            _print_logins()
            return
    with _progress() as bar:
        task = bar.add_task("generating", total=enterprises)
        ents, figs = demo_data.generate(enterprises, seed)
        bar.update(task, completed=enterprises)
        actor = Actor("demo", None, "system")
        for kind, frame in (("enterprises", ents), ("financials", figs)):
            t = bar.add_task(f"importing {kind}", total=frame.height)

            def tick(stage: str, done: int, total: int, t: TaskID = t, kind: str = kind) -> None:
                bar.update(t, description=f"{kind}: {stage}", completed=done)

            sha = hashlib.sha256(f"demo:{enterprises}:{seed}:{kind}".encode()).hexdigest()
            with transaction() as s:
                if kind == "enterprises":
                    res = importer.import_enterprise_frame(
                        s,
                        actor,
                        frame,
                        f"demo-{kind}",
                        "generated",
                        sha256=sha,
                        synthetic=True,
                        progress=tick,
                    )
                else:
                    res = importer.import_financial_frame(
                        s, actor, frame, f"demo-{kind}", "generated", sha256=sha, progress=tick
                    )
                if res.errors:
                    raise _fail(f"demo {kind} did not validate: {res.errors[:3]}")
            bar.update(t, completed=frame.height)
    _demo_policies()
    _demo_chains()
    _demo_people()
    _demo_demands()
    _demo_governance()
    _demo_policy_run(enterprises)
    out.print(f"demo data loaded: {ents.height:,} enterprises, {figs.height:,} yearly figure rows")
    _print_logins()


def _demo_policies() -> None:
    from highland.policies.service import load_demo_library

    with transaction() as s:
        report = load_demo_library(s, Actor("demo", None, "system"))
    if report.created or report.updated:
        out.print(f"demo policies loaded: {len(report.created) + len(report.updated)}")


def _demo_chains() -> None:
    from highland.chains.demo import load_demo_chains

    with transaction() as s:
        counts = load_demo_chains(s, Actor("demo", None, "system"))
    if counts["created"] or counts["updated"]:
        out.print(
            f"demo chains loaded: {counts['created']} new, {counts['updated']} updated",
            highlight=False,
        )
    _demo_chain_members()


def _demo_chain_members() -> None:
    """Demo reference figures and prospects, suggestions for every chain, and the strong
    ones (industry class matches, confidence ≥ 80) accepted — once, on an empty mapping."""
    from pathlib import Path

    from highland.chains import mapping, reference_data
    from highland.chains.models import EnterpriseSegment, ReferenceFigure

    actor = Actor("demo", None, "system")
    folder = Path(mapping.__file__).parent / "demo_reference"
    with transaction() as s:
        if s.scalar(select(ReferenceFigure.id).limit(1)) is None:
            for name, load in (
                ("reference_figures.csv", reference_data.load_reference),
                ("prospects.csv", reference_data.load_prospects),
            ):
                load(s, actor, (folder / name).read_bytes(), name)
        if s.scalar(select(EnterpriseSegment.id).limit(1)) is not None:
            return
        mapping.suggest(s, actor)
        accepted = 0
        for chain_id, segment in s.execute(
            select(EnterpriseSegment.chain_id, EnterpriseSegment.segment_code).distinct()
        ).all():
            accepted += mapping.decide(
                s, actor, chain_id, "accept", segment=segment, min_confidence=80
            )
    out.print(f"demo chain members accepted: {accepted}", highlight=False)


def _demo_demands() -> None:
    from highland.demands.demo import load_demo
    from highland.demands.sweep import sweep

    try:
        with transaction() as s:
            counts = load_demo(s, Actor("demo", None, "system"))
            if counts.get("demands"):
                sweep(s)  # the overdue demo demands show their marks at once
    except HighlandError as exc:
        out.print(f"demo demands not loaded: {exc.message}", highlight=False)
        return
    if counts.get("demands"):
        out.print(
            f"demo demands loaded: {counts['demands']} demands of "
            f"{counts['institutions']} institutions, one breakfast meeting",
            highlight=False,
        )


def _demo_governance() -> None:
    """The chains' scheduling records of the last two months, with tasks (once)."""
    from highland.chains.demo_governance import load_demo_governance

    with transaction() as s:
        counts = load_demo_governance(s)
    if counts["records"]:
        out.print(
            f"demo chain scheduling: {counts['records']} monthly records, {counts['tasks']} tasks",
            highlight=False,
        )


# Above this many demo enterprises the demo leaves the first official policy run to the user
# (`highland policies run`): it is a bench-sized registry, not a desk to walk through.
DEMO_POLICY_RUN_MAX = 200_000


def _demo_policy_run(enterprises: int) -> None:
    """A first official policy run, so that the demo's enterprise account is told what it
    qualifies for (the notices an official run sends)."""
    from highland.kit.dates import today_local
    from highland.policies import service as policies
    from highland.policies.models import MatchRun

    if enterprises > DEMO_POLICY_RUN_MAX:
        out.print("demo policy run skipped (large registry): run `highland policies run`")
        return
    with transaction() as s:
        if s.scalar(select(MatchRun.id).limit(1)) is not None:
            return
        r = policies.run_match(s, today_local(), Actor("demo", None, "system"))
    out.print(f"demo official policy run: {r.enterprises:,} enterprises", highlight=False)


def _demo_people() -> None:
    """The demo's institutions and accounts come first, so that the demo's demands and tasks
    reach real people (their notices are there at the first sign-in)."""
    from highland.demands.demo import load_demo_reference

    try:
        with transaction() as s:
            load_demo_reference(s, Actor("demo", None, "system"))
    except HighlandError as exc:
        out.print(f"demo institutions not loaded: {exc.message}", highlight=False)
    _demo_users()


def _demo_users() -> None:
    from highland.demands.demo import DEMO_USERS, first_owner
    from highland.demands.models import Demand, Institution
    from highland.enterprises.models import Enterprise
    from highland.identity.models import User
    from highland.identity.service import create_user

    settings = get_settings()
    path = settings.instance_dir / DEMO_LOGINS
    lines = []
    with transaction() as s:
        # The enterprise account belongs to the firm of the first demo demand, so that it has
        # some (the account is made before the demands, which then notify it).
        owner = s.scalar(select(Demand.enterprise_id).order_by(Demand.id).limit(1))
        owner = owner if owner is not None else first_owner(s)
        ent = s.get(Enterprise, owner) if owner is not None else None
        ent = ent or s.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
        wanted: list[tuple[str, str, dict[str, Any]]] = [
            ("admin", "admin", {}),
            ("analyst", "analyst", {}),
            ("leader", "leader", {}),
            ("chainhead", "chain_head", {"chain_id": 1}),
            ("handler", "handler", {"institution_code": "320115-ZRZY"}),
        ]
        for username, role, institution, name in DEMO_USERS:
            if institution is None or s.get(Institution, institution) is not None:
                extra: dict[str, Any] = {"display_name": name}
                if institution:
                    extra["institution_code"] = institution
                wanted.append((username, role, extra))
        if ent is not None:
            wanted.append(("enterprise", "enterprise", {"enterprise_id": ent.id}))
        for username, role, extra in wanted:
            if s.scalar(select(User.id).where(User.username == username)):
                continue
            password = secrets.token_urlsafe(9)
            create_user(
                s,
                Actor("demo", None, "system"),
                username=username,
                password=password,
                role=role,
                **extra,
            )
            lines.append(f"{username}\t{password}\t{role}")
    if lines:
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
        path.chmod(0o600)


def _print_logins() -> None:
    path = get_settings().instance_dir / DEMO_LOGINS
    if not path.exists():
        return
    out.print(f"demo logins (kept in {path}, generated on this machine):")
    for line in path.read_text(encoding="utf-8").splitlines():
        user, password, role = line.split("\t")
        out.print(f"  {user:<11} {password:<14} {role}", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(envvar="WEB_CONCURRENCY", min=1, help="Worker processes.")
    ] = 1,
) -> None:
    """Serve the web UI and the API."""
    from highland import serving

    _init()
    out.print(f"Highland is running: [bold]http://{host}:{port}/[/]  (API docs: /docs)")
    _print_logins()
    serving.run(host, port, workers)


def _report(result: object, report: Path | None) -> None:
    from highland.enterprises.imports import report_csv

    if report is not None:
        report.write_text(report_csv(result), encoding="utf-8")  # type: ignore[arg-type]
        out.print(f"report written to {report}")


def _run_import(
    kind: str,
    file: Path,
    dry_run: bool,
    skip_invalid: bool,
    report: Path | None,
    source: str = "statistics",
) -> None:
    from highland.enterprises.imports import run_import

    if not file.exists() or not file.is_file():
        raise _fail(f"no such file: {file}")
    _init()
    data = file.read_bytes()
    try:
        with _progress() as bar:
            task = bar.add_task(f"importing {kind}", total=1)

            def tick(stage: str, done: int, total: int) -> None:
                bar.update(task, description=f"{kind}: {stage}", completed=done, total=total)

            result = run_import(
                session_factory(),
                _actor(),
                kind,
                data,
                file.name,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                source=source,
                progress=tick,
            )
    except HighlandError as exc:
        raise _fail(f"{file.name}: {exc.message}") from None
    _report(result, report)
    for e in result.errors[:20]:
        err.print(
            f"  row {e['row']}, {e['column']}: {e['error']} (value: {e['value']!r})",
            highlight=False,
        )
    if len(result.errors) > 20:
        err.print(f"  … and {len(result.errors) - 20} more (use --report PATH)")
    status = (
        "dry run, nothing written"
        if dry_run
        else ("written" if result.written else "NOTHING written")
    )
    out.print(
        f"{kind}: {result.rows} rows, {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.rejected} rejected — {status}"
    )
    if result.errors and not skip_invalid:
        raise typer.Exit(1)


DRY = Annotated[bool, typer.Option("--dry-run", help="Validate and count; write nothing.")]
SKIP = Annotated[
    bool, typer.Option("--skip-invalid", help="Write the valid rows, report the rest.")
]
REPORT = Annotated[Path | None, typer.Option("--report", help="Write the row report (CSV) here.")]


@import_app.command("enterprises")
def import_enterprises(
    file: Path, dry_run: DRY = False, skip_invalid: SKIP = False, report: REPORT = None
) -> None:
    """Import enterprises (uscc, name, district_code, industry_code, founded_on, …)."""
    _run_import("enterprises", file, dry_run, skip_invalid, report)


@import_app.command("financials")
def import_financials(
    file: Path,
    dry_run: DRY = False,
    skip_invalid: SKIP = False,
    report: REPORT = None,
    source: Annotated[
        str, typer.Option(help="Source when the file has no source column.")
    ] = "statistics",
) -> None:
    """Import yearly figures (uscc, year, revenue, …); money in yuan, empty = missing."""
    from highland.enterprises.vocab import SOURCES

    if source not in SOURCES:
        raise _fail(f"--source must be one of {', '.join(SOURCES)}", 2)
    _run_import("financials", file, dry_run, skip_invalid, report, source)


@export_app.command("enterprises")
def export_enterprises(
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "csv",
    out_path: Annotated[Path, typer.Option("--out", help="File to write.")] = Path(
        "enterprises.csv"
    ),
    q: Annotated[str | None, typer.Option(help="Name substring or USCC prefix.")] = None,
    district: Annotated[str | None, typer.Option(help="District code.")] = None,
    section: Annotated[str | None, typer.Option(help="GB/T 4754 section letter.")] = None,
    division: Annotated[str | None, typer.Option(help="GB/T 4754 division (2 digits).")] = None,
    size_class: Annotated[str | None, typer.Option(help="large, medium, small or micro.")] = None,
    qualification: Annotated[str | None, typer.Option(help="Qualification code.")] = None,
    ownership: Annotated[str | None, typer.Option(help="Ownership code.")] = None,
) -> None:
    """Export the (filtered) registry to CSV or XLSX."""
    from highland.enterprises import service
    from highland.enterprises.repository import EnterpriseFilter
    from highland.identity.permissions import Principal, Role

    if fmt not in ("csv", "xlsx"):
        raise _fail("--format must be csv or xlsx", 2)
    everyone = Principal(0, "cli", Role.admin, channel="cli")
    _init()
    try:
        flt = EnterpriseFilter(
            q, district, section, division, size_class, qualification, ownership
        ).cleaned()
        with session_factory()() as s:
            if fmt == "csv":
                with out_path.open("w", encoding="utf-8", newline="") as fh:
                    for chunk in service.export_csv(s, everyone, flt):
                        fh.write(chunk)
            else:
                out_path.write_bytes(service.export_xlsx(s, everyone, flt))
    except HighlandError as exc:
        raise _fail(exc.message) from None
    out.print(f"written: {out_path}")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name.")],
    password: Annotated[
        str, typer.Option(help="At least 8 characters.", prompt=True, hide_input=True)
    ],
    role: Annotated[
        str,
        typer.Option(help="admin, analyst, chain_head, chain_team, handler, enterprise or leader."),
    ],
    enterprise: Annotated[str | None, typer.Option(help="USCC, for an enterprise user.")] = None,
    institution: Annotated[
        str | None, typer.Option(help="Institution code, for a handler.")
    ] = None,
    chain: Annotated[
        int | None, typer.Option(help="Chain id, for a chain head or team member.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="E-mail address for notifications (optional).")
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(help="Language of the user's e-mails: zh-CN or en (default: both)."),
    ] = None,
) -> None:
    """Create a user."""
    from highland.enterprises.models import Enterprise
    from highland.identity.service import create_user

    _init()
    try:
        with transaction() as s:
            eid = None
            if enterprise:
                eid = s.scalar(select(Enterprise.id).where(Enterprise.uscc == enterprise.upper()))
                if eid is None:
                    raise _fail(f"no enterprise with USCC {enterprise}")
            create_user(
                s,
                _actor(),
                username=username,
                password=password,
                role=role,
                enterprise_id=eid,
                institution_code=institution,
                chain_id=chain,
                email=email,
                language=language,
            )
    except HighlandError as exc:
        raise _fail(exc.message) from None
    out.print(f"user {username} created ({role})")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option(help="Username the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[
        int | None,
        typer.Option(help="Days until it expires (default HIGHLAND_API_TOKEN_DAYS; 0: never)."),
    ] = None,
) -> None:
    """Create an API token and print it (it is shown only once)."""
    from highland.identity.service import create_token

    _init()
    try:
        with transaction() as s:
            token = create_token(s, _actor(), user, name, days)
    except HighlandError as exc:
        raise _fail(exc.message) from None
    sys.stdout.write(token + "\n")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit log's hash chain; exit 1 if any entry was tampered with."""
    from highland.audit.service import verify

    _init()
    with session_factory()() as s:
        r = verify(s)
    if r.ok:
        out.print(f"audit log intact: {r.checked} entries verified")
        return
    raise _fail(
        f"audit log broken at entry {r.first_bad_seq}: {r.problem} "
        f"({r.checked} entries before it verified)"
    )


@portraits_app.command("refresh")
def portraits_refresh() -> None:
    """Recompute every enterprise's size class from its latest figures (set-based)."""
    from highland.enterprises.portrait_sql import refresh_size_classes

    with transaction() as s:
        n = refresh_size_classes(s)
    out.print(f"size classes refreshed: {n} enterprises")


def main() -> None:
    """Entry point."""
    app()
