"""Platform checks: migrations match the models; every text on the pages is translated."""

from __future__ import annotations

import re
from pathlib import Path

from highland.platform.web.i18n import catalog
from highland.schema import check

SRC = Path(__file__).resolve().parent.parent / "src" / "highland"


def test_models_and_migrations_agree(engine) -> None:  # type: ignore[no-untyped-def]
    check(engine)  # raises when `alembic revision --autogenerate` would find a difference


def test_every_template_key_is_translated() -> None:
    keys: set[str] = set()
    for path in SRC.rglob("*.html"):
        keys |= set(re.findall(r"""_\(\s*"([a-z0-9_.]+)\"""", path.read_text(encoding="utf-8")))
    cat = catalog()
    missing = sorted(k for k in keys if k not in cat and not k.endswith("."))
    assert not missing, f"keys used in templates but not in messages.yaml: {missing}"
    for key, texts in cat.items():
        assert texts["zh-CN"].strip() and texts["en"].strip(), key
