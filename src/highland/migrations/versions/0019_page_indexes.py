"""Indexes for pages at 1,000,000 firms: enterprise.updated_at (the desks read when the
registry last changed) and the qualifications' validity by code (the recognition pools)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 23:45:00
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_enterprise_updated_at", "enterprise", ["updated_at"], unique=False)
    op.create_index(
        "ix_enterprise_qualification_validity",
        "enterprise_qualification",
        ["code", "valid_from", "valid_to", "enterprise_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_enterprise_qualification_validity", table_name="enterprise_qualification")
    op.drop_index("ix_enterprise_updated_at", table_name="enterprise")
