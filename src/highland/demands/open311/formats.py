"""The spec's answers: JSON (`.json`) or XML (`.xml`), and errors as its array of
{code, description} in the same format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from highland.platform.kit.dates import CITY_TZ

BASE = "/open311/v2"
# Plural XML elements and the name of their items.
ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
         "values": "value"}  # fmt: skip


class Open311Error(Exception):
    """An error answered in the spec's format: HTTP status and descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)


def format_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def english(request: Request) -> bool:
    return request.query_params.get("locale", "").lower().startswith("en")


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_add(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_add(el, k, v)
    elif isinstance(value, list):
        for v in value:
            _xml_add(el, ITEMS.get(tag, "item"), v)
    else:
        el.text = _xml_text(value)


def render(request: Request, content: Any, root: str, item: str | None = None,
           status: int = 200) -> Response:  # fmt: skip
    """Answer `content` in the request's format. A list becomes <root><item>…</item></root>;
    a mapping becomes <root>…</root>."""
    if format_of(request) == "json":
        return JSONResponse(content, status_code=status)
    top = ET.Element(root)
    if isinstance(content, list):
        for entry in content:
            _xml_add(top, item or "item", entry)
    else:
        for k, v in content.items():
            _xml_add(top, k, v)
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def error(request: Request, status: int, descriptions: Sequence[str],
          headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    """The spec's error answer: [{code, description}, …] or <errors><error>…</error></errors>."""
    resp = render(request, [{"code": status, "description": d} for d in descriptions],
                  "errors", "error", status)  # fmt: skip
    resp.headers.update(headers or {})
    return resp


def w3c(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(CITY_TZ).isoformat(timespec="seconds")
