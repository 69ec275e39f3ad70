"""Read notices are pruned by age: an index on notification.read_at

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notification_read_at", "notification", ["read_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_read_at", table_name="notification")
