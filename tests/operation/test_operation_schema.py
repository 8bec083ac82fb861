"""Migration 0003 on both backends: it builds what the models say, it goes down and up again,
and the database itself refuses edits to the append-only history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table, inspect, text
from sqlalchemy.exc import DBAPIError

from rescue.case import Case
from rescue.operation.checks import record_check
from rescue.operation.outcomes import record_outcome, retract_outcome
from rescue.ops.db import _alembic_config
from rescue.ops.models import Base

TABLES = {
    "record_checks",
    "referrals",
    "referral_persons",
    "outcomes",
    "outcome_retractions",
    "external_subjects",
}


def _names(diff: Any) -> set[str]:
    """Table names an autogenerate diff mentions (a table, an index's table, or a bare name)."""
    if isinstance(diff, list):
        return set().union(*(_names(d) for d in diff))
    found = set()
    for part in diff[1:]:
        if isinstance(part, Table):
            found.add(part.name)
        elif isinstance(getattr(part, "table", None), Table):
            found.add(part.table.name)
        elif isinstance(part, str):
            found.add(part)
    return found


def test_the_migration_builds_what_the_models_declare(case: Case) -> None:
    with case.store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if _names(d) & TABLES] == []
    assert set(inspect(case.store.engine).get_table_names()) >= TABLES
    assert case.store.revision() == case.store.head()  # migrated to the latest revision


def test_downgrade_and_upgrade_again(case: Case) -> None:
    config = _alembic_config(case.store.engine)
    command.downgrade(config, "0002")
    assert not TABLES & set(inspect(case.store.engine).get_table_names())
    command.upgrade(config, "head")
    assert set(inspect(case.store.engine).get_table_names()) >= TABLES
    record_outcome(case, "P-f:1", "identified", date=dt.date(2024, 1, 2), recorded_by="ana")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE outcomes SET kind = 'convicted'",
        "DELETE FROM outcomes",
        "UPDATE outcome_retractions SET reason = 'nothing happened'",
        "DELETE FROM outcome_retractions",
        "UPDATE record_checks SET value = false",
        "DELETE FROM record_checks",
    ],
)
def test_history_cannot_be_edited_or_deleted(case: Case, statement: str) -> None:
    o = record_outcome(case, "P-f:1", "arrested", date=dt.date(2024, 1, 2), recorded_by="ana")
    retract_outcome(case, o.id, reason="wrong person", retracted_by="ana")
    record_check(case, "P-f:1", "prior_conviction", True, analyst="ana")
    with pytest.raises(DBAPIError, match="append-only"), case.store.session() as session:
        session.execute(text(statement))
    with case.store.session() as session:
        assert session.execute(text("SELECT count(*) FROM outcomes")).scalar() == 1
        assert session.execute(text("SELECT kind FROM outcomes")).scalar() == "arrested"
        assert session.execute(text("SELECT count(*) FROM record_checks")).scalar() == 1
