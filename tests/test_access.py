"""The shared access test: every route of the app has a row here, or the suite fails.

For each route: anonymous → 401 (API) or a redirect to sign in (pages); a role without the
permission → 403; a caller for whom the object is out of scope → 404; an allowed caller → 2xx.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.routing import Mount, Route

from highland.enterprises.imports import run_import
from highland.enterprises.models import Enterprise
from highland.platform.identity import service as identity
from highland.platform.kit import clock
from highland.policies import service
from highland.policies.rules.loader import Library, load_library, read_paths
from tests.conftest import ACTOR
from tests.factories import ENT_HEADER, FIN_HEADER, ent_row, fin_row, to_csv


@dataclass(frozen=True)
class Rule:
    """Who may call a route."""

    public: bool = False
    allowed: str = "admin"
    denied: str | None = None
    scoped: bool = False  # the path names an object: an out-of-scope caller gets 404
    ok: int = 200


# (method, path) → rule. A new route without a row here fails test_every_route_has_a_row.
ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/"): Rule(allowed="enterprise"),
    ("GET", "/overview"): Rule(allowed="leader", denied="handler"),
    ("GET", "/api/v1/overview"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/login"): Rule(public=True),
    ("POST", "/login"): Rule(public=True, ok=303),
    ("GET", "/lang/{lang}"): Rule(public=True, ok=303),
    ("POST", "/logout"): Rule(allowed="enterprise", ok=303),
    ("GET", "/enterprises"): Rule(allowed="enterprise"),
    ("GET", "/enterprises/export.csv"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/enterprises/export.xlsx"): Rule(allowed="leader", denied="handler"),
    ("GET", "/enterprises/export-figures.csv"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/enterprises/export-figures.xlsx"): Rule(allowed="analyst", denied="handler"),
    ("GET", "/enterprises/{uscc}"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/imports"): Rule(allowed="analyst", denied="leader"),
    ("POST", "/imports"): Rule(allowed="analyst", denied="chain_head"),
    ("GET", "/imports/reports/{report_id}.csv"): Rule(
        allowed="admin", denied="enterprise", scoped=True
    ),
    ("GET", "/audit"): Rule(allowed="admin", denied="analyst"),
    ("GET", "/audit/export.csv"): Rule(allowed="admin", denied="analyst"),
    ("GET", "/audit/export.xlsx"): Rule(allowed="admin", denied="leader"),
    ("GET", "/policies"): Rule(allowed="enterprise"),
    ("POST", "/policies"): Rule(allowed="analyst", denied="leader"),
    ("GET", "/policies/{policy_id}"): Rule(allowed="handler"),
    ("GET", "/policies/{policy_id}/export.csv"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/policies/{policy_id}/export.xlsx"): Rule(allowed="leader", denied="handler"),
    ("POST", "/policies/{policy_id}/refresh"): Rule(
        allowed="chain_head", denied="enterprise", ok=303
    ),
    ("POST", "/policies/{policy_id}/what-if"): Rule(allowed="leader", denied="handler"),
    ("GET", "/enterprises/{uscc}/policies"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/growth"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/growth/export.csv"): Rule(allowed="chain_team", denied="handler"),
    ("GET", "/growth/whitepaper"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/growth/export.xlsx"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/growth/movements"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/growth/pool"): Rule(allowed="leader", denied="handler"),
    ("GET", "/growth/pool/export.csv"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/growth/pool/export.xlsx"): Rule(allowed="leader", denied="handler"),
    ("GET", "/enterprises/{uscc}/growth"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/policy-packages"): Rule(allowed="enterprise"),
    ("GET", "/policy-packages/{package_id}"): Rule(allowed="handler"),
    ("GET", "/policy-runs"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/policy-runs"): Rule(allowed="analyst", denied="leader", ok=303),
    ("GET", "/policy-runs/{run_id}"): Rule(allowed="chain_team", denied="handler"),
    ("GET", "/policy-runs/{run_id}/replay"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/api/v1/me"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/enterprises"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/enterprises/export"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/api/v1/enterprises/export-figures"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/api/v1/enterprises/{uscc}"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/api/v1/regions"): Rule(allowed="handler"),
    ("GET", "/api/v1/zones"): Rule(allowed="admin", denied="analyst"),
    ("POST", "/api/v1/zones"): Rule(allowed="admin", denied="analyst", ok=201),
    ("PUT", "/api/v1/zones/{zone}"): Rule(allowed="admin", denied="leader"),
    ("DELETE", "/api/v1/zones/{zone}"): Rule(allowed="admin", denied="analyst", ok=204),
    ("GET", "/admin/zones"): Rule(allowed="admin", denied="analyst"),
    ("POST", "/admin/zones"): Rule(allowed="admin", denied="analyst", ok=303),
    ("POST", "/admin/zones/{zone}/delete"): Rule(allowed="admin", denied="handler", ok=303),
    ("POST", "/api/v1/imports/enterprises"): Rule(allowed="analyst", denied="leader"),
    ("POST", "/api/v1/imports/financials"): Rule(allowed="analyst", denied="enterprise"),
    ("GET", "/api/v1/policies"): Rule(allowed="enterprise"),
    ("POST", "/api/v1/policies"): Rule(allowed="analyst", denied="leader", ok=201),
    ("POST", "/api/v1/policies/check"): Rule(allowed="analyst", denied="chain_head"),
    ("GET", "/api/v1/policies/{policy_id}"): Rule(allowed="handler"),
    ("GET", "/api/v1/policies/{policy_id}/versions/{version}"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/policies/{policy_id}/matches"): Rule(allowed="chain_team", denied="handler"),
    ("GET", "/api/v1/policies/{policy_id}/matches/export"): Rule(
        allowed="leader", denied="handler"
    ),
    ("POST", "/api/v1/policies/{policy_id}/what-if"): Rule(allowed="chain_head", denied="handler"),
    ("GET", "/api/v1/enterprises/{uscc}/policies"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/api/v1/policy-packages"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/policy-packages/{package_id}"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/api/v1/policy-runs"): Rule(allowed="analyst", denied="chain_team", ok=201),
    ("GET", "/api/v1/policy-runs"): Rule(allowed="chain_head", denied="enterprise"),
    ("GET", "/api/v1/policy-runs/{run_id}"): Rule(allowed="leader", denied="handler"),
    ("GET", "/api/v1/policy-runs/{run_id}/replay"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/recognitions"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/recognitions/{ruleset_id}"): Rule(allowed="chain_team", denied="enterprise"),
    ("GET", "/recognitions/{ruleset_id}/export.csv"): Rule(allowed="leader", denied="handler"),
    ("GET", "/recognitions/{ruleset_id}/export.xlsx"): Rule(allowed="chain_head", denied="handler"),
    ("GET", "/api/v1/recognitions"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/api/v1/recognitions/{ruleset_id}"): Rule(allowed="analyst", denied="handler"),
    ("GET", "/api/v1/recognitions/{ruleset_id}/pools/{pool}"): Rule(
        allowed="leader", denied="enterprise"
    ),
    ("GET", "/api/v1/recognitions/{ruleset_id}/pools/{pool}/export"): Rule(
        allowed="chain_team", denied="enterprise"
    ),
    ("GET", "/api/v1/audit"): Rule(allowed="admin", denied="analyst"),
    ("GET", "/api/v1/audit/verify"): Rule(allowed="admin", denied="leader"),
    # --- demands: REST API (rows kept by the API's author) ---
    ("GET", "/api/v1/demands"): Rule(allowed="enterprise"),
    ("POST", "/api/v1/demands"): Rule(allowed="analyst", denied="leader", ok=201),
    ("GET", "/api/v1/demands/{demand_id}"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/api/v1/demands/{demand_id}/events"): Rule(allowed="handler", scoped=True),
    ("POST", "/api/v1/demands/{demand_id}/actions/{action}"): Rule(
        allowed="handler", denied="leader", scoped=True
    ),
    ("POST", "/api/v1/demands/{demand_id}/attachments"): Rule(
        allowed="enterprise", scoped=True, ok=201
    ),
    ("GET", "/api/v1/demands/{demand_id}/attachments/{attachment_id}"): Rule(
        allowed="enterprise", scoped=True
    ),
    ("GET", "/api/v1/demand-categories"): Rule(allowed="enterprise"),
    ("PUT", "/api/v1/demand-categories/{category}"): Rule(allowed="admin", denied="analyst"),
    ("GET", "/api/v1/institutions"): Rule(allowed="handler"),
    ("PUT", "/api/v1/institutions/{institution}"): Rule(allowed="admin", denied="analyst"),
    ("GET", "/api/v1/demand-routing"): Rule(allowed="handler"),
    ("PUT", "/api/v1/demand-routing"): Rule(allowed="admin", denied="leader"),
    ("DELETE", "/api/v1/demand-routing/{category}/{district}"): Rule(
        allowed="admin", denied="analyst", ok=204
    ),
    ("POST", "/api/v1/demand-meetings"): Rule(allowed="analyst", denied="handler", ok=201),
    ("GET", "/api/v1/demand-meetings/{meeting_id}"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/api/v1/calendar/deadline"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/demand-metrics"): Rule(allowed="leader", denied="handler"),
    ("GET", "/api/v1/demand-meetings/{meeting_id}/export.xlsx"): Rule(
        allowed="enterprise", scoped=True
    ),
    # --- demands: the 12345 practice (extensions, callbacks; see _practice_world) ---
    ("GET", "/api/v1/demands/{demand_id}/extensions"): Rule(allowed="handler", scoped=True),
    ("POST", "/api/v1/demands/{demand_id}/extensions"): Rule(
        allowed="handler", denied="leader", scoped=True, ok=201
    ),
    ("POST", "/api/v1/demands/{demand_id}/extensions/{request_id}/decision"): Rule(
        allowed="leader", denied="handler", scoped=True
    ),
    ("GET", "/api/v1/demands/{demand_id}/callbacks"): Rule(allowed="leader", scoped=True),
    ("POST", "/api/v1/demands/{demand_id}/callbacks"): Rule(
        allowed="analyst", denied="leader", scoped=True, ok=201
    ),
    ("POST", "/demands/{demand_id}/extensions"): Rule(
        allowed="handler", denied="leader", scoped=True, ok=303
    ),
    ("POST", "/demands/{demand_id}/extensions/{request_id}/decision"): Rule(
        allowed="leader", denied="handler", scoped=True, ok=303
    ),
    ("POST", "/demands/{demand_id}/callbacks"): Rule(
        allowed="analyst", denied="chain_team", scoped=True, ok=303
    ),
    # --- demands: pages ---
    ("GET", "/demands"): Rule(allowed="enterprise"),
    ("GET", "/demands/new"): Rule(allowed="enterprise", denied="handler"),
    ("POST", "/demands/new"): Rule(allowed="enterprise", denied="leader", ok=303),
    ("GET", "/demands/{demand_id}"): Rule(allowed="enterprise", scoped=True),
    ("POST", "/demands/{demand_id}/actions/{action}"): Rule(
        allowed="handler", denied="leader", scoped=True, ok=303
    ),
    ("GET", "/demands/{demand_id}/attachments/{attachment_id}"): Rule(
        allowed="enterprise", scoped=True
    ),
    ("GET", "/demand-meetings"): Rule(allowed="enterprise"),
    ("GET", "/demand-meetings/new"): Rule(allowed="analyst", denied="leader"),
    ("POST", "/demand-meetings/new"): Rule(allowed="chain_team", denied="handler", ok=303),
    ("GET", "/demand-meetings/{meeting_id}"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/demand-meetings/{meeting_id}/export.xlsx"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/demand-metrics"): Rule(allowed="leader", denied="handler"),
    ("GET", "/notices"): Rule(allowed="enterprise"),
    ("POST", "/notices/read"): Rule(allowed="handler", ok=303),
    ("GET", "/admin/institutions"): Rule(allowed="admin", denied="analyst"),
    ("POST", "/admin/institutions"): Rule(allowed="admin", denied="analyst", ok=303),
    ("GET", "/admin/demand-categories"): Rule(allowed="admin", denied="leader"),
    ("POST", "/admin/demand-categories"): Rule(allowed="admin", denied="analyst", ok=303),
    ("GET", "/admin/routing"): Rule(allowed="admin", denied="analyst"),
    ("POST", "/admin/routing"): Rule(allowed="admin", denied="analyst", ok=303),
    ("POST", "/admin/routing/delete"): Rule(allowed="admin", denied="handler", ok=303),
    ("GET", "/admin/calendar"): Rule(allowed="admin", denied="analyst"),
    ("POST", "/admin/calendar"): Rule(allowed="admin", denied="analyst", ok=303),
    ("POST", "/admin/calendar/{year}/delete"): Rule(allowed="admin", denied="analyst", ok=303),
    # --- demands: Open311 ---
    # Public reads; "{...}" placeholders stay unfilled here, so those objects are unknown (404).
    # POST without an api_key is refused with 403 in Open311's error format.
    ("GET", "/open311/v2/discovery.json"): Rule(public=True),
    ("GET", "/open311/v2/discovery.xml"): Rule(public=True),
    ("GET", "/open311/v2/services.json"): Rule(public=True),
    ("GET", "/open311/v2/services.xml"): Rule(public=True),
    ("GET", "/open311/v2/services/{service_code}.json"): Rule(public=True, ok=404),
    ("GET", "/open311/v2/services/{service_code}.xml"): Rule(public=True, ok=404),
    ("GET", "/open311/v2/requests.json"): Rule(public=True),
    ("GET", "/open311/v2/requests.xml"): Rule(public=True),
    ("POST", "/open311/v2/requests.json"): Rule(public=True, ok=403),
    ("POST", "/open311/v2/requests.xml"): Rule(public=True, ok=403),
    ("GET", "/open311/v2/requests/{service_request_id}.json"): Rule(public=True, ok=404),
    ("GET", "/open311/v2/requests/{service_request_id}.xml"): Rule(public=True, ok=404),
    ("GET", "/open311/v2/tokens/{token}.json"): Rule(public=True, ok=404),
    ("GET", "/open311/v2/tokens/{token}.xml"): Rule(public=True, ok=404),
    ("GET", "/open311/v2/{rest:path}"): Rule(public=True, ok=404),
    ("POST", "/open311/v2/{rest:path}"): Rule(public=True, ok=404),
    # --- notices (every signed-in user reads and marks only their own) ---
    ("GET", "/api/v1/notices"): Rule(allowed="enterprise"),
    ("POST", "/api/v1/notices/read"): Rule(allowed="chain_team"),
    # --- chains: data (chain list, segment trees, versions) ---
    ("GET", "/chains"): Rule(allowed="handler", denied="enterprise"),
    ("POST", "/chains"): Rule(allowed="chain_head", denied="handler"),
    ("GET", "/chains/{chain_id}"): Rule(allowed="handler", denied="enterprise"),
    ("GET", "/chains/{chain_id}/edit"): Rule(allowed="chain_team", denied="leader"),
    ("POST", "/chains/{chain_id}/edit"): Rule(allowed="chain_head", denied="handler", ok=303),
    ("GET", "/api/v1/chains"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/api/v1/chains"): Rule(allowed="chain_team", denied="leader", ok=201),
    ("GET", "/api/v1/chains/{chain_id}"): Rule(allowed="handler", denied="enterprise"),
    ("GET", "/api/v1/chains/{chain_id}/versions/{version}"): Rule(
        allowed="chain_team", denied="enterprise"
    ),
    # --- chains: enterprises in segments, leading firms ---
    ("GET", "/api/v1/chains/{chain_id}/members"): Rule(allowed="handler", denied="enterprise"),
    ("POST", "/api/v1/chains/{chain_id}/members"): Rule(
        allowed="chain_head", denied="leader", ok=201
    ),
    ("POST", "/api/v1/chains/{chain_id}/members/decide"): Rule(
        allowed="chain_team", denied="handler"
    ),
    ("GET", "/api/v1/chains/{chain_id}/leading"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/api/v1/chains/{chain_id}/leading"): Rule(
        allowed="chain_head", denied="leader", ok=201
    ),
    ("DELETE", "/api/v1/chains/{chain_id}/leading/{uscc}"): Rule(
        allowed="chain_team", denied="leader", ok=204
    ),
    ("GET", "/chains/{chain_id}/members"): Rule(allowed="handler", denied="enterprise"),
    ("POST", "/chains/{chain_id}/members"): Rule(allowed="chain_head", denied="leader", ok=303),
    ("POST", "/chains/{chain_id}/members/decide"): Rule(
        allowed="analyst", denied="handler", ok=303
    ),
    ("GET", "/chains/{chain_id}/leading"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/chains/{chain_id}/leading"): Rule(allowed="chain_team", denied="leader", ok=303),
    ("POST", "/chains/{chain_id}/leading/{uscc}/unmark"): Rule(
        allowed="chain_head", denied="handler", ok=303
    ),
    # --- chains: governance (monthly scheduling, tasks) ---
    # The world has chain 1's record of 2026-03 with one task ({month}, {task_id}); a new
    # record is posted for 2026-04 and the task is started ({action} = start here).
    ("GET", "/api/v1/chains/{chain_id}/meetings"): Rule(allowed="handler", denied="enterprise"),
    ("POST", "/api/v1/chains/{chain_id}/meetings"): Rule(
        allowed="chain_head", denied="leader", ok=201
    ),
    ("GET", "/api/v1/chains/{chain_id}/meetings/{month}"): Rule(
        allowed="leader", denied="enterprise"
    ),
    ("POST", "/api/v1/chains/{chain_id}/meetings/{month}/indicators"): Rule(
        allowed="chain_team", denied="handler"
    ),
    ("GET", "/api/v1/chains/{chain_id}/indicators"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/api/v1/chain-tasks/{task_id}"): Rule(allowed="handler", denied="enterprise"),
    ("POST", "/api/v1/chain-tasks/{task_id}/actions/{action}"): Rule(
        allowed="chain_head", denied="leader"
    ),
    ("GET", "/chains/{chain_id}/meetings"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/chains/{chain_id}/meetings"): Rule(allowed="chain_team", denied="handler", ok=303),
    ("GET", "/chains/{chain_id}/meetings/{month}"): Rule(allowed="handler", denied="enterprise"),
    ("POST", "/chains/{chain_id}/meetings/{month}/indicators"): Rule(
        allowed="chain_head", denied="leader", ok=303
    ),
    ("GET", "/chain-tasks/{task_id}"): Rule(allowed="leader", denied="enterprise", ok=303),
    ("POST", "/chain-tasks/{task_id}/actions/{action}"): Rule(
        allowed="chain_team", denied="handler", ok=303
    ),
    # --- chains: analytics ---
    ("GET", "/api/v1/chains/{chain_id}/analytics"): Rule(allowed="handler", denied="enterprise"),
    ("GET", "/chains/{chain_id}/analytics"): Rule(allowed="leader", denied="enterprise"),
    ("POST", "/api/v1/chain-reference-figures"): Rule(allowed="analyst", denied="chain_head"),
    ("POST", "/api/v1/chain-prospects"): Rule(allowed="analyst", denied="leader"),
    # --- chains: pictures ---
    ("GET", "/chains/{chain_id}/map"): Rule(allowed="handler", denied="enterprise"),
    ("GET", "/chains/{chain_id}/map.svg"): Rule(allowed="handler", denied="enterprise"),
    ("GET", "/chains/{chain_id}/districts"): Rule(allowed="handler", denied="enterprise"),
    # --- chains: trends ---
    ("GET", "/api/v1/chains/{chain_id}/trends"): Rule(allowed="handler", denied="enterprise"),
    ("GET", "/chains/{chain_id}/trends"): Rule(allowed="leader", denied="enterprise"),
    # --- end chains: trends ---
    # --- chains: report ---
    # Without ?month= the report is the current month's: a real 200 (HTML) for the allowed.
    ("GET", "/chains/{chain_id}/report"): Rule(allowed="leader", denied="enterprise"),
    ("GET", "/api/v1/chains/{chain_id}/report"): Rule(allowed="handler", denied="enterprise"),
    # --- end chains: report ---
    # --- innovation (see _innovation_world) ---
    ("GET", "/innovation"): Rule(allowed="enterprise"),
    ("POST", "/innovation/imports"): Rule(allowed="analyst", denied="leader"),
    ("GET", "/innovation/registers/{kind}"): Rule(allowed="enterprise"),
    ("POST", "/innovation/registers/{kind}"): Rule(allowed="analyst", denied="leader", ok=303),
    ("GET", "/innovation/registers/{kind}/export.csv"): Rule(allowed="enterprise"),
    ("GET", "/innovation/registers/{kind}/export.xlsx"): Rule(allowed="enterprise"),
    ("GET", "/innovation/pipeline"): Rule(allowed="enterprise"),
    ("GET", "/innovation/pipeline/export.csv"): Rule(allowed="enterprise"),
    ("GET", "/innovation/pipeline/export.xlsx"): Rule(allowed="enterprise"),
    ("GET", "/innovation/projects/{project_id}"): Rule(allowed="enterprise", scoped=True),
    ("POST", "/innovation/projects/{project_id}/actions/{action}"): Rule(
        allowed="analyst", denied="leader", ok=303
    ),
    ("GET", "/api/v1/innovation/pipeline"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/innovation/projects/{project_id}"): Rule(allowed="enterprise", scoped=True),
    ("POST", "/api/v1/innovation/projects/{project_id}/actions/{action}"): Rule(
        allowed="analyst", denied="leader"
    ),
    ("GET", "/api/v1/innovation/registers/{kind}"): Rule(allowed="enterprise"),
    ("POST", "/api/v1/innovation/registers/{kind}"): Rule(
        allowed="analyst", denied="leader", ok=201
    ),
    ("POST", "/api/v1/innovation/registers/{kind}/import"): Rule(
        allowed="analyst", denied="chain_head"
    ),
    # --- end innovation ---
    # --- identity: accounts and tokens (creds; rows act on the world's spare users) ---
    ("GET", "/admin/users"): Rule(allowed="admin", denied="analyst"),
    ("POST", "/admin/users/{user_id}/disable"): Rule(allowed="admin", denied="leader", ok=303),
    ("POST", "/admin/users/{user_id}/enable"): Rule(allowed="admin", denied="analyst", ok=303),
    ("POST", "/admin/users/{user_id}/reset-password"): Rule(
        allowed="admin", denied="handler", ok=303
    ),
    ("POST", "/admin/tokens/{token_id}/revoke"): Rule(allowed="admin", denied="enterprise", ok=303),
    # --- end identity ---
    # --- docking (tech docking; see _docking_world) ---
    ("GET", "/docking"): Rule(allowed="enterprise"),
    ("POST", "/docking/imports"): Rule(allowed="analyst", denied="leader"),
    ("GET", "/docking/achievements/export.csv"): Rule(allowed="enterprise"),
    ("GET", "/docking/achievements/{achievement_id}"): Rule(allowed="enterprise"),
    ("GET", "/docking/needs"): Rule(allowed="enterprise"),
    ("POST", "/docking/needs"): Rule(allowed="analyst", denied="leader", ok=303),
    ("GET", "/docking/needs/{need_id}"): Rule(allowed="enterprise", scoped=True),
    ("POST", "/docking/records"): Rule(allowed="analyst", denied="enterprise", ok=303),
    ("GET", "/docking/records"): Rule(allowed="enterprise"),
    ("GET", "/docking/records/{record_id}"): Rule(allowed="enterprise", scoped=True),
    ("POST", "/docking/records/{record_id}/actions/{action}"): Rule(
        allowed="analyst", denied="leader", ok=303
    ),
    ("GET", "/api/v1/docking/achievements"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/docking/achievements/{achievement_id}"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/docking/achievements/{achievement_id}/matches"): Rule(
        allowed="leader", denied="enterprise"
    ),
    ("POST", "/api/v1/docking/imports"): Rule(allowed="analyst", denied="leader"),
    ("GET", "/api/v1/docking/needs"): Rule(allowed="enterprise"),
    ("POST", "/api/v1/docking/needs"): Rule(allowed="analyst", denied="chain_head", ok=201),
    ("GET", "/api/v1/docking/needs/{need_id}"): Rule(allowed="enterprise", scoped=True),
    ("GET", "/api/v1/docking/needs/{need_id}/matches"): Rule(
        allowed="handler", denied="enterprise"
    ),
    ("POST", "/api/v1/docking/records"): Rule(allowed="analyst", denied="leader", ok=201),
    ("GET", "/api/v1/docking/records"): Rule(allowed="enterprise"),
    ("GET", "/api/v1/docking/records/{record_id}"): Rule(allowed="enterprise", scoped=True),
    ("POST", "/api/v1/docking/records/{record_id}/actions/{action}"): Rule(
        allowed="analyst", denied="leader"
    ),
    # --- end docking ---
    ("GET", "/docs"): Rule(public=True),
    ("GET", "/redoc"): Rule(public=True),
    ("GET", "/static-offline-docs/redoc.standalone.js"): Rule(public=True),
    ("GET", "/docs/oauth2-redirect"): Rule(public=True),
    ("GET", "/openapi.json"): Rule(public=True),
    ("GET", "/static"): Rule(public=True),
    ("GET", "/static-offline-docs"): Rule(public=True),
}

POLICY = "nj-2025-rd-subsidy"
DEMO = read_paths([service.DEMO_LIBRARY])

SCOPE_EXTRA = {
    "enterprise": "enterprise_id",
    "handler": "institution_code",
    "chain_head": "chain_id",
    "chain_team": "chain_id",
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the application serves, including those of included routers."""
    found: set[tuple[str, str]] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                # Highland's routers carry their prefix themselves, so paths are complete.
                walk(inner.routes)
            elif isinstance(route, Mount):
                found.add(("GET", route.path))
            elif isinstance(route, APIRoute | Route):
                for method in route.methods or ():
                    if method != "HEAD":
                        found.add((method, route.path))

    walk(app.routes)
    return found


def test_every_route_has_a_row(app: Any) -> None:
    served = app_routes(app)
    missing = served - ROUTES.keys()
    stale = ROUTES.keys() - served
    assert not missing, f"routes without a row in the access test: {sorted(missing)}"
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


@functools.cache
def _demo() -> Library:
    return load_library([service.DEMO_LIBRARY])


def _small_library() -> Library:
    """Two demo policies that exclude each other, and their packages: enough for every route,
    and much cheaper per test than the whole demo library."""
    demo = _demo()
    policies = {k: demo.policies[k] for k in (POLICY, "jn-2025-rd-subsidy")}
    wanted = {p.package for p in policies.values()} | {"nj-2025-no1"}
    packages = {k: v for k, v in demo.packages.items() if k in wanted}
    return Library(policies=policies, packages=packages)


@pytest.fixture(scope="module")
def _world_db(engine: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The world, built once per module and backend in a transaction that is never committed
    (rolled back at the end); each test runs in a savepoint of it (`connection` below)."""
    from fastapi.testclient import TestClient

    from highland.main import create_app, refresh_state
    from highland.platform.config import Settings

    with engine.connect() as conn:
        outer = conn.begin()
        sessions = sessionmaker(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        folder = tmp_path_factory.mktemp("access")
        settings = Settings(secret_key="test-secret", instance_dir=folder, login_max_failures=5)
        app = create_app(engine, settings)
        app.state.sessions = sessions
        refresh_state(app)
        with sessions() as db, TestClient(app, follow_redirects=False) as client:
            built = _build_world(sessions, db, client)
        yield conn, built
        outer.rollback()


@pytest.fixture
def connection(_world_db: tuple[Any, Any]) -> Iterator[Any]:
    """The world's connection, in a savepoint that the test never keeps."""
    conn, _ = _world_db
    savepoint = conn.begin_nested()
    yield conn
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture
def world(_world_db: tuple[Any, Any], connection: Any) -> dict[str, Any]:
    """Two enterprises, a user of every role (enterprise user owns B), a report by admin."""
    return _world_db[1]  # type: ignore[no-any-return]


def _build_world(sessions, db, client):  # type: ignore[no-untyped-def]
    """Two enterprises, a user of every role (enterprise user owns B), a report by admin."""
    run_import(
        sessions, ACTOR, "enterprises", to_csv([ent_row(1), ent_row(2)], ENT_HEADER), "e.csv"
    )
    a, b = db.scalars(select(Enterprise).order_by(Enterprise.id)).all()
    global _WORLD_A
    _WORLD_A = a.uscc
    users: dict[str, Any] = {}
    for role in ("admin", "analyst", "chain_head", "chain_team", "handler", "enterprise", "leader"):
        extra: dict[str, Any] = {}
        if role == "enterprise":
            extra["enterprise_id"] = b.id
        elif role == "handler":
            extra["institution_code"] = "320115-ZRZY"
        elif role in ("chain_head", "chain_team"):
            extra["chain_id"] = 1
        user = identity.create_user(
            db, ACTOR, username=f"u_{role}", password="password-123", role=role, **extra
        )
        token, csrf = identity.open_session(db, user, 1)
        api = identity.create_token(db, ACTOR, user.username)
        users[role] = {"cookie": token, "csrf": csrf, "api": api}
    demands = _demand_world(db, a, b)
    demands.update(_chain_world(db))
    demands.update(_page_world(db, a))
    demands.update(_practice_world(db, a))
    demands.update(_creds_world(db))
    demands.update(_innovation_world(db, a, b))
    demands.update(_docking_world(db, a, b))
    service.store(db, _small_library(), ACTOR)
    run = service.run_match(db, date(2026, 6, 30), ACTOR)
    db.commit()
    # A report written by the admin (through the real page, so it belongs to them).
    admin = users["admin"]
    client.cookies.set("highland_session", admin["cookie"])
    bad = to_csv([ent_row(3, founded_on="nope")], ENT_HEADER)
    resp = client.post(
        "/imports",
        data={"kind": "enterprises", "csrf_token": admin["csrf"]},
        files={"file": ("bad.csv", bad, "text/csv")},
    )
    assert resp.status_code == 422
    report_id = resp.text.split("/imports/reports/")[1].split(".csv")[0]
    client.cookies.clear()
    return {
        "a": a.uscc,
        "b": b.uscc,
        "users": users,
        "report": report_id,
        "run": run.id,
        **demands,
    }


DEMAND_REFERENCE = """\
categories:
  - {code: land, name: 土地, name_en: Land, response_days: 1, resolution_days: 10}
institutions:
  - {code: 320115-GOV, name: 区政府办}
  - {code: 320115-ZRZY, name: 区自然资源和规划分局, parent: 320115-GOV}
  - {code: 320115-HR, name: 区人社局, parent: 320115-GOV}
routing:
  - {category: land, district: "320115", lead: 320115-ZRZY}
  - {category: land, district: "*", lead: 320115-GOV}
"""


def _innovation_world(db: Any, a: Enterprise, b: Enterprise) -> dict[str, Any]:
    """A cooperation project of each enterprise (the enterprise user, B's, gets 404 for A's),
    followed by the handler's institution."""
    from highland.innovation.registry import service as innovation

    made = {}
    for key, ent in (("project_a", a), ("project_b", b)):
        p = innovation.add(db, ACTOR, "projects", {
            "title": f"访问测试项目 {key}", "partner": "博世", "partner_country": "DE",
            "uscc": ent.uscc, "signed_on": "2024-06-12", "owner_institution": "320115-ZRZY",
        })  # fmt: skip
        made[key] = p.id
    return made


def _innovation_post(client: Any, path: str, headers: dict[str, str], data: dict[str, str]) -> Any:
    """Innovation: a platform added or imported, a project reviewed (version 1)."""
    api = path.startswith("/api/")
    if path.endswith("/import") or path == "/innovation/imports":
        sheet = "name,kind,level\n导入的平台,other,municipal\n".encode()
        files = {"file": ("p.csv", sheet, "text/csv")}
        return client.post(path, data={**data, "kind": "platforms"}, files=files, headers=headers)
    if "/actions/" in path:
        if api:
            return client.post(path, json={"version": 1}, headers=headers)
        return client.post(path, data={**data, "version": "1"}, headers=headers)
    body = {"name": "访问测试平台", "kind": "other", "level": "municipal"}
    if api:
        return client.post(path, json=body, headers=headers)
    return client.post(path, data={**data, **body}, headers=headers)


DOCKING_CSV = (
    "成果编号,成果名称,摘要,关键词,技术领域,完成单位,技术成熟度,产业链,环节\n"
    "A-1,分布式数据库事务引擎,强一致事务,分布式数据库,software,南京大学,6,access,up\n"
    "A-2,分布式数据库存储引擎,列式存储,分布式数据库,software,东南大学,5,access,up\n"
)


def _docking_world(db: Any, a: Enterprise, b: Enterprise) -> dict[str, Any]:
    """Achievements A-1 and A-2, a need of A and one of B, each introduced to A-1 ({record_id}:
    the need's record, at version 1); a new introduction pairs A's need with A-2 and a step on
    the record is "meet"."""
    from highland.docking import repository as docking_repo
    from highland.docking import service as docking
    from highland.docking import workflow as docking_flow
    from highland.platform.identity.permissions import Principal, Role

    staff = Principal(user_id=0, username="tester", role=Role.admin)
    docking.import_achievements(db, ACTOR, DOCKING_CSV.encode(), "a.csv")
    first, second = (docking_repo.ids_by_ref(db, ["A-1", "A-2"])[r] for r in ("A-1", "A-2"))
    needs = {}
    for who in (a, b):
        need = docking.create_need(db, ACTOR, docking.NeedInput(
            enterprise=who.uscc, title="分布式数据库", field="software", chain="access",
            segment="up"))  # fmt: skip
        needs[who.uscc] = need.id
    records = {u: docking_flow.introduce(db, staff, ACTOR, n, first).id for u, n in needs.items()}
    global _DOCKING_NEED_A, _DOCKING_SECOND
    _DOCKING_NEED_A, _DOCKING_SECOND = needs[a.uscc], second
    return {"docking_needs": needs, "docking_records": records, "docking_first": first}


def _docking_fill(path: str, w: dict[str, Any], target: str) -> str:
    """{need_id} and {record_id}: the target enterprise's; {action} on a record: meet."""
    if "/docking" not in path:
        return path
    path = path.replace("{need_id}", str(w["docking_needs"][target]))
    path = path.replace("{record_id}", str(w["docking_records"][target]))
    return path.replace("{achievement_id}", str(w["docking_first"])).replace("{action}", "meet")


def _docking_post(client: Any, path: str, headers: dict[str, str], data: dict[str, str]) -> Any:
    """The docking routes' bodies: an import, a need of A, A's need introduced to achievement 2,
    and the "meet" step at version 1."""
    api = path.startswith("/api/")
    if path.endswith("/imports"):
        files = {"file": ("a.csv", DOCKING_CSV.encode(), "text/csv")}
        return client.post(path, data=data if not api else None, files=files, headers=headers)
    if path.endswith("/needs"):
        body: dict[str, Any] = {"enterprise": _WORLD_A, "title": "数据库", "field": "software"}
    elif path.endswith("/records"):
        body = {"need": _DOCKING_NEED_A, "achievement": _DOCKING_SECOND}
    else:
        body = {"version": 1}
    if api:
        return client.post(path, json=body, headers=headers)
    return client.post(path, data={**data, **{k: str(v) for k, v in body.items()}},
                       headers=headers)  # fmt: skip


def _creds_world(db: Any) -> dict[str, Any]:
    """A spare user with a token (disabled, reset, its token revoked) and a disabled one
    (enabled again) for the account rows."""
    from highland.platform.identity import credentials

    spare = identity.create_user(
        db, ACTOR, username="u_spare", password="password-123", role="leader"
    )
    off = identity.create_user(db, ACTOR, username="u_off", password="password-123", role="leader")
    identity.create_token(db, ACTOR, "u_spare", "spare")
    credentials.set_active(db, ACTOR, "u_off", False, acting_user_id=None)
    token = credentials.list_tokens(db, "u_spare")[0]
    return {"spare_user": spare.id, "off_user": off.id, "spare_token": token.id}


def _demand_world(db: Any, a: Enterprise, b: Enterprise) -> dict[str, Any]:
    """Demands for the access rows: both are at the handler's institution; the enterprise
    user owns B's and gets 404 for A's (tests/demands cover handlers out of scope). A meeting
    holds B's demand; B's demand has an attachment."""
    from highland.demands import reference as demand_reference
    from highland.demands import service as demands
    from highland.demands.attachments import Upload, check_all, store
    from highland.demands.meetings import service as demand_meetings
    from highland.demands.models import Attachment
    from highland.platform.identity.permissions import Principal, Role
    from highland.platform.kit.dates import CITY_TZ

    demand_reference.load_reference(db, ACTOR, DEMAND_REFERENCE, "access.yaml")
    staff = Principal(user_id=0, username="tester", role=Role.admin)
    at = datetime(2026, 3, 2, 9, 0, tzinfo=CITY_TZ)
    held = demand_meetings.MeetingInput(
        title="早餐会", held_at=at, place="区政府", leader="区长", attendees=[a.uscc]
    )
    row = demands.DemandInput(enterprise=b.uscc, category="land", title="用地", description="扩产")
    meeting, (mine,) = demand_meetings.create_meeting(db, staff, ACTOR, held, [row], dispatch=True)
    theirs = demands.file_demand(
        db,
        staff,
        ACTOR,
        demands.DemandInput(enterprise=a.uscc, category="land", title="用地", description="x"),
        [Upload("a.pdf", b"%PDF-1.4")],
        dispatch=False,
    )
    demands.act(
        db, staff, ACTOR, theirs.id, "dispatch", version=1, data={"institution": "320115-ZRZY"}
    )
    store(db, mine.id, check_all([Upload("b.pdf", b"%PDF-1.4")]), ACTOR)
    db.flush()
    attachment = db.scalar(select(Attachment.id).where(Attachment.demand_id == mine.id))
    return {
        "demand_b": mine.id,
        "demand_b_version": mine.version,
        "demand_a": theirs.id,
        "meeting": meeting.id,
        "attachment_b": attachment,
    }


PAGE_YEAR = 2031
# Versions of the practice world's demands: filed and dispatched 1, accepted 2, asked 3.
ASK_VERSION, DECIDE_VERSION = 2, 3
PRACTICE_AT = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _practice_world(db: Any, a: Enterprise) -> dict[str, Any]:
    """A's demands at the handler's institution for the practice rows: one accepted (ask an
    extension), one with a pending request by another handler (decide it), one resolved
    (record a callback). The enterprise user (B's) gets 404 for all three."""
    from highland.demands import extensions
    from highland.demands import service as demands
    from highland.platform.audit.service import Actor
    from highland.platform.identity.permissions import Principal, Role

    staff = Principal(user_id=0, username="tester", role=Role.admin)
    handler = Principal(user_id=0, username="colleague", role=Role.handler,
                        institution_code="320115-ZRZY")  # fmt: skip
    hand = Actor("colleague", "handler", "ui")
    at = PRACTICE_AT
    out: dict[str, Any] = {}
    for key in ("ask_a", "ext_a", "cb_a"):
        d = demands.file_demand(
            db, staff, ACTOR,
            demands.DemandInput(enterprise=a.uscc, category="land", title=key, description="x",
                                request_type="help"),
            dispatch=True, now=at,
        )  # fmt: skip
        d = demands.act(db, handler, hand, d.id, "accept", version=d.version, now=at)
        assert d.version == ASK_VERSION
        if key == "ext_a":
            req = extensions.ask(
                db, handler, hand, d.id, version=d.version, days=2, reason="r", now=at
            )
            assert d.version == DECIDE_VERSION
            out["ext_request"] = req.id
        if key == "cb_a":
            data = {"resolution": "done"}
            demands.act(db, handler, hand, d.id, "resolve", version=d.version, data=data, now=at)
        out[key] = d.id
    return out


def _page_world(db: Any, a: Enterprise) -> dict[str, Any]:
    """For the demand pages' rows: a meeting that only A attended (the enterprise user, B's,
    gets 404 for it) and an admin-entered calendar year to delete."""
    from highland.demands import service as demands
    from highland.demands.meetings import service as demand_meetings
    from highland.platform import calendar as demand_calendar
    from highland.platform.identity.permissions import Principal, Role
    from highland.platform.kit.dates import CITY_TZ

    staff = Principal(user_id=0, username="tester", role=Role.admin)
    held = demand_meetings.MeetingInput(
        title="A 企业走访", held_at=datetime(2026, 3, 3, 9, 0, tzinfo=CITY_TZ), place="A",
        leader="区长", kind="visit", attendees=[a.uscc],
    )  # fmt: skip
    row = demands.DemandInput(enterprise=a.uscc, category="land", title="厂房", description="x")
    meeting, _ = demand_meetings.create_meeting(db, staff, ACTOR, held, [row])
    demand_calendar.enter_year(db, ACTOR, PAGE_YEAR, "access test", {})
    return {"meeting_a": meeting.id}


# Chain 1 for the chains rows: the world's chain head and chain team (chain_id=1) own it, so
# they may write it; posting this same file again stores nothing new (201/200/303 all the same).
CHAIN_YAML = """\
id: 1
code: access
name: 访问测试链
segments:
  - {code: up, name: 上游, stream: upstream, industry: ["6511"], bottleneck: true}
  - {code: down, name: 下游, stream: downstream}
"""


def _chain_world(db: Any) -> dict[str, Any]:
    """Chain 1 (one small chain) for the `{chain_id}` routes, with its scheduling record of
    2026-03 and one task ({month}, {task_id})."""
    from highland.chains import service as chains
    from highland.chains.governance import service as gov
    from highland.chains.loader import read_yaml
    from highland.platform.identity.permissions import Principal, Role
    from highland.platform.kit.dates import CITY_TZ

    chains.store(db, [read_yaml(CHAIN_YAML, "access.yaml")], ACTOR)
    admin = Principal(user_id=0, username="tester", role=Role.admin)
    held = datetime(2026, 3, 20, 9, 30, tzinfo=CITY_TZ)
    _, tasks = gov.create_meeting(
        db, admin, ACTOR, 1, gov.MeetingInput(month=CHAIN_MONTH, held_at=held),
        [gov.DecisionInput(title="走访", owner_name="张三", working_days=5)],
    )  # fmt: skip
    return {"chain_task": tasks[0].id}


CHAIN_MONTH = "2026-03"
NEW_MONTH = {"month": "2026-04", "held_at": "2026-04-10T09:30"}


def _governance_post(client: Any, path: str, headers: dict[str, str], data: dict[str, str]) -> Any:
    """Chains: governance — a new record of 2026-04, a recomputation, a task started."""
    api = path.startswith("/api/")
    if path.endswith("/meetings"):
        if api:
            body = {"month": "2026-04", "held_at": "2026-04-10T09:30:00+08:00"}
            return client.post(path, json=body, headers=headers)
        return client.post(path, data={**data, **NEW_MONTH}, headers=headers)
    if "/actions/" in path:
        if api:
            return client.post(path, json={"version": 1}, headers=headers)
        return client.post(path, data={**data, "version": "1"}, headers=headers)
    if api:
        return client.post(path, headers=headers)
    return client.post(path, data=data, headers=headers)


def _chain_post(client: Any, path: str, headers: dict[str, str], data: dict[str, str]) -> Any:
    """Chains: data — the API reads a YAML body; the pages a form with the YAML."""
    if path.startswith("/api/"):
        headers = {**headers, "content-type": "application/yaml"}
        return client.post(path, content=CHAIN_YAML.encode(), headers=headers)
    return client.post(path, data={**data, "yaml": CHAIN_YAML}, headers=headers)


def _mapping_post(
    client: Any, method: str, path: str, headers: dict[str, str], data: dict[str, str]
) -> Any:
    """Chains: enterprises in segments — A goes into segment `up` of chain 1 (and is marked a
    leading firm for unmarking) with the same credentials before the call under test."""
    api = path.startswith("/api/")
    base = "/api/v1/chains/1" if api else "/chains/1"
    member = {"uscc": _WORLD_A, "segment": "up"}

    def post(url: str, body: dict[str, str]) -> Any:
        if api:
            return client.post(url, json=body, headers=headers)
        return client.post(url, data={**data, **body}, headers=headers)

    if path.endswith("/decide"):
        return post(path, {"decision": "accept", "segment": "up"})
    if path.endswith("/members"):
        return post(path, member)
    post(f"{base}/members", member)
    if path.endswith("/leading"):
        return post(path, {"uscc": _WORLD_A, "reason": "access"})
    post(f"{base}/leading", {"uscc": _WORLD_A})
    if method == "DELETE":
        return client.delete(path, headers=headers)
    return post(path, {})


def _page_form(path: str) -> dict[str, Any]:
    """Form fields of the demand pages' unsafe routes (a valid submission for each)."""
    if path == "/demands/new":
        return {
            "enterprise": _WORLD_A, "category": "land", "title": "用地", "description": "x",
            "request_type": "help",
        }  # fmt: skip
    if "/actions/" in path:  # accept A's demand (filed, then dispatched: version 2)
        return {"version": "2"}
    if path.endswith("/decision"):
        return {"version": str(DECIDE_VERSION), "decision": "approve"}
    if path.endswith("/extensions"):
        return {"version": str(ASK_VERSION), "days": "2", "reason": "测绘未完成"}
    if path.endswith("/callbacks"):
        return {"reached": "yes", "satisfied": "yes", "note": "满意"}
    if path == "/demand-meetings/new":
        return {
            "title": "走访", "held_at": "2026-03-02T09:00", "place": "企业", "leader": "区长",
            "kind": "visit",
            "row_enterprise": _WORLD_A, "row_category": "land", "row_title": "用地",
            "row_description": "x", "row_priority": "normal", "row_request_type": "suggest",
        }  # fmt: skip
    if path == "/admin/institutions":
        return {"code": "320115-NEW", "name": "新单位", "parent": "320115-GOV"}
    if path == "/admin/demand-categories":
        return {"code": "land", "name": "土地", "name_en": "Land", "response_days": "2",
                "resolution_days": "12"}  # fmt: skip
    if path == "/admin/routing":
        return {"category": "land", "district": "320115", "lead": "320115-HR"}
    if path == "/admin/zones":
        return {"code": "320100-ACC", "name_zh": "测试园", "name_en": "Test park"}
    if path == "/admin/routing/delete":
        return {"category": "land", "district": "*"}
    if path.endswith("/reset-password"):
        return {"password": "new-password-1", "password_again": "new-password-1"}
    if path == "/admin/calendar":
        return {"yaml": "year: 2032\nsource: test\nholidays: []\nworkdays: []\n"}
    return {}


def _fill(path: str, w: dict[str, Any], target: str) -> str:
    if "{project_id}" in path or "{kind}" in path:  # the innovation rows
        project = w["project_a"] if target == w["a"] else w["project_b"]
        path = path.replace("{project_id}", str(project)).replace("{action}", "review")
        path = path.replace("{kind}", "platforms")
    path = _docking_fill(path, w, target)
    if "{user_id}" in path or "{token_id}" in path:  # the account rows (see _creds_world)
        user = w["off_user"] if path.endswith("/enable") else w["spare_user"]
        return path.replace("{user_id}", str(user)).replace("{token_id}", str(w["spare_token"]))
    if target == w["a"]:  # the practice rows act on demands in the state they need
        for part, key in (
            ("/extensions/", "ext_a"),
            ("/extensions", "ask_a"),
            ("/callbacks", "cb_a"),
        ):
            if part in path:
                path = path.replace("{demand_id}", str(w[key]))
                path = path.replace("{request_id}", str(w["ext_request"]))
                break
    path = path.replace("{ruleset_id}", "high-tech").replace("{pool}", "qualify")
    # {chain_id}: the world's chain 1 (see _chain_world).
    return path.replace("{uscc}", target).replace("{lang}", "en").replace(
        "{report_id}", w["report"]
    ).replace("{policy_id}", POLICY).replace("{package_id}", "nj-2025-no1").replace(
        "{run_id}", str(w["run"])
    ).replace("{version}", "1").replace(
        "{demand_id}", str(w["demand_a"] if target == w["a"] else w["demand_b"])
    ).replace("{attachment_id}", str(w["attachment_b"])).replace(
        "{meeting_id}", str(w["meeting_a"] if target == w["a"] else w["meeting"])
    ).replace("{month}", CHAIN_MONTH).replace("{task_id}", str(w["chain_task"])).replace(
        "/chain-tasks/" + str(w["chain_task"]) + "/actions/{action}",
        "/chain-tasks/" + str(w["chain_task"]) + "/actions/start",
    ).replace("{year}", str(PAGE_YEAR)).replace("{action}", "accept").replace(
        "{category}", "land"
    ).replace("{institution}", "320115-ZRZY").replace("{district}", "320115").replace(
        "{chain_id}", "1"
    ).replace("{zone}", ACCESS_ZONE) + (
        "?from=2026-09-30T10%3A00%3A00%2B08%3A00&working_days=5"
        if path.endswith("/calendar/deadline")
        else ""
    )


def _call(client: Any, method: str, path: str, user: dict[str, Any] | None, api: bool) -> Any:
    if "/extensions" in path or "/callbacks" in path:
        # The practice world's deadlines are fixed in March 2026: act the day after filing.
        with clock.use(PRACTICE_AT + timedelta(days=1)):
            return _call_now(client, method, path, user, api)
    return _call_now(client, method, path, user, api)


def _call_now(client: Any, method: str, path: str, user: dict[str, Any] | None, api: bool) -> Any:
    headers: dict[str, str] = {}
    client.cookies.clear()
    if user is not None:
        if api:
            headers["authorization"] = f"Bearer {user['api']}"
        else:
            client.cookies.set("highland_session", user["cookie"])
    if method == "GET":
        return client.get(path, headers=headers)
    if path.startswith("/api/v1/demand") or path.startswith("/api/v1/institutions"):
        return _demand_api_post(client, method, path, headers)
    if path.startswith("/api/v1/zones"):
        return _zone_api_call(client, method, path, headers)
    data: dict[str, str] = {"kind": "enterprises"}
    if user is not None and not api:
        data["csrf_token"] = user["csrf"]
    if path.startswith(("/innovation/", "/api/v1/innovation/")):
        return _innovation_post(
            client, path, headers, {k: v for k, v in data.items() if k != "kind"}
        )
    if "/docking" in path:
        return _docking_post(client, path, headers, data)
    files = None
    if path.endswith("financials"):
        files = {"file": ("f.csv", to_csv([fin_row(1, 2024)], FIN_HEADER), "text/csv")}
    elif path.endswith("/chain-reference-figures"):
        header = b"region,year,industry_code,measure,value,source\n"
        files = {"file": ("r.csv", header + b"320000,2024,*,employment,10,access\n", "text/csv")}
    elif path.endswith("/chain-prospects"):
        files = {"file": ("p.csv", "name,source\n示例,access\n".encode(), "text/csv")}
    elif "import" in path:
        files = {"file": ("e.csv", to_csv([ent_row(9)], ENT_HEADER), "text/csv")}
    if path == "/policies":
        data["yaml"] = DEMO.policies[POLICY].source
    elif path.endswith("/what-if"):
        data["rule"] = DEMO.policies[POLICY].source
    if path.startswith("/api/v1/polic"):
        return _policy_api_post(client, path, headers)
    if path == "/api/v1/notices/read":
        return client.post(path, json={"all": True}, headers=headers)
    if path in ("/chains", "/api/v1/chains") or (
        path.startswith("/chains/") and path.endswith("/edit")
    ):
        return _chain_post(client, path, headers, data)
    if "/members" in path or "/leading" in path:
        return _mapping_post(client, method, path, headers, data)
    if (
        "/meetings" in path
        and path.startswith(("/chains/", "/api/v1/chains/"))
        or ("/chain-tasks/" in path)
    ):
        return _governance_post(client, path, headers, data)
    data.update(_page_form(path))
    if path == "/login":
        data = {"username": "u_admin", "password": "password-123", "csrf_token": "t"}
        client.cookies.set("highland_login_csrf", "t")
    return client.post(path, data=data, files=files, headers=headers)


# A default zone no enterprise of the world is placed in (renamed and removed by the rows).
ACCESS_ZONE = "320100-XZGXQ"


def _zone_api_call(client: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    """The zone list's API: a zone added, renamed, removed."""
    if method == "DELETE":
        return client.delete(path, headers=headers)
    body = {"name_zh": "徐庄软件园", "name_en": "Xuzhuang Software Park", "level": "provincial"}
    if method == "PUT":
        return client.put(path, json=body, headers=headers)
    return client.post(path, json={**body, "code": "320100-ACC"}, headers=headers)


def _policy_api_post(client: Any, path: str, headers: dict[str, str]) -> Any:
    """The policy API reads YAML bodies and JSON, not forms."""
    source = DEMO.policies[POLICY].source
    if path.endswith("/what-if"):
        return client.post(path, json={"yaml": source}, headers=headers)
    if path.endswith("/policy-runs"):
        return client.post(path, json={"as_of": "2026-06-30"}, headers=headers)
    headers = {**headers, "content-type": "application/yaml"}
    return client.post(path, content=source.encode(), headers=headers)


def _demand_api_post(client: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    """JSON bodies and files of the demands API's unsafe routes."""
    if method == "DELETE":
        return client.delete(path, headers=headers)
    if method == "PUT":
        if "/demand-categories/" in path:
            payload: dict[str, Any] = {
                "name": "土地",
                "name_en": "Land",
                "response_days": 1,
                "resolution_days": 10,
            }
        elif "/institutions/" in path:
            payload = {"name": "区自然资源和规划分局", "parent": "320115-GOV"}
        else:
            payload = {"category": "land", "district": "320115", "lead": "320115-ZRZY"}
        return client.put(path, json=payload, headers=headers)
    if path.endswith("/attachments"):
        return client.post(
            path, files={"file": ("c.pdf", b"%PDF-1.4", "application/pdf")}, headers=headers
        )
    if "/actions/" in path:
        return client.post(path, json={"version": 2}, headers=headers)
    if path.endswith("/decision"):
        body = {"version": DECIDE_VERSION, "decision": "approve"}
        return client.post(path, json=body, headers=headers)
    if path.endswith("/extensions"):
        body = {"version": ASK_VERSION, "days": 2, "reason": "测绘未完成"}
        return client.post(path, json=body, headers=headers)
    if path.endswith("/callbacks"):
        return client.post(path, json={"reached": True, "satisfied": False}, headers=headers)
    demand = {"enterprise": _WORLD_A, "category": "land", "title": "用地", "description": "x"}
    if path.endswith("/demand-meetings"):
        meeting = {
            "title": "走访",
            "held_at": "2026-03-02T09:00:00+08:00",
            "place": "企业",
            "leader": "区长",
            "kind": "visit",
            "demands": [demand],
        }
        return client.post(path, json=meeting, headers=headers)
    return client.post(path, json=demand, headers=headers)


_WORLD_A = ""
_DOCKING_NEED_A = 0
_DOCKING_SECOND = 0


CASES = sorted(ROUTES.items())


@pytest.mark.parametrize(("key", "rule"), CASES, ids=[f"{m} {p}" for (m, p), _ in CASES])
def test_route_access(client, world, key, rule: Rule) -> None:  # type: ignore[no-untyped-def]
    method, path = key
    api = path.startswith("/api/")
    if path == "/static":
        assert client.get("/static/highland.css").status_code == 200
        return
    if path == "/static-offline-docs":  # Swagger UI's own files, for /docs
        assert client.get("/static-offline-docs/swagger-ui.css").status_code == 200
        return
    own = world["b"] if rule.allowed == "enterprise" else world["a"]
    # Anonymous.
    resp = _call(client, method, _fill(path, world, own), None, api)
    if rule.public:
        assert resp.status_code == rule.ok, resp.text[:300]
        return
    if api:
        assert resp.status_code == 401
    else:
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    # Allowed.
    resp = _call(client, method, _fill(path, world, own), world["users"][rule.allowed], api)
    assert resp.status_code == rule.ok, resp.text[:500]
    # Wrong role.
    if rule.denied:
        resp = _call(client, method, _fill(path, world, own), world["users"][rule.denied], api)
        assert resp.status_code == 403, resp.text[:300]
    # Out of scope: the enterprise user asks for the other enterprise; another importer
    # asks for the admin's report.
    if rule.scoped:
        who = "analyst" if "report" in path else "enterprise"
        resp = _call(client, method, _fill(path, world, world["a"]), world["users"][who], api)
        assert resp.status_code == 404, resp.text[:300]


def test_cookie_post_without_csrf_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("highland_session", world["users"]["analyst"]["cookie"])
    resp = client.post(
        "/imports", data={"kind": "enterprises"}, files={"file": ("e.csv", b"uscc\n", "text/csv")}
    )
    assert resp.status_code == 403
