"""Security headers on every response: pages, API, static files, errors (issue 12, #9)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from highland.platform.web.headers import CSP


def _secured(r: Any, https: bool = False) -> None:
    assert r.headers["content-security-policy"] == CSP
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    if https:
        assert r.headers["strict-transport-security"].startswith("max-age=")
    else:
        assert "strict-transport-security" not in r.headers


@pytest.mark.parametrize(
    "url",
    ["/login", "/static/highland.css", "/api/v1/demands", "/no-such-page", "/api/v1/nope",
     "/enterprises", "/open311/v2/services.json"],
)  # fmt: skip
def test_every_response_carries_the_headers(client: Any, url: str) -> None:
    _secured(client.get(url, follow_redirects=False))


def test_hsts_only_over_https(app: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as tls:
        _secured(tls.get("/login"), https=True)


def test_api_docs_keep_working_without_a_cdn(client: Any) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "http" not in csp  # nothing from elsewhere
    assert r.headers["x-frame-options"] == "DENY"
    # Swagger UI's script and style come from this site (the installed fastapi-offline).
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        if asset.endswith((".js", ".css")):
            assert client.get(asset).status_code == 200, asset


def test_pages_have_no_inline_scripts() -> None:
    """The CSP allows scripts from this site only: no template may carry an inline one."""
    import re
    from pathlib import Path

    import highland

    root = Path(highland.__file__).parent
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "javascript:" not in text, path


def test_charts_carry_no_script() -> None:
    """pygal writes an inline config script into every chart; the pages drop it."""
    from highland.platform.web import charts

    svg = charts.bar_line([2024, 2025], [("a", [1.0, 2.0]), ("b", [1.0, None])], "u")
    assert "<svg" in svg and "<script" not in svg
