"""figures instance: a random number naming this database, for the in-process figure cache

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:20:00
"""

import secrets

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database recreated at the same address (a test schema dropped and built again, a demo
    # file replaced) restarts its generation counters; this number tells the two apart.
    value = secrets.randbits(62)
    op.execute(f"INSERT INTO data_generation (name, value) VALUES ('instance', {value})")


def downgrade() -> None:
    op.execute("DELETE FROM data_generation WHERE name = 'instance'")
