"""A number too large for the database (2^31 for PostgreSQL's integer columns, 2^63 for
SQLite's) in a path or query is refused or not found, never a server error: every route of the
app is tried with such a number in each of its integer parameters, as an administrator (who
passes every permission check)."""

from __future__ import annotations

import re
import typing
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from highland.platform.identity import service as identity
from tests.conftest import ACTOR

HUGE = str(2**63)  # past SQLite's integer
BIG = str(2**31)  # past PostgreSQL's integer (ids, versions, pages)


def _int_params(route: APIRoute) -> tuple[list[str], list[str]]:
    """The route's integer path and query parameters."""

    def is_int(annotation: Any) -> bool:
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is typing.Annotated:
            return is_int(args[0])
        return annotation is int or int in args

    path = [p.name for p in route.dependant.path_params if is_int(p.field_info.annotation)]
    query = [p.name for p in route.dependant.query_params if is_int(p.field_info.annotation)]
    return path, query


def _api_routes(routes: Any) -> list[APIRoute]:
    """Every APIRoute, including those of included routers (they carry their full paths)."""
    found: list[APIRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _api_routes(inner.routes)
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def _cases(app: Any, number: str) -> list[tuple[str, str, dict[str, str]]]:
    cases = []
    for route in _api_routes(app.routes):
        path_ints, query_ints = _int_params(route)
        if not path_ints and not query_ints:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            url = route.path
            for name in re.findall(r"{(\w+)}", route.path):
                url = url.replace("{" + name + "}", number if name in path_ints else "x1")
            if path_ints:
                cases.append((method, url, {}))
            for name in query_ints:
                cases.append((method, route.path.replace("{", "").replace("}", ""), {name: number}))
    return cases


@pytest.fixture
def admin_headers(db: Any) -> dict[str, str]:
    identity.create_user(db, ACTOR, username="u_big", password="password-123", role="admin")
    token = identity.create_token(db, ACTOR, "u_big")
    db.commit()
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("number", [HUGE, BIG])
def test_numbers_past_the_database_range_are_never_a_server_error(
    app: Any, admin_headers: dict[str, str], number: str
) -> None:
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    cases = _cases(app, number)
    assert len(cases) > 40  # the walk found the routes
    failures = []
    for method, url, query in cases:
        resp = client.request(method, url, params=query, headers=admin_headers)
        if resp.status_code >= 500:
            failures.append(f"{method} {url} {query} → {resp.status_code}")
    assert not failures, "\n".join(failures)
