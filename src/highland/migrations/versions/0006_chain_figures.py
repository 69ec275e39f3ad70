"""chain figures: aggregates for the chain analytics, rebuilt when their sources change

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import highland.platform.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Which writes make which figures stale: (generation, table, columns whose UPDATE counts).
SOURCES = (
    ("registry", "enterprise", "industry_code, district_code"),
    ("registry", "enterprise_financial", "enterprise_id, year, employees, revenue"),
    ("links", "chain_enterprise_segment", "enterprise_id, chain_id, segment_code, status"),
    ("links", "chain", "version_id"),
    # A member's revenue feeds the chains' figures too.
    ("links", "enterprise_financial", "enterprise_id, year, revenue"),
)
# Every write bumps the generation (SQLite: once per row; PostgreSQL: once per statement).
BUMP = "UPDATE data_generation SET value = value + 1 WHERE name = '{name}'"


def _trigger_name(name: str, table: str, verb: str) -> str:
    return f"gen_{name}_{table}_{verb}"


def upgrade() -> None:
    op.create_table(
        "data_generation",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_generation")),
    )
    op.create_table(
        "figure_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("built_from", sa.BigInteger(), nullable=False),
        sa.Column("built_at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("milliseconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_figure_state")),
    )
    op.create_table(
        "registry_cell",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=False),
        sa.Column("district_code", sa.String(length=20), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("employees", sa.BigInteger(), nullable=True),
        sa.Column("employees_known", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=True),
        sa.Column("revenue_known", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "year", "industry_code", "district_code", name=op.f("pk_registry_cell")
        ),
    )
    op.create_table(
        "chain_figure",
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("segment_code", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=True),
        sa.Column("revenue_squares", sa.String(length=80), nullable=True),
        sa.Column("largest_id", sa.Integer(), nullable=True),
        sa.Column("largest_revenue", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("chain_id", "segment_code", "year", name=op.f("pk_chain_figure")),
    )
    op.execute("INSERT INTO data_generation (name, value) VALUES ('registry', 1), ('links', 1)")
    if op.get_bind().dialect.name == "sqlite":
        for name, table, columns in SOURCES:
            for verb, event in (
                ("ins", "INSERT"), ("upd", f"UPDATE OF {columns}"), ("del", "DELETE"),
            ):  # fmt: skip
                op.execute(
                    f"CREATE TRIGGER {_trigger_name(name, table, verb)} AFTER {event} ON {table} "
                    f"BEGIN {BUMP.format(name=name)}; END"
                )
        return
    for name in ("registry", "links"):
        op.execute(
            f"CREATE FUNCTION gen_bump_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP.format(name=name)}; RETURN NULL; END $$"
        )
    for name, table, columns in SOURCES:
        op.execute(
            f"CREATE TRIGGER {_trigger_name(name, table, 'all')} AFTER INSERT OR DELETE OR "
            f"UPDATE OF {columns} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION gen_bump_{name}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, table, _ in SOURCES:
            for verb in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(name, table, verb)}")
    else:
        for name, table, _ in SOURCES:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(name, table, 'all')} ON {table}")
        for name in ("registry", "links"):
            op.execute(f"DROP FUNCTION IF EXISTS gen_bump_{name}()")
    op.drop_table("chain_figure")
    op.drop_table("registry_cell")
    op.drop_table("figure_state")
    op.drop_table("data_generation")
