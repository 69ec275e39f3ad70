"""The assembly's wiring: what the domains lend the kernel, registered once at start-up (the web
app, the `highland` command and the tests call `wire()`).

The kernel never imports a domain; it runs what is registered here:

- the jobs of the scheduled round (`highland.platform.jobs`): the demands' and the chain tasks'
  overdue sweeps, the chains' figure refresh (the kernel adds its own e-mail and prune);
- the listeners of a change of the working calendar (`highland.platform.calendar.years`): the
  demands' and the chain tasks' deadlines are recounted;
- the providers policy matching reads enterprises' chain memberships through
  (`highland.enterprises.public.register_chain_memberships`), lent by the chains domain, and
  their high-growth categories (`register_growth_categories`), lent by the growth domain;
- the names of the codes the audit page shows (`highland.platform.audit.present`): the demands'
  categories, and which fields of the demands', routing rules' and chain tasks' entries hold
  institution and category codes.
"""

from __future__ import annotations

import threading

from highland.chains import indicators
from highland.chains.governance import reclock as task_reclock
from highland.chains.governance import sweep as task_sweep
from highland.chains.public import chain_memberships
from highland.demands import public as demands
from highland.demands import reclock as demand_reclock
from highland.demands import sweep as demand_sweep
from highland.enterprises import public as enterprises
from highland.growth.public import growth_categories
from highland.innovation.pipeline import reclock as project_reclock
from highland.innovation.pipeline import sweep as project_sweep
from highland.platform import jobs
from highland.platform.audit import present as audit_names

_done = False
_lock = threading.Lock()


def wire() -> None:
    """Register every domain's jobs, listeners and providers (idempotent)."""
    global _done
    with _lock:
        if _done:
            return

        jobs.register_job(jobs.Job("demands.sweep", jobs.SWEEP, demand_sweep.sweep_job, order=10))
        jobs.register_job(jobs.Job("chains.task_sweep", jobs.SWEEP, task_sweep.sweep_job, order=20))
        jobs.register_job(
            jobs.Job("innovation.project_sweep", jobs.SWEEP, project_sweep.sweep_job, order=30)
        )
        jobs.register_job(jobs.Job("chains.figures", jobs.AFTER, indicators.refresh_job, order=90))
        jobs.register_job(
            jobs.Job("enterprises.changes", jobs.AFTER, enterprises.prune_changes_job, order=95)
        )
        jobs.register_calendar_listener(
            "demands", demand_reclock.LABEL, demand_reclock.reclock_demands
        )
        jobs.register_calendar_listener("tasks", task_reclock.LABEL, task_reclock.reclock_tasks)
        jobs.register_calendar_listener(
            "projects", project_reclock.LABEL, project_reclock.reclock_projects
        )
        enterprises.register_chain_memberships(chain_memberships)
        enterprises.register_growth_categories(growth_categories)
        _audit_names()
        _done = True


def _audit_names() -> None:
    """The codes in audit entries that the page names: institutions (the kernel's table) and
    demand categories (the demands'), by entity, field and, where a field means either, action."""
    audit_names.register_code_names("category", demands.category_names)
    inst = ("institution", "co", "institution_from", "institution_to", "lead")
    audit_names.register_coded_fields("institution", "demand", inst)
    audit_names.register_coded_fields("institution", "demand", ("from", "to"), action="transfer")
    audit_names.register_coded_fields("category", "demand", ("category",))
    audit_names.register_coded_fields("category", "demand", ("from", "to"), action="recategorise")
    audit_names.register_coded_fields("institution", "demand_routing", ("lead", "co"))
    audit_names.register_coded_fields("institution", "institution", ("parent_code",))
    audit_names.register_coded_fields("institution", "chain_task", ("owner_institution",))
    audit_names.register_coded_fields("institution", "innovation_project", ("owner_institution",))
