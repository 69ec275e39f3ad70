"""Every route of the app, as bench_pages.py walks it: the page and API reads (path template →
how its parameters are filled from the data, which roles), the single-record writes, and the
routes left out on purpose (each with its reason).

`bench_pages.coverage(app)` compares this list with the app's routes: a route with no entry
here, or an entry whose route is gone, fails the bench and its smoke test — a new page type
cannot go unmeasured.

The roles that read a page are, unless an entry says otherwise, every role whose permissions
(`ROLE_PERMISSIONS`) include those the route requires (read from the route's dependencies);
a public route is read anonymously. A parameter `{name}` is filled from the bench's picks
(`bench_pages.picks`): the key `name@role` when the role has its own (the enterprise account's
firm, the handler's demands), else `name`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Read:
    """A GET route, walked with each role that may see it."""

    route: str
    query: str = ""  # added to the filled path (a search, a filter)
    fill: dict[str, str] = field(default_factory=dict)  # {param} → pick key (default: param)
    roles: tuple[str, ...] | None = None  # None: derived from the route's permissions
    ok: int = 200
    note: str = ""


@dataclass(frozen=True)
class Write:
    """A single-record write, timed with one role (bench_pages.WRITERS does it)."""

    method: str
    route: str
    role: str
    label: str


R = Read
STAFF = ("admin", "analyst", "leader", "chain_head", "chain_team", "handler")
# label → read. The label is the route, or the route with what its variant adds.
READS: dict[str, Read] = {
    r.route + r.query: r
    for r in (
        R("/"),
        R("/overview"),
        R("/api/v1/overview"),
        R("/api/v1/me"),
        R("/login", roles=("anonymous",)),
        R("/lang/{lang}", roles=("anonymous",), ok=303),
        R("/notices"),
        R("/api/v1/notices"),
        R("/docs", roles=("anonymous",)),
        R("/docs/oauth2-redirect", roles=("anonymous",)),
        R("/redoc", roles=("anonymous",)),
        R("/openapi.json", roles=("anonymous",)),
        # registry
        R("/enterprises"),
        R("/enterprises", query="?q={name}"),
        R("/enterprises", query="?district={district}&sort=revenue"),
        R("/enterprises/{uscc}"),
        R("/enterprises/{uscc}/growth"),
        R("/enterprises/{uscc}/policies"),
        R("/api/v1/enterprises"),
        R("/api/v1/enterprises", query="?q={name}"),
        R("/api/v1/enterprises/{uscc}"),
        R("/api/v1/enterprises/{uscc}/policies"),
        R("/api/v1/regions"),
        R("/imports"),
        R("/admin/zones"),
        R("/api/v1/zones"),
        # policies, recognitions, growth
        R("/policies"),
        R("/policies/{policy_id}"),
        R("/api/v1/policies"),
        R("/api/v1/policies/{policy_id}"),
        R("/api/v1/policies/{policy_id}/versions/{version}", fill={"version": "policy_version"}),
        R("/api/v1/policies/{policy_id}/matches"),
        R("/policy-packages"),
        R("/policy-packages/{package_id}"),
        R("/api/v1/policy-packages"),
        R("/api/v1/policy-packages/{package_id}"),
        R("/policy-runs"),
        R("/policy-runs/{run_id}"),
        R("/policy-runs/{run_id}/replay"),
        R("/api/v1/policy-runs"),
        R("/api/v1/policy-runs/{run_id}"),
        R("/api/v1/policy-runs/{run_id}/replay"),
        R("/recognitions"),
        R("/recognitions/{ruleset_id}"),
        R("/api/v1/recognitions"),
        R("/api/v1/recognitions/{ruleset_id}"),
        R("/api/v1/recognitions/{ruleset_id}/pools/{pool}"),
        R("/growth"),
        R("/growth/movements"),
        R("/growth/pool"),
        R("/growth/whitepaper"),
        # demands
        R("/demands"),
        R("/demands/new"),
        R("/demands/{demand_id}"),
        R("/api/v1/demands"),
        R("/api/v1/demands/{demand_id}"),
        R("/api/v1/demands/{demand_id}/events"),
        R("/api/v1/demands/{demand_id}/callbacks", roles=STAFF, note="the bureau's own records"),
        R("/api/v1/demands/{demand_id}/extensions"),
        R("/demand-meetings"),
        R("/demand-meetings/new", roles=("admin", "analyst", "chain_team")),
        R("/demand-meetings/{meeting_id}"),
        R("/api/v1/demand-meetings/{meeting_id}"),
        R("/demand-metrics"),
        R("/api/v1/demand-metrics"),
        R("/api/v1/demand-categories"),
        R("/api/v1/demand-routing"),
        R("/api/v1/institutions"),
        R("/api/v1/calendar/deadline", query="?from=2026-03-02T09:00:00%2B08:00&working_days=5"),
        R("/admin/calendar"),
        R("/admin/demand-categories"),
        R("/admin/institutions"),
        R("/admin/routing"),
        R("/admin/users"),
        R("/audit"),
        R("/api/v1/audit"),
        R("/api/v1/audit/verify"),
        # open311 (public)
        R("/open311/v2/discovery.json", roles=("anonymous",)),
        R("/open311/v2/discovery.xml", roles=("anonymous",)),
        R("/open311/v2/services.json", roles=("anonymous",)),
        R("/open311/v2/services.xml", roles=("anonymous",)),
        R("/open311/v2/services/{service_code}.json", roles=("anonymous",)),
        R("/open311/v2/services/{service_code}.xml", roles=("anonymous",)),
        R("/open311/v2/requests.json", roles=("anonymous",)),
        R("/open311/v2/requests.xml", roles=("anonymous",)),
        R("/open311/v2/requests/{service_request_id}.json", roles=("anonymous",)),
        R("/open311/v2/requests/{service_request_id}.xml", roles=("anonymous",)),
        R("/open311/v2/tokens/{token}.json", roles=("anonymous",)),
        R("/open311/v2/tokens/{token}.xml", roles=("anonymous",)),
        # chains
        R("/chains"),
        R("/chains/{chain_id}"),
        R("/chains/{chain_id}/analytics"),
        R("/chains/{chain_id}/districts"),
        R("/chains/{chain_id}/edit"),
        R("/chains/{chain_id}/leading"),
        R("/chains/{chain_id}/map"),
        R("/chains/{chain_id}/map.svg"),
        R("/chains/{chain_id}/meetings"),
        R("/chains/{chain_id}/meetings/{month}"),
        R("/chains/{chain_id}/members"),
        R("/chains/{chain_id}/report"),
        R("/chains/{chain_id}/trends"),
        R("/chain-tasks/{task_id}", ok=303, note="redirects to the task on its meeting page"),
        R("/api/v1/chains"),
        R("/api/v1/chains/{chain_id}"),
        R("/api/v1/chains/{chain_id}/analytics"),
        R("/api/v1/chains/{chain_id}/indicators"),
        R("/api/v1/chains/{chain_id}/leading"),
        R("/api/v1/chains/{chain_id}/meetings"),
        R("/api/v1/chains/{chain_id}/meetings/{month}"),
        R("/api/v1/chains/{chain_id}/members"),
        R("/api/v1/chains/{chain_id}/report"),
        R("/api/v1/chains/{chain_id}/trends"),
        R("/api/v1/chains/{chain_id}/versions/{version}", fill={"version": "chain_version"}),
        R("/api/v1/chain-tasks/{task_id}"),
        # innovation, docking
        R("/innovation"),
        R("/innovation/pipeline"),
        R("/innovation/projects/{project_id}"),
        R("/innovation/registers/{kind}"),
        R("/api/v1/innovation/pipeline"),
        R("/api/v1/innovation/projects/{project_id}"),
        R("/api/v1/innovation/registers/{kind}"),
        R("/docking"),
        R("/docking/needs"),
        R("/docking/needs/{need_id}"),
        R("/docking/achievements/{achievement_id}"),
        R("/docking/records"),
        R("/docking/records/{record_id}"),
        R("/api/v1/docking/achievements"),
        R("/api/v1/docking/achievements/{achievement_id}"),
        R("/api/v1/docking/achievements/{achievement_id}/matches", roles=STAFF),
        R("/api/v1/docking/needs"),
        R("/api/v1/docking/needs/{need_id}"),
        R("/api/v1/docking/needs/{need_id}/matches", roles=STAFF),
        R("/api/v1/docking/records"),
        R("/api/v1/docking/records/{record_id}"),
    )
}

# The single-record writes the bench times (bench_pages.WRITERS says how each is made).
WRITES: tuple[Write, ...] = (
    Write("POST", "/api/v1/demands", "enterprise", "file a demand"),
    Write("POST", "/api/v1/demands/{demand_id}/actions/{action}", "analyst", "dispatch"),
    Write("POST", "/api/v1/demands/{demand_id}/actions/{action}", "handler", "accept"),
    Write("POST", "/api/v1/demands/{demand_id}/actions/{action}", "handler", "start"),
    Write("POST", "/demands/{demand_id}/actions/{action}", "handler", "mark resolved"),
    Write("POST", "/api/v1/demands/{demand_id}/callbacks", "analyst", "record a callback"),
    Write("POST", "/api/v1/zones", "admin", "add a zone"),
    Write("PUT", "/api/v1/zones/{zone}", "admin", "edit a zone"),
    Write("DELETE", "/api/v1/zones/{zone}", "admin", "remove a zone"),
    Write("POST", "/api/v1/policies", "analyst", "edit a policy (new version)"),
    Write("POST", "/api/v1/imports/enterprises", "analyst", "create an enterprise"),
    Write("POST", "/api/v1/imports/enterprises", "analyst", "edit an enterprise"),
    Write("POST", "/api/v1/chains/{chain_id}/members", "chain_head", "add a chain member"),
    Write("POST", "/api/v1/notices/read", "enterprise", "mark notices read"),
)

_FORM = "the page form of the same service call, timed through its API route"
_DOWNLOAD = "a streamed or generated download (export/attachment), not an interactive read"
_BULK = "a bulk upload (a file of many rows or a whole library), not a single-record write"
# (method, route) → why it is not timed.
EXCLUDED: dict[tuple[str, str], str] = {
    ("GET", "/static"): "static files",
    ("GET", "/static-offline-docs"): "static files",
    ("GET", "/static-offline-docs/redoc.standalone.js"): "a static file",
    ("GET", "/open311/v2/{rest:path}"): "the 404 answer for unknown Open311 paths",
    ("POST", "/open311/v2/{rest:path}"): "the 404 answer for unknown Open311 paths",
    ("POST", "/login"): "password hashing (scrypt) is slow on purpose",
    ("POST", "/logout"): "ends the bench's own session",
    **{
        ("GET", p): _DOWNLOAD
        for p in (
            "/audit/export.csv",
            "/audit/export.xlsx",
            "/enterprises/export.csv",
            "/enterprises/export.xlsx",
            "/enterprises/export-figures.csv",
            "/enterprises/export-figures.xlsx",
            "/api/v1/enterprises/export",
            "/api/v1/enterprises/export-figures",
            "/policies/{policy_id}/export.csv",
            "/policies/{policy_id}/export.xlsx",
            "/api/v1/policies/{policy_id}/matches/export",
            "/growth/export.csv",
            "/growth/export.xlsx",
            "/growth/pool/export.csv",
            "/growth/pool/export.xlsx",
            "/recognitions/{ruleset_id}/export.csv",
            "/recognitions/{ruleset_id}/export.xlsx",
            "/api/v1/recognitions/{ruleset_id}/pools/{pool}/export",
            "/imports/reports/{report_id}.csv",
            "/demands/{demand_id}/attachments/{attachment_id}",
            "/api/v1/demands/{demand_id}/attachments/{attachment_id}",
            "/demand-meetings/{meeting_id}/export.xlsx",
            "/api/v1/demand-meetings/{meeting_id}/export.xlsx",
            "/docking/achievements/export.csv",
            "/innovation/pipeline/export.csv",
            "/innovation/pipeline/export.xlsx",
            "/innovation/registers/{kind}/export.csv",
            "/innovation/registers/{kind}/export.xlsx",
        )
    },
    **{
        ("POST", p): _BULK
        for p in (
            "/imports",
            "/api/v1/imports/financials",
            "/policies",
            "/chains",
            "/api/v1/chains",
            "/api/v1/chain-prospects",
            "/api/v1/chain-reference-figures",
            "/docking/imports",
            "/api/v1/docking/imports",
            "/innovation/imports",
            "/api/v1/innovation/registers/{kind}/import",
        )
    },
    **{
        (m, p): _FORM
        for m, p in (
            ("POST", "/admin/zones"),
            ("POST", "/admin/zones/{zone}/delete"),
            ("POST", "/demands/new"),
            ("POST", "/demands/{demand_id}/callbacks"),
            ("POST", "/notices/read"),
            ("POST", "/chains/{chain_id}/members"),
            ("POST", "/demands/{demand_id}/extensions"),
            ("POST", "/demands/{demand_id}/extensions/{request_id}/decision"),
            ("POST", "/demand-meetings/new"),
            ("POST", "/chains/{chain_id}/leading"),
            ("POST", "/chains/{chain_id}/leading/{uscc}/unmark"),
            ("POST", "/chains/{chain_id}/meetings"),
            ("POST", "/chains/{chain_id}/meetings/{month}/indicators"),
            ("POST", "/chains/{chain_id}/members/decide"),
            ("POST", "/chain-tasks/{task_id}/actions/{action}"),
            ("POST", "/docking/needs"),
            ("POST", "/docking/records"),
            ("POST", "/docking/records/{record_id}/actions/{action}"),
            ("POST", "/innovation/projects/{project_id}/actions/{action}"),
            ("POST", "/innovation/registers/{kind}"),
            ("POST", "/open311/v2/requests.json"),
            ("POST", "/open311/v2/requests.xml"),
        )
    },
    # Writes not timed yet (single-record, but each needs set-up the bench does not do yet).
    **{
        (m, p): "not timed yet: a single-record write the bench does not set up (listed in "
        "docs/PERFORMANCE.md as not measured)"
        for m, p in (
            ("POST", "/admin/calendar"),
            ("POST", "/admin/calendar/{year}/delete"),
            ("POST", "/admin/demand-categories"),
            ("POST", "/admin/institutions"),
            ("POST", "/admin/routing"),
            ("POST", "/admin/routing/delete"),
            ("POST", "/admin/tokens/{token_id}/revoke"),
            ("POST", "/admin/users/{user_id}/disable"),
            ("POST", "/admin/users/{user_id}/enable"),
            ("POST", "/admin/users/{user_id}/reset-password"),
            ("POST", "/api/v1/chain-tasks/{task_id}/actions/{action}"),
            ("POST", "/api/v1/chains/{chain_id}/leading"),
            ("DELETE", "/api/v1/chains/{chain_id}/leading/{uscc}"),
            ("POST", "/api/v1/chains/{chain_id}/meetings"),
            ("POST", "/api/v1/chains/{chain_id}/meetings/{month}/indicators"),
            ("POST", "/api/v1/chains/{chain_id}/members/decide"),
            ("PUT", "/api/v1/demand-categories/{category}"),
            ("POST", "/api/v1/demand-meetings"),
            ("PUT", "/api/v1/demand-routing"),
            ("DELETE", "/api/v1/demand-routing/{category}/{district}"),
            ("POST", "/api/v1/demands/{demand_id}/attachments"),
            ("POST", "/api/v1/demands/{demand_id}/extensions"),
            ("POST", "/api/v1/demands/{demand_id}/extensions/{request_id}/decision"),
            ("POST", "/api/v1/docking/needs"),
            ("POST", "/api/v1/docking/records"),
            ("POST", "/api/v1/docking/records/{record_id}/actions/{action}"),
            ("POST", "/api/v1/innovation/projects/{project_id}/actions/{action}"),
            ("POST", "/api/v1/innovation/registers/{kind}"),
            ("PUT", "/api/v1/institutions/{institution}"),
            ("POST", "/api/v1/policies/check"),
            ("POST", "/api/v1/policies/{policy_id}/what-if"),
            ("POST", "/policies/{policy_id}/what-if"),
            ("POST", "/policies/{policy_id}/refresh"),
            ("POST", "/api/v1/policy-runs"),
            ("POST", "/policy-runs"),
            ("POST", "/chains/{chain_id}/edit"),
        )
    },
}
