"""enterprise changes: a log of which enterprises' portraits a write touched, kept by triggers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# (table, the column naming the enterprise): every insert, update and delete logs it.
BY_ENTERPRISE = (
    ("enterprise_financial", "enterprise_id"),
    ("enterprise_qualification", "enterprise_id"),
    ("chain_enterprise_segment", "enterprise_id"),
    ("growth_entry", "enterprise_id"),
)
# Writes that no single enterprise holds: everything is read again after them.
WHOLE = ("chain", "growth_list")


def _sqlite() -> None:
    def log(name: str, event: str, row: str, when: str = "") -> None:
        tail = "" if row == "NULL" else f" WHERE {row} IS NOT NULL"  # NULL is "everything"
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} {when}BEGIN INSERT INTO enterprise_change "
            f"(enterprise_id) SELECT {row}{tail}; END"
        )

    for table, column in BY_ENTERPRISE:
        log(f"chg_{table}_ins", f"INSERT ON {table}", f"NEW.{column}")
        log(f"chg_{table}_del", f"DELETE ON {table}", f"OLD.{column}")
        log(f"chg_{table}_upd", f"UPDATE ON {table}", f"NEW.{column}")
        log(f"chg_{table}_mov", f"UPDATE OF {column} ON {table}", f"OLD.{column}",
            f"WHEN OLD.{column} IS NOT NEW.{column} ")  # fmt: skip
    log("chg_enterprise_ins", "INSERT ON enterprise", "NEW.id")
    log("chg_enterprise_upd", "UPDATE ON enterprise", "NEW.id", "WHEN OLD.uscc IS NEW.uscc ")
    log("chg_enterprise_key", "UPDATE ON enterprise", "NULL", "WHEN OLD.uscc IS NOT NEW.uscc ")
    log("chg_enterprise_del", "DELETE ON enterprise", "NULL")
    for table in WHOLE:
        for verb in ("INSERT", "UPDATE", "DELETE"):
            log(f"chg_{table}_{verb.lower()}", f"{verb} ON {table}", "NULL")


def _function(name: str, body: str) -> None:
    # Writers take turns (a lock held until commit), so the ids grow in commit order.
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_advisory_xact_lock(hashtext('highland.enterprise_change')); "
        f"{body} RETURN NULL; END $$"
    )


def _postgresql() -> None:
    for column in ("id", "enterprise_id"):
        ins = (f"INSERT INTO enterprise_change (enterprise_id) SELECT DISTINCT {column} "
               f"FROM new_rows WHERE {column} IS NOT NULL;")  # fmt: skip
        dele = ins.replace("new_rows", "old_rows")
        _function(f"chg_ins_{column}", ins)
        _function(f"chg_del_{column}", dele)
        _function(f"chg_upd_{column}", ins + " " + dele)
    _function("chg_whole", "INSERT INTO enterprise_change (enterprise_id) VALUES (NULL);")
    op.execute(
        "CREATE FUNCTION chg_enterprise_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "WHERE n.uscc IS DISTINCT FROM o.uscc) THEN "
        "PERFORM pg_advisory_xact_lock(hashtext('highland.enterprise_change')); "
        "INSERT INTO enterprise_change (enterprise_id) VALUES (NULL); END IF; "
        "RETURN NULL; END $$"
    )

    def trigger(name: str, event: str, table: str, function: str) -> None:
        refs = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}  # fmt: skip
        referencing = f"REFERENCING {refs[event]} " if function != "chg_whole" else ""
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )

    for table, column in (*BY_ENTERPRISE, ("enterprise", "id")):
        for verb in ("INSERT", "UPDATE", "DELETE"):
            short = verb.lower()[:3]
            function = "chg_whole" if (table, verb) == ("enterprise", "DELETE") else (
                f"chg_{short}_{column}")  # fmt: skip
            trigger(f"chg_{table}_{short}", verb, table, function)
    trigger("chg_enterprise_key", "UPDATE", "enterprise", "chg_enterprise_key")
    for table in WHOLE:
        for verb in ("INSERT", "UPDATE", "DELETE"):
            trigger(f"chg_{table}_{verb.lower()[:3]}", verb, table, "chg_whole")


def upgrade() -> None:
    op.create_table(
        "enterprise_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enterprise_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_change")),
    )
    with op.batch_alter_table("portrait_snapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("base_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgresql()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    names = [f"chg_{t}_{v}" for t, _ in (*BY_ENTERPRISE, ("enterprise", "")) for v in
             ("ins", "upd", "del", "mov", "key")]  # fmt: skip
    names += [f"chg_{t}_{v}" for t in WHOLE for v in ("insert", "update", "delete", "ins",
                                                      "upd", "del")]  # fmt: skip
    for name in names:
        table = name[4:].rsplit("_", 1)[0]
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
    if not sqlite:
        for column in ("id", "enterprise_id"):
            for verb in ("ins", "del", "upd"):
                op.execute(f"DROP FUNCTION IF EXISTS chg_{verb}_{column}()")
        op.execute("DROP FUNCTION IF EXISTS chg_whole()")
        op.execute("DROP FUNCTION IF EXISTS chg_enterprise_key()")
    with op.batch_alter_table("portrait_snapshot", schema=None) as batch_op:
        batch_op.drop_column("base_id")
        batch_op.drop_column("change_seq")
    op.drop_table("enterprise_change")
