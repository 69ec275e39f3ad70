"""A record's page links to its history in the audit log (for those who may read the log): an
enterprise, a policy and a chain task, in the access test's world; the link's filter shows
that record's entries."""

from __future__ import annotations

import html
from typing import Any

from tests.test_access import (  # noqa: F401 (the access test's world, in savepoints)
    CHAIN_MONTH,
    POLICY,
    _world_db,
    connection,
    world,
)


def _as(client: Any, world: dict[str, Any], role: str) -> None:  # noqa: F811
    client.cookies.clear()
    client.cookies.set("highland_session", world["users"][role]["cookie"])


def test_record_pages_link_to_their_history(client: Any, world: dict[str, Any]) -> None:  # noqa: F811
    task = world["chain_task"]
    pages = {
        f"/enterprises/{world['a']}": f"/audit?key={world['a']}",
        f"/policies/{POLICY}": f"/audit?entity=policy&key={POLICY}",
        f"/chains/1/meetings/{CHAIN_MONTH}": f"/audit?entity=chain_task&key={task}",
        "/chains/1": "/audit?entity=chain&key=1",
    }
    _as(client, world, "admin")
    for page, link in pages.items():
        text = html.unescape(client.get(page).text)
        assert f'href="{link}"' in text and "历史记录" in text, page
        history = client.get(link)
        assert history.status_code == 200 and 'id="audit-entries"' in history.text, link
    # The enterprise's import and the task's creation are in their histories.
    text = html.unescape(client.get(f"/audit?key={world['a']}").text)
    assert "企业" in text and "新建" in text
    text = html.unescape(client.get(f"/audit?entity=chain_task&key={task}").text)
    assert "链长任务" in text and "新建" in text
    # Who may not read the log sees no link.
    _as(client, world, "analyst")
    for page in pages:
        assert "/audit?" not in client.get(page).text, page
