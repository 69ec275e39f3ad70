"""Districts and functional zones kept apart; the figures the recognitions test

An enterprise had one place field holding either its GB/T 2260 district or a functional zone
such as 江北新区. Zones now have their own column: rows that held a zone keep it as their zone
and their district becomes NULL (not known: it is never guessed), for the bureau to supply.
Regions of kind "custom" become kind "zone", with an optional level.

The yearly figures gain 主营业务收入, 高新技术产品（服务）收入, 科技人员, Class I and II IP in
force and equity raised; enterprises gain the year they entered their niche market;
qualifications gain the level that granted them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_FIGURES = (
    ("main_revenue", sa.BigInteger()),
    ("hightech_revenue", sa.BigInteger()),
    ("tech_staff", sa.Integer()),
    ("ip_class1", sa.Integer()),
    ("ip_class2", sa.Integer()),
    ("equity_raised", sa.BigInteger()),
)


# The chain figures' generation triggers on enterprise (0007). On SQLite the batch above
# rebuilds the table, which drops its triggers: made again, or the chain analytics would not
# see a move to another district or industry.
_BUMP = "UPDATE data_generation SET value = value + 1 WHERE name = 'registry'"
_COLUMNS = "industry_code, district_code, founded_on"


def _registry_triggers() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL alters the table in place and keeps them
    for verb, event in (("ins", "INSERT"), ("upd", f"UPDATE OF {_COLUMNS}"), ("del", "DELETE")):
        op.execute(f"DROP TRIGGER IF EXISTS gen_registry_enterprise_{verb}")
        op.execute(
            f"CREATE TRIGGER gen_registry_enterprise_{verb} AFTER {event} ON enterprise "
            f"BEGIN {_BUMP}; END"
        )


def upgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=12), nullable=True))
    op.execute("UPDATE region SET kind = 'zone' WHERE kind = 'custom'")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zone_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("niche_since", sa.Integer(), nullable=True))
        batch_op.alter_column("district_code", existing_type=sa.String(length=20), nullable=True)
        batch_op.create_index("ix_enterprise_zone_code", ["zone_code"], unique=False)
        batch_op.create_foreign_key("fk_enterprise_zone_code", "region", ["zone_code"], ["code"])
    _registry_triggers()
    op.execute(
        "UPDATE enterprise SET zone_code = district_code, district_code = NULL "
        "WHERE district_code IN (SELECT code FROM region WHERE kind = 'zone')"
    )
    with op.batch_alter_table("enterprise_qualification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=12), nullable=True))
    with op.batch_alter_table("enterprise_financial", schema=None) as batch_op:
        for name, type_ in _FIGURES:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprise_financial", schema=None) as batch_op:
        for name, _ in reversed(_FIGURES):
            batch_op.drop_column(name)
    with op.batch_alter_table("enterprise_qualification", schema=None) as batch_op:
        batch_op.drop_column("level")
    op.execute(
        "UPDATE enterprise SET district_code = zone_code "
        "WHERE district_code IS NULL AND zone_code IS NOT NULL"
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_constraint("fk_enterprise_zone_code", type_="foreignkey")
        batch_op.drop_index("ix_enterprise_zone_code")
        batch_op.drop_column("niche_since")
        batch_op.drop_column("zone_code")
    _registry_triggers()
    op.execute("UPDATE region SET kind = 'custom' WHERE kind = 'zone'")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_column("level")
