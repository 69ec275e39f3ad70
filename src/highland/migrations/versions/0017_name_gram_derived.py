"""The name index is derived data: no foreign key and no index by enterprise on
enterprise_name_gram

Its rows are built by the import from the names of enterprises it has just written, in the
same transaction; checking each of the 11 million rows of a million names against the
enterprise table, and building a second index of them by enterprise, cost more than the rows
themselves. A renamed enterprise's old rows are found from its old name, by primary key.
Searches join the rows back to the enterprise table, so a row left behind by a deleted
enterprise is never shown.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FK = "fk_enterprise_name_gram_enterprise_id_enterprise"
INDEX = "ix_enterprise_name_gram_enterprise_id"


def _rebuild_sqlite(with_fk: bool) -> None:
    """SQLite cannot drop or add a constraint: the table is rebuilt (WITHOUT ROWID kept)."""
    extra = (
        [sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=FK,
                                 ondelete="CASCADE")]
        if with_fk
        else []
    )  # fmt: skip
    op.create_table(
        "_enterprise_name_gram_new",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("gram", "enterprise_id", name="pk_enterprise_name_gram"),
        sqlite_with_rowid=False,
    )
    keep = "WHERE enterprise_id IN (SELECT id FROM enterprise)" if with_fk else ""
    op.execute(
        "INSERT INTO _enterprise_name_gram_new (gram, enterprise_id) "
        f"SELECT gram, enterprise_id FROM enterprise_name_gram {keep} ORDER BY gram, enterprise_id"
    )
    op.drop_index(INDEX, table_name="enterprise_name_gram", if_exists=True)
    op.drop_table("enterprise_name_gram")
    op.rename_table("_enterprise_name_gram_new", "enterprise_name_gram")
    if with_fk:
        op.create_index(INDEX, "enterprise_name_gram", ["enterprise_id"], unique=False)


# SQLite reuses the highest id after a delete: a deleted enterprise's rows must not pass to
# the next one (no product path deletes an enterprise; the trigger keeps the index exact if
# one is deleted by hand). PostgreSQL's ids come from a sequence and are never reused.
TRIGGER = "name_gram_enterprise_del"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(with_fk=False)
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER DELETE ON enterprise BEGIN "
            "DELETE FROM enterprise_name_gram WHERE enterprise_id = OLD.id; END"
        )
    else:
        op.drop_constraint(FK, "enterprise_name_gram", type_="foreignkey")
        op.drop_index(INDEX, table_name="enterprise_name_gram")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        _rebuild_sqlite(with_fk=True)
    else:
        op.execute(
            "DELETE FROM enterprise_name_gram g "
            "WHERE NOT EXISTS (SELECT 1 FROM enterprise e WHERE e.id = g.enterprise_id)"
        )
        op.create_foreign_key(
            FK, "enterprise_name_gram", "enterprise", ["enterprise_id"], ["id"], ondelete="CASCADE"
        )
        op.create_index(INDEX, "enterprise_name_gram", ["enterprise_id"], unique=False)
