"""Platform checks: migrations match the models; every text on the pages is translated."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.script import ScriptDirectory

from highland.platform.web.i18n import catalog
from highland.schema import alembic_config, check
from highland.schema_state import HEAD, at_head

SRC = Path(__file__).resolve().parent.parent / "src" / "highland"


def test_models_and_migrations_agree(engine) -> None:  # type: ignore[no-untyped-def]
    check(engine)  # raises when `alembic revision --autogenerate` would find a difference


def test_schema_head_names_the_newest_migration(engine) -> None:  # type: ignore[no-untyped-def]
    """`highland.schema_state.HEAD` (what lets a command skip Alembic) is Alembic's own head,
    and a database the suite migrated is at it."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    assert script.get_heads() == [HEAD]
    assert at_head(engine)


def test_a_database_without_schema_is_not_at_head(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    assert not at_head(create_engine(f"sqlite:///{tmp_path / 'new.db'}"))


def test_every_template_key_is_translated() -> None:
    keys: set[str] = set()
    for path in SRC.rglob("*.html"):
        keys |= set(re.findall(r"""_\(\s*"([a-z0-9_.]+)\"""", path.read_text(encoding="utf-8")))
    cat = catalog()
    missing = sorted(k for k in keys if k not in cat and not k.endswith("."))
    assert not missing, f"keys used in templates but not in messages.yaml: {missing}"
    for key, texts in cat.items():
        assert texts["zh-CN"].strip() and texts["en"].strip(), key
