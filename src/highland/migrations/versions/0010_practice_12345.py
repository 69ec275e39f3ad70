"""the 12345 practice: request types, urgency tiers, extension requests, callbacks

Existing demands get no request type (NULL, shown as 未注明 / not given: nobody chose one, and
inventing one would falsify the by-type figures), no extension days, and their current
resolution deadline as the original one. Existing categories get no urgent tier.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import highland.platform.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("demand_category", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgent_response_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("urgent_resolution_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_type", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("extension_days", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "resolution_due_original",
                highland.platform.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index(batch_op.f("ix_demand_request_type"), ["request_type"], unique=False)
    op.execute("UPDATE demand SET resolution_due_original = resolution_due")
    op.create_table(
        "demand_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("days", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("asked_at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_role", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("old_due", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_due", highland.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demand.id"], name=op.f("fk_demand_extension_demand_id_demand"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_extension")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_demand_extension_demand_id"), "demand_extension", ["demand_id"], unique=False
    )
    op.create_index(op.f("ix_demand_extension_state"), "demand_extension", ["state"], unique=False)
    op.create_table(
        "demand_callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("by_role", sa.String(length=16), nullable=True),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demand.id"], name=op.f("fk_demand_callback_demand_id_demand"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_callback")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_demand_callback_demand_id"), "demand_callback", ["demand_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_demand_callback_demand_id"), table_name="demand_callback")
    op.drop_table("demand_callback")
    op.drop_index(op.f("ix_demand_extension_state"), table_name="demand_extension")
    op.drop_index(op.f("ix_demand_extension_demand_id"), table_name="demand_extension")
    op.drop_table("demand_extension")
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_request_type"))
        batch_op.drop_column("resolution_due_original")
        batch_op.drop_column("extension_days")
        batch_op.drop_column("request_type")
    with op.batch_alter_table("demand_category", schema=None) as batch_op:
        batch_op.drop_column("urgent_resolution_days")
        batch_op.drop_column("urgent_response_days")
