"""API tokens expire: an expiry date per token

Existing tokens get no expiry (NULL: they keep working as before, until an operator revokes
them with `highland tokens revoke`); new ones expire after HIGHLAND_API_TOKEN_DAYS.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:40:00
"""

import sqlalchemy as sa
from alembic import op

import highland.platform.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", highland.platform.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
