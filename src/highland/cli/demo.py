"""`highland demo`: a realistic, synthetic Nanjing dataset with its people, demands, chains
and policies, loaded in steps that each skip what is already there."""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Any

import typer
from rich.progress import TaskID

from highland.chains.demo_data.chains import load_demo_chains
from highland.chains.demo_data.governance import load_demo_governance
from highland.chains.demo_data.members import load_demo_members
from highland.cli.common import fail, init_db, progress
from highland.cli.logins import DEMO_LOGINS, print_logins
from highland.demands.demo.script import DEMO_USERS
from highland.demands.demo.service import first_demand_owner, load_demo, load_demo_reference
from highland.demands.sweep import sweep
from highland.docking.demo.service import load_demo as load_demo_docking
from highland.enterprises import demo as demo_data
from highland.enterprises import imports
from highland.enterprises.repository import count_all, get_or_first
from highland.growth.demo import publish_demo_lists
from highland.innovation.demo.service import load_demo_innovation
from highland.platform import institutions
from highland.platform.audit.service import Actor
from highland.platform.cli import say, words
from highland.platform.config import get_settings
from highland.platform.db import session_factory, transaction
from highland.platform.errors import HighlandError
from highland.platform.identity.service import create_user, user_exists
from highland.platform.kit.dates import today_local
from highland.policies import service as policies
from highland.policies.service import load_demo_library

# Six years of figures (2020–2025): the nanjing-2024 lists, which read a three-year window
# of the year before, then run 2024–2026, so the white paper has three years of movement.
DEMO_FIRST_YEAR = 2020


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

    init_db()
    sessions = session_factory()
    with sessions() as s:
        if if_empty and count_all(s) > 0:
            say("cli.demo.not_empty")
            _demo_policies()
            _demo_chains()
            _demo_people()
            _demo_demands()
            _demo_governance()
            _demo_innovation()
            _demo_docking()
            print_logins()
            return
    with progress() as bar:
        task = bar.add_task(words("cli.progress.generating"), total=enterprises)
        ents, figs = demo_data.generate(enterprises, seed, first_year=DEMO_FIRST_YEAR)
        bar.update(task, completed=enterprises)
        actor = Actor("demo", None, "system")
        for kind, frame in (("enterprises", ents), ("financials", figs)):
            t = bar.add_task(
                words("cli.progress.importing", kind=words(f"cli.data.kind.{kind}")),
                total=frame.height,
            )

            def tick(stage: str, done: int, total: int, t: TaskID = t, kind: str = kind) -> None:
                bar.update(t, description=f"{kind}: {stage}", completed=done)

            sha = hashlib.sha256(f"demo:{enterprises}:{seed}:{kind}".encode()).hexdigest()
            with transaction() as s:
                if kind == "enterprises":
                    res = imports.import_enterprise_frame(
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
                    res = imports.import_financial_frame(
                        s, actor, frame, f"demo-{kind}", "generated", sha256=sha, progress=tick
                    )
                if res.errors:
                    raise fail("cli.demo.invalid", kind=kind, errors=str(res.errors[:3]))
            bar.update(t, completed=frame.height)
    _demo_policies()
    _demo_chains()
    _demo_people()
    _demo_demands()
    _demo_governance()
    _demo_innovation()
    _demo_docking()
    _demo_growth(enterprises)  # first: the gazelle and unicorn awards read the lists
    _demo_policy_run(enterprises)
    say("cli.demo.loaded", enterprises=f"{ents.height:,}", figures=f"{figs.height:,}")
    print_logins()


def _demo_policies() -> None:

    with transaction() as s:
        report = load_demo_library(s, Actor("demo", None, "system"))
    if report.created or report.updated:
        say("cli.demo.policies", count=len(report.created) + len(report.updated))


def _demo_chains() -> None:

    with transaction() as s:
        counts = load_demo_chains(s, Actor("demo", None, "system"))
    if counts["created"] or counts["updated"]:
        say("cli.demo.chains", created=counts["created"], updated=counts["updated"])
    _demo_chain_members()


def _demo_chain_members() -> None:
    """Demo reference figures and prospects, suggestions for every chain, and the strong
    ones (industry class matches, confidence ≥ 80) accepted — once, on an empty mapping."""
    with transaction() as s:
        accepted = load_demo_members(s, Actor("demo", None, "system"))
    if accepted is None:
        return
    say("cli.demo.members", accepted=accepted)


def _demo_demands() -> None:

    try:
        with transaction() as s:
            counts = load_demo(s, Actor("demo", None, "system"))
            if counts.get("demands"):
                sweep(s)  # the overdue demo demands show their marks at once
    except HighlandError as exc:
        say("cli.demo.demands_failed", problem=exc)
        return
    if counts.get("demands"):
        say("cli.demo.demands", demands=counts["demands"], institutions=counts["institutions"])


def _demo_governance() -> None:
    """The chains' scheduling records of the last two months, with tasks (once)."""

    with transaction() as s:
        counts = load_demo_governance(s)
    if counts["records"]:
        say("cli.demo.governance", records=counts["records"], tasks=counts["tasks"])


def _demo_innovation() -> None:
    """Innovation platforms, overseas centres, Innovation Week and the Munich delegation with
    its projects in every stage (once; all illustrative)."""

    with transaction() as s:
        counts = load_demo_innovation(s)
    if counts["platforms"]:
        say("cli.demo.innovation", **counts)


def _demo_docking() -> None:
    """Illustrative research achievements and technology needs (once)."""
    with transaction() as s:
        counts = load_demo_docking(s, Actor("demo", None, "system"))
    if counts["achievements"] or counts["needs"]:
        say("cli.demo.docking", achievements=counts["achievements"], needs=counts["needs"])


# Above this many demo enterprises the demo leaves the first official policy run to the user
# (`highland policies run`): it is a bench-sized registry, not a desk to walk through.
DEMO_POLICY_RUN_MAX = 200_000


def _demo_policy_run(enterprises: int) -> None:
    """A first official policy run, so that the demo's enterprise account is told what it
    qualifies for (the notices an official run sends)."""

    if enterprises > DEMO_POLICY_RUN_MAX:
        say("cli.demo.run_skipped")
        return
    with transaction() as s:
        if policies.has_runs(s):
            return
        r = policies.run_match(s, today_local(), Actor("demo", None, "system"))
    say("cli.demo.run", enterprises=f"{r.enterprises:,}")


def _demo_growth(enterprises: int) -> None:
    """The high-growth lists of every year the demo's figures allow, under each rule set."""

    if enterprises > DEMO_POLICY_RUN_MAX:
        return
    with transaction() as s:
        published = publish_demo_lists(s, Actor("demo", None, "system"))
    if published:
        say("cli.demo.growth", lists=published)


def _demo_people() -> None:
    """The demo's institutions and accounts come first, so that the demo's demands and tasks
    reach real people (their notices are there at the first sign-in)."""

    try:
        with transaction() as s:
            load_demo_reference(s, Actor("demo", None, "system"))
    except HighlandError as exc:
        say("cli.demo.institutions_failed", problem=exc)
    _demo_users()


def _demo_users() -> None:

    settings = get_settings()
    path = settings.instance_dir / DEMO_LOGINS
    lines = []
    with transaction() as s:
        # The enterprise account belongs to the firm of the first demo demand, so that it has
        # some (the account is made before the demands, which then notify it).
        owner = first_demand_owner(s)
        ent = get_or_first(s, owner)
        wanted: list[tuple[str, str, dict[str, Any]]] = [
            ("admin", "admin", {}),
            ("analyst", "analyst", {}),
            ("leader", "leader", {}),
            ("chainhead", "chain_head", {"chain_id": 1}),
            ("handler", "handler", {"institution_code": "320115-ZRZY"}),
        ]
        for username, role, institution, name in DEMO_USERS:
            if institution is None or institutions.exists(s, institution):
                extra: dict[str, Any] = {"display_name": name}
                if institution:
                    extra["institution_code"] = institution
                wanted.append((username, role, extra))
        if ent is not None:
            wanted.append(("enterprise", "enterprise", {"enterprise_id": ent.id}))
        for username, role, extra in wanted:
            if user_exists(s, username):
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
