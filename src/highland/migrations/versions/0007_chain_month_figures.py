"""chain month figures: a chain's registry indicators as of a month, with their generations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import highland.platform.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# The triggers of 0006, now also counting the columns the monthly indicators read: when a
# link was decided or made, when an enterprise was founded, a figure's source date, output
# value and tax.
OLD = (
    ("registry", "enterprise", "industry_code, district_code"),
    ("registry", "enterprise_financial", "enterprise_id, year, employees, revenue"),
    ("links", "chain_enterprise_segment", "enterprise_id, chain_id, segment_code, status"),
    ("links", "chain", "version_id"),
    ("links", "enterprise_financial", "enterprise_id, year, revenue"),
)
NEW = (
    ("registry", "enterprise", "industry_code, district_code, founded_on"),
    (
        "registry",
        "enterprise_financial",
        "enterprise_id, year, employees, revenue, output_value, tax_paid, source_date",
    ),
    (
        "links",
        "chain_enterprise_segment",
        "enterprise_id, chain_id, segment_code, status, decided_at, created_at",
    ),
    ("links", "chain", "version_id"),
    ("links", "enterprise_financial", "enterprise_id, year, revenue"),
)
BUMP = "UPDATE data_generation SET value = value + 1 WHERE name = '{name}'"


def _drop(sources: tuple[tuple[str, str, str], ...]) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, _ in sources:
        if sqlite:
            for verb in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER IF EXISTS gen_{name}_{table}_{verb}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS gen_{name}_{table}_all ON {table}")


def _create(sources: tuple[tuple[str, str, str], ...]) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, columns in sources:
        if sqlite:
            for verb, event in (
                ("ins", "INSERT"), ("upd", f"UPDATE OF {columns}"), ("del", "DELETE"),
            ):  # fmt: skip
                op.execute(
                    f"CREATE TRIGGER gen_{name}_{table}_{verb} AFTER {event} ON {table} "
                    f"BEGIN {BUMP.format(name=name)}; END"
                )
        else:
            op.execute(
                f"CREATE TRIGGER gen_{name}_{table}_all AFTER INSERT OR DELETE OR "
                f"UPDATE OF {columns} ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION gen_bump_{name}()"
            )


def upgrade() -> None:
    _drop(OLD)
    _create(NEW)
    op.create_table(
        "chain_month_figure",
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("registry_generation", sa.BigInteger(), nullable=False),
        sa.Column("links_generation", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("computed_at", highland.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "month", name=op.f("pk_chain_month_figure")),
    )


def downgrade() -> None:
    op.drop_table("chain_month_figure")
    _drop(NEW)
    _create(OLD)
