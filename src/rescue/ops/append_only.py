"""Triggers that make the database itself refuse UPDATE and DELETE on an append-only table.

Used by the migrations that create such tables (0003 casework, 0006 hotline). PostgreSQL has
one trigger function, ``rescue_append_only`` (created by 0003), shared by every table; SQLite
gets two triggers per table. The SQL is the same the migrations have always emitted.
"""

from __future__ import annotations

from alembic import op

FUNCTION = "rescue_append_only"


def create_function(message: str) -> None:
    """PostgreSQL's shared trigger function (no-op on SQLite)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '% {message}', TG_TABLE_NAME; END $$"
        )


def drop_function() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def forbid_changes(table: str, message: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} {message}'); END"
        )


def allow_changes(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
