"""Migration 0006 on both backends: it builds what the models say, goes down and up again, and
the database refuses edits to the hotline's timeline."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from rescue.case import Case
from rescue.hotline.assess import assess_url
from rescue.hotline.reports import list_urls, submit_report
from rescue.ops.db import _alembic_config
from rescue.ops.models import Base, HotlineCheck, HotlineNotice, HotlineNoticeUrl
from tests.hotline.conftest import START
from tests.operation.test_operation_schema import _names

TABLES = {
    "hotline_urls", "hotline_reports", "hotline_assessments", "hotline_checks",
    "hotline_hash_hits", "hotline_events", "hotline_notices", "hotline_notice_urls",
    "hotline_contacts", "hotline_partners",
}  # fmt: skip


def test_the_migration_builds_what_the_models_declare(case: Case) -> None:
    with case.store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if _names(d) & TABLES] == []
    assert set(inspect(case.store.engine).get_table_names()) >= TABLES
    assert case.store.revision() == case.store.head()


def test_downgrade_and_upgrade_again(case: Case) -> None:
    config = _alembic_config(case.store.engine)
    command.downgrade(config, "0005")
    assert not TABLES & set(inspect(case.store.engine).get_table_names())
    command.upgrade(config, "head")
    assert set(inspect(case.store.engine).get_table_names()) >= TABLES
    submit_report(case, "http://a.test/", now=START)
    assert len(list_urls(case)) == 1


def _one_of_each(case: Case) -> None:
    """A row in every append-only table: a report (and its event), an assessment, a check, a
    notice listing the URL."""
    intake = submit_report(case, "http://a.test/", now=START)
    assess_url(case, intake.url_id, "national", jurisdiction="GB", analyst="ana", now=START)
    with case.store.session() as session:
        session.add(HotlineCheck(url_id=intake.url_id, checked_at=START, outcome="live",
                                 reason="HTTP 200", redirects=0, known_hits=0))  # fmt: skip
        notice = HotlineNotice(reference="HN-1", provider="P", channel="email",
                               recipient="a@p.test", escalation=False, created_at=START,
                               status="sent", result="<id>")  # fmt: skip
        session.add(notice)
        session.flush()
        session.add(HotlineNoticeUrl(notice_id=notice.id, url_id=intake.url_id, kind="notice"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE hotline_reports SET notes = 'changed'",
        "DELETE FROM hotline_reports",
        "UPDATE hotline_events SET kind = 'removed_seen'",
        "DELETE FROM hotline_events",
        "UPDATE hotline_assessments SET classification = 'not_illegal'",
        "DELETE FROM hotline_assessments",
        "UPDATE hotline_checks SET outcome = 'removed'",
        "DELETE FROM hotline_checks",
        "UPDATE hotline_notices SET status = 'failed'",
        "DELETE FROM hotline_notices",
        "UPDATE hotline_notice_urls SET kind = 'escalation'",
        "DELETE FROM hotline_notice_urls",
    ],
)
def test_the_timeline_cannot_be_edited_or_deleted(case: Case, statement: str) -> None:
    _one_of_each(case)
    with pytest.raises(DBAPIError, match="append-only"), case.store.session() as session:
        session.execute(text(statement))


def test_the_url_row_itself_may_change(case: Case) -> None:
    _one_of_each(case)
    with case.store.session() as session:
        session.execute(text("UPDATE hotline_urls SET state = 'removed'"))
    assert list_urls(case)[0].state == "removed"
