"""Template rendering with translations, the principal and reference-data helpers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, pass_context
from markupsafe import Markup

from highland.platform.deps import LANG_COOKIE
from highland.platform.identity.permissions import Permission, Principal
from highland.platform.kit import numbers
from highland.platform.kit.industry import DIVISIONS, SECTIONS
from highland.platform.web.i18n import (
    has,
    local_name,
    other_language,
    pick,
    pick_language,
    translate,
)

PLATFORM = Path(__file__).resolve().parent.parent
PACKAGE = PLATFORM.parent
# Catalogue prefixes that domains lend to every page, by the name templates call (e.g. the
# enterprises domain registers "qual_name" → "vocab.qualification"): the kernel knows no
# domain's words; the words themselves are in the catalogue.
NAME_TABLES: dict[str, str] = {}


def _names_of(row: Any) -> tuple[str, str | None]:
    """A row's (name, English name), from an object or a mapping."""
    if isinstance(row, dict):
        return str(row.get("name") or ""), row.get("name_en")
    return str(getattr(row, "name", "") or ""), getattr(row, "name_en", None)


def register_names(function: str, prefix: str) -> None:
    """Let every template turn a code into its name with `function(code)`: the catalogue entry
    `<prefix>.<code>` in the page's language (the code itself when there is none)."""
    NAME_TABLES[function] = prefix


def _template_folders() -> list[str]:
    """The kernel's templates first, then each domain's `templates/` folder (found on disk,
    so that the kernel imports no domain)."""
    kernel = sorted(PLATFORM.glob("*/templates"))
    domains = sorted(p for p in PACKAGE.glob("*/templates") if p.parent != PLATFORM)
    return [str(PLATFORM / "web" / "templates")] + [
        str(p) for p in kernel + domains if p != PLATFORM / "web" / "templates"
    ]


def _make_templates() -> Jinja2Templates:
    from jinja2 import Environment, select_autoescape

    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in _template_folders()]),
        autoescape=select_autoescape(["html"]),
    )
    _register_number_filters(env)
    return Jinja2Templates(env=env)


def _lang_of(context: Any) -> str:
    return str(context.get("lang") or "zh-CN")


def _register_number_filters(env: Any) -> None:
    """The one formatting module's filters (platform/kit/numbers.py, docs/numbers.md):
    `fen|money` (万元/亿元, exact yuan on hover), `fen|yuan`, `ratio|percent`, `ratio|points`,
    `n|count("firms")`, `n|number`, `dt|beijing_time`."""
    env.filters["money"] = pass_context(
        lambda c, fen: Markup(numbers.money_html(fen, _lang_of(c)))  # noqa: S704 - escaped
    )
    env.filters["money_text"] = pass_context(lambda c, fen: numbers.money(fen, _lang_of(c)))
    env.filters["yuan"] = pass_context(lambda c, fen: numbers.yuan(fen, _lang_of(c)))
    env.filters["percent"] = lambda ratio, signed=False: numbers.percent(ratio, signed)
    env.filters["percent_of"] = numbers.percent_of
    env.filters["points"] = pass_context(lambda c, ratio: numbers.points(ratio, _lang_of(c)))
    env.filters["count"] = pass_context(lambda c, n, unit: numbers.count(n, unit, _lang_of(c)))
    env.filters["number"] = numbers.number
    env.filters["beijing_time"] = numbers.beijing_time


TEMPLATES = _make_templates()


def language(request: Request) -> str:
    """Return the request's language."""
    settings = request.app.state.settings
    return pick_language(
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        settings.default_language,
    )


def _show_value(lang: str) -> Any:
    def show(key: str, value: object) -> str:
        if key == "size_class":
            return translate(lang, f"size.{value}")
        if key == "lifecycle_stage":
            return translate(lang, f"stage.{value}")
        if key in ("rd_intensity", "revenue_growth", "revenue_cagr_3y") and isinstance(
            value, Decimal | float | int
        ):
            return numbers.percent(value)
        if key == "age_years" and isinstance(value, Decimal | float | int):
            return numbers.count(value, "years", lang)
        return str(value)

    return show


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page with the shared context."""
    lang = language(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    regions = request.app.state.region_names

    def region_name(code: str) -> str:
        names = regions.get(code)
        return str(pick(lang, names[0], names[1])) if names else code

    def coded(prefix: str) -> Any:
        def name(code: str | None) -> str:
            if not code:
                return "—"
            key = f"{prefix}.{code}"
            return translate(lang, key) if has(key) else code

        return name

    def named(table: dict[str, Any], zh_index: int, en_index: int) -> Any:
        def name(code: str | None) -> str:
            if not code:
                return "—"
            row = table.get(code)
            return str(pick(lang, row[zh_index], row[en_index])) if row else code

        return name

    base = {
        "request": request,
        "lang": lang,
        "_": lambda msg_key, /, **kw: translate(lang, msg_key, **kw),
        "principal": principal,
        "can": lambda perm: bool(principal and principal.can(Permission(perm))),
        "synthetic": request.app.state.synthetic,
        "region_name": region_name,
        "division_name": named({k: (v[1], v[2]) for k, v in DIVISIONS.items()}, 0, 1),
        "section_name": named(SECTIONS, 0, 1),
        **{function: coded(prefix) for function, prefix in NAME_TABLES.items()},
        "other_lang": other_language(lang),
        "pick_name": lambda zh, en: pick(lang, zh, en),
        "local_name": lambda row: local_name(lang, *_names_of(row)),
        "wan": lambda fen: Markup(numbers.money_html(fen, lang)),  # noqa: S704 - escaped
        "show_value": _show_value(lang),
        "local_time": lambda dt: numbers.beijing_time(dt) if isinstance(dt, datetime) else dt,
    }
    # The header's unread count: a callable put on request.state by the notices package's
    # app-wide dependency (this layer imports no module that stores notices).
    counter = getattr(request.state, "unread_notices", None)
    if principal is not None and callable(counter) and "unread_notices" not in context:
        base["unread_notices"] = counter()
    base.update(context)
    return TEMPLATES.TemplateResponse(request, name, base, status_code=status_code)
