"""High-growth lists: each published list and its lines (entries and exits)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:00:00
"""

import sqlalchemy as sa
from alembic import op

import highland.platform.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "growth_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset_id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figures_year", sa.Integer(), nullable=False),
        sa.Column("ruleset_source", sa.Text(), nullable=False),
        sa.Column("ruleset_sha256", sa.String(length=64), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Integer(), nullable=False),
        sa.Column("exited", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("published_at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ruleset_id", "year", name="uq_growth_list_year"),
    )
    op.create_table(
        "growth_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("movement", sa.String(length=8), nullable=False),
        sa.Column("previous_category", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["list_id"], ["growth_list.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_growth_entry_enterprise_id", "growth_entry", ["enterprise_id"])
    op.create_index("ix_growth_entry_list_category", "growth_entry", ["list_id", "category"])
    op.create_index("ix_growth_entry_uscc", "growth_entry", ["uscc"])


def downgrade() -> None:
    op.drop_index("ix_growth_entry_uscc", table_name="growth_entry")
    op.drop_index("ix_growth_entry_list_category", table_name="growth_entry")
    op.drop_index("ix_growth_entry_enterprise_id", table_name="growth_entry")
    op.drop_table("growth_entry")
    op.drop_table("growth_list")
