"""Sessions in the operations database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rescue.case import Case
from rescue.ops.models import WebSession
from rescue.security import add_user, reset_password
from rescue.security.sessions import (
    SessionSettings,
    SessionState,
    end_session,
    resolve_session,
    start_session,
    token_hash,
    unlock_session,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SETTINGS = SessionSettings(idle_minutes=15, absolute_hours=10)
PASSWORD = "correct horse battery staple"


def _start(case: Case) -> str:
    info, _ = add_user(case, "ana", "analyst", password=PASSWORD)
    token, _csrf = start_session(case, info, now=T0, source="10.0.0.1", settings=SETTINGS)
    return token


def test_only_the_token_hash_is_stored(case: Case) -> None:
    token = _start(case)
    with case.store.session() as session:
        rows = session.scalars(select(WebSession)).all()
    assert [r.token_hash for r in rows] == [token_hash(token)]
    assert token not in repr([vars(r) for r in rows])


def test_idle_locks_then_unlock_reactivates(case: Case) -> None:
    token = _start(case)
    view = resolve_session(case, token, now=T0 + timedelta(minutes=10), settings=SETTINGS)
    assert view.state is SessionState.ACTIVE and view.user and view.user.username == "ana"
    later = T0 + timedelta(minutes=26)  # last seen at minute 10: 16 idle minutes
    assert resolve_session(case, token, now=later, settings=SETTINGS).state is SessionState.LOCKED
    bad = unlock_session(case, token, "wrong password!!", None, now=later, source="10.0.0.1")
    assert not bad.ok
    still = resolve_session(case, token, now=later, settings=SETTINGS)
    assert still.state is SessionState.LOCKED and still.csrf_token == view.csrf_token
    assert unlock_session(case, token, PASSWORD, None, now=later, source="10.0.0.1").ok
    assert resolve_session(case, token, now=later, settings=SETTINGS).state is SessionState.ACTIVE


def test_expiry_end_and_password_reset_end_the_session(case: Case) -> None:
    token = _start(case)
    late = T0 + timedelta(hours=10)
    assert resolve_session(case, token, now=late, settings=SETTINGS).state is SessionState.NONE
    token2, _ = start_session(
        case,
        add_user(case, "bob", "reviewer", password=PASSWORD)[0],
        now=T0,
        source="x",
        settings=SETTINGS,
    )
    reset_password(case, "bob", "another long password")
    assert resolve_session(case, token2, now=T0, settings=SETTINGS).state is SessionState.NONE
    token3, _ = start_session(
        case,
        add_user(case, "cy", "reviewer", password=PASSWORD)[0],
        now=T0,
        source="x",
        settings=SETTINGS,
    )
    end_session(case, token3, now=T0, source="x")
    assert resolve_session(case, token3, now=T0, settings=SETTINGS).state is SessionState.NONE
    assert resolve_session(case, "made-up", now=T0, settings=SETTINGS).state is SessionState.NONE
