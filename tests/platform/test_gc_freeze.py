"""A serving app moves what startup built out of the cyclic garbage collector's reach, once per
process: full collections then skip the modules, the app and its routes (their pauses set the
pipeline page's p95, docs/PERFORMANCE.md "Cooperation pipeline")."""

from __future__ import annotations

import gc
from typing import Any

from starlette.testclient import TestClient

from highland.main import freeze_startup


def test_a_serving_app_freezes_its_startup_objects_once(app: Any) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app, follow_redirects=False):
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the modules, the app, its routes
    freeze_startup()
    # once per process: a second app adds nothing (frozen objects may still be freed)
    assert gc.get_freeze_count() <= frozen
