"""The kernel's job registry: what the assembly registers is what a round runs, in order, and
the round's result reads every job's counts."""

from __future__ import annotations

from datetime import datetime

from highland.platform import jobs
from highland.platform.calendar import Reclocked
from highland.platform.jobs.scheduler import RunResult


def test_the_assembly_registers_the_domains_jobs_and_listeners() -> None:
    names = [j.name for j in jobs.jobs()]
    assert [j.name for j in jobs.jobs(jobs.SWEEP)] == [
        "demands.sweep",
        "chains.task_sweep",
        "innovation.project_sweep",
    ]
    assert {"platform.email", "platform.prune", "chains.figures"} <= set(names)
    assert [x.kind for x in jobs.calendar_listeners()] == ["demands", "tasks", "projects"]


def test_a_round_result_sums_counts_and_orders_its_lines() -> None:
    r = RunResult()
    late = jobs.Job("b", jobs.AFTER, lambda *a: jobs.Report(), order=80)
    early = jobs.Job("a", jobs.SWEEP, lambda *a: jobs.Report(), order=10)
    r.add(late, jobs.Report({"notifications": 2}, "second"))
    r.add(early, jobs.Report({"notifications": 1, "warned": 3}, "first"))
    assert (r.notifications, r.warned, r.escalated) == (3, 3, 0)  # a count no job gave: 0
    assert r.summary() == "first; second"
    assert RunResult(skipped=True).summary().startswith("skipped")


def test_registering_again_replaces_and_a_round_reads_what_moved() -> None:
    seen: list[datetime] = []
    job = jobs.Job("test.job", jobs.AFTER, lambda e, now, s: seen.append(now) or jobs.Report())
    try:
        jobs.register_job(job)
        jobs.register_job(job)
        assert [j.name for j in jobs.jobs()].count("test.job") == 1
    finally:
        jobs.registry.unregister("test.job")
    moved = Reclocked(
        2027,
        {"demands": [1, 2], "tasks": []},
        {"demands": "open demand(s)", "tasks": "open chain task(s)"},
    )
    assert (moved.demands, moved.tasks, moved.projects) == ([1, 2], [], [])
    assert moved.text() == (
        "2 open demand(s) and 0 open chain task(s) had their deadlines recomputed"
    )
    assert moved.as_dict() == {"demands": [1, 2], "tasks": [], "n_demands": 2, "n_tasks": 0}
