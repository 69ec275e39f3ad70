"""notices: the one notification table, stored language-neutral with a generic reference

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00

`notification` loses its demand FK and its pre-rendered bilingual subject/body: a notice now
names its object (`ref`, e.g. "demand:12", "task:7"), its message kind and parameters (JSON) and
a link, and is rendered in the reader's language. The unique key (user, kind, ref, dedupe_key)
has no NULL column any more, so a notice without a demand is de-duplicated too. Existing rows
are carried over (the sweep's kinds become demand.*/task.* with their parameters; anything
else keeps its old text as a "legacy" notice). `user_account.language` (optional) chooses the
language of a user's e-mails.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import highland.platform.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SWEEP_KINDS = ("warning", "response_breach", "breach", "escalation")
TASK_KINDS = {"task_warning": "task.warning", "task_breach": "task.breach"}


def _new_table() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("dedupe_key", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_to", sa.String(length=200), nullable=True),
        sa.Column("emailed_at", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "kind", "ref", "dedupe_key", name="uq_notification_once"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_unread", ["user_id", "read_at"], unique=False)


def _old_table() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_key", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_to", sa.String(length=200), nullable=True),
        sa.Column("emailed_at", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demand.id"],
            name=op.f("fk_notification_demand_id_demand"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "demand_id", "kind", "due_key", name="uq_notification_once"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)


def _converted(row: Any, tasks: dict[int, tuple[str, Any]]) -> dict[str, Any]:
    """One old row in the new shape."""
    common = {
        "id": row.id,
        "user_id": row.user_id,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "email_to": row.email_to,
        "emailed_at": row.emailed_at,
        "email_error": row.email_error,
    }
    if row.kind in SWEEP_KINDS and row.demand_id is not None:
        params = {
            "id": row.demand_id,
            "title": row.d_title or "",
            "due": row.due_key,
            "enterprise": row.e_name or "",
            "enterprise_en": row.e_name_en,
            "institution": row.i_name or row.i_code or "",
            "institution_en": row.i_name_en,
        }
        return common | {
            "kind": f"demand.{row.kind}",
            "ref": f"demand:{row.demand_id}",
            "dedupe_key": row.due_key or "",
            "params": params,
            "link": f"/demands/{row.demand_id}",
        }
    if row.kind in TASK_KINDS and row.due_key.startswith("t") and ":" in row.due_key:
        task_id = row.due_key[1:].split(":", 1)[0]
        if task_id.isdigit():
            title, due = tasks.get(int(task_id), ("", None))
            return common | {
                "kind": TASK_KINDS[row.kind],
                "ref": f"task:{task_id}",
                "dedupe_key": row.due_key,
                "params": {"id": int(task_id), "title": title, "due": due},
                "link": f"/chain-tasks/{task_id}",
            }
    ref = f"demand:{row.demand_id}" if row.demand_id is not None else f"legacy:{row.id}"
    return common | {
        "kind": "legacy",
        "ref": ref,
        "dedupe_key": f"{row.kind}:{row.due_key}"[:80],
        "params": {"subject": row.subject, "body": row.body},
        "link": f"/demands/{row.demand_id}" if row.demand_id is not None else "/notices",
    }


def upgrade() -> None:
    bind = op.get_bind()
    # The notices of a deployment are few (thousands): read them, rebuild the table, write
    # them back converted. A rebuild (not ALTERs) also drops the old constraint on both backends.
    rows = bind.execute(
        sa.text(
            "SELECT n.id, n.user_id, n.demand_id, n.kind, n.due_key, n.subject, n.body, "
            "n.created_at, n.read_at, n.email_to, n.emailed_at, n.email_error, "
            "d.title AS d_title, e.name AS e_name, e.name_en AS e_name_en, "
            "i.code AS i_code, i.name AS i_name, i.name_en AS i_name_en "
            "FROM notification n "
            "LEFT JOIN demand d ON d.id = n.demand_id "
            "LEFT JOIN enterprise e ON e.id = d.enterprise_id "
            "LEFT JOIN institution i ON i.code = d.institution_code "
            "ORDER BY n.id"
        )
    ).fetchall()
    tasks = (
        {
            int(t.id): (t.title, t.due)
            for t in bind.execute(sa.text("SELECT id, title, due FROM chain_task")).fetchall()
        }
        if any(r.kind in TASK_KINDS for r in rows)
        else {}
    )
    converted = []
    for r in rows:
        row = _converted(r, tasks)
        due = row["params"].get("due")
        if due is not None and not isinstance(due, str):
            row["params"]["due"] = due.isoformat()
        converted.append(row)
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))
    op.drop_table("notification")
    _new_table()
    table = sa.table(
        "notification",
        *(
            sa.column(c)
            for c in ("id", "user_id", "kind", "ref", "dedupe_key", "link", "read_at",
                      "created_at", "email_to", "emailed_at", "email_error")
        ),
        sa.column("params", sa.JSON()),
    )  # fmt: skip
    for start in range(0, len(converted), 1000):
        op.bulk_insert(table, converted[start : start + 1000])
    if converted and bind.dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('notification', 'id'), "
            "(SELECT MAX(id) FROM notification))"
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Lossy: the old table kept rendered text; a notice comes back as its kind and reference.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, user_id, kind, ref, dedupe_key, link, created_at, read_at, email_to, "
            "emailed_at, email_error FROM notification ORDER BY id"
        )
    ).fetchall()
    old = []
    for r in rows:
        demand_id = int(r.ref.split(":", 1)[1]) if r.ref.startswith("demand:") else None
        kind = r.kind.split(".", 1)[-1][:16]
        old.append(
            {"id": r.id, "user_id": r.user_id, "demand_id": demand_id, "kind": kind,
             "due_key": f"{r.ref}:{r.dedupe_key}"[:40], "subject": f"{r.kind} {r.ref}"[:300],
             "body": r.link, "created_at": r.created_at, "read_at": r.read_at,
             "email_to": r.email_to, "emailed_at": r.emailed_at, "email_error": r.email_error}
        )  # fmt: skip
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")
    op.drop_table("notification")
    # After the notices are out of the way: SQLite rebuilds user_account for this, and its
    # DROP would cascade to the notices.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("language")
    _old_table()
    table = sa.table(
        "notification",
        *(
            sa.column(c)
            for c in ("id", "user_id", "demand_id", "kind", "due_key", "subject", "body",
                      "created_at", "read_at", "email_to", "emailed_at", "email_error")
        ),
    )  # fmt: skip
    for start in range(0, len(old), 1000):
        op.bulk_insert(table, old[start : start + 1000])
    if old and bind.dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('notification', 'id'), "
            "(SELECT MAX(id) FROM notification))"
        )
