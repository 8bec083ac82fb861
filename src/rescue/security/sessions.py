"""Web sessions: start, resolve, lock after inactivity, unlock, end. No HTTP here.

The browser holds a random token; the database holds only its SHA-256, the user, a CSRF token
and two clocks. A session idle for ``idle_minutes`` is *locked*: the page asks for the password
again (and the second factor for those who have one), as the CJIS session-lock control asks,
without losing where the analyst was. After ``absolute_hours`` it is over whatever the activity.
A disabled user's sessions stop working at the next request, not at their expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update

from rescue.errors import CaseError
from rescue.ops.models import User, WebSession
from rescue.security.audit import append, utc
from rescue.security.auth import AuthResult, authenticate
from rescue.security.users import UserInfo, as_info

if TYPE_CHECKING:
    from rescue.case import Case


class SessionState(Enum):
    ACTIVE = "active"
    LOCKED = "locked"  # idle too long: re-enter the password to go on
    NONE = "none"  # no such session, ended, expired or its user disabled


@dataclass(frozen=True)
class SessionSettings:
    """``[web]`` in case.toml. 15 idle minutes is CJIS's session-lock limit; a working day ends
    every session so a forgotten browser does not stay signed in overnight."""

    idle_minutes: int = 15
    absolute_hours: int = 10

    @classmethod
    def from_values(cls, values: dict[str, object]) -> SessionSettings:
        idle = values.get("idle_minutes", cls.idle_minutes)
        absolute = values.get("absolute_hours", cls.absolute_hours)
        if not isinstance(idle, int) or not isinstance(absolute, int) or idle < 1 or absolute < 1:
            raise CaseError("[web] idle_minutes and absolute_hours must be whole numbers >= 1")
        return cls(idle, absolute)


@dataclass(frozen=True)
class SessionView:
    state: SessionState
    user: UserInfo | None = None
    csrf_token: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    case: Case, user: UserInfo, *, now: datetime, source: str, settings: SessionSettings
) -> tuple[str, str]:
    """A new session for a user who has just signed in: (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utc(now)
    with case.store.session() as session:
        session.add(
            WebSession(
                token_hash=token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                source=source[:64],
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.absolute_hours),
                locked=False,
                ended_at=None,
            )
        )
    return token, csrf


_SESSIONS = WebSession.__table__
_USERS = User.__table__
# The session's columns and the user's, in one row: this query runs on every request, so it
# is plain SQL (Core) rather than ORM objects, which cost several times more to build.
_RESOLVE = (
    select(
        *[c.label(f"s_{c.name}") for c in _SESSIONS.c],
        *_USERS.c,
    )
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)


def resolve_session(
    case: Case, token: str | None, *, now: datetime, settings: SessionSettings
) -> SessionView:
    """The state of the session behind a cookie, marking it seen (or locked) as of ``now``."""
    if not token:
        return SessionView(SessionState.NONE)
    now = utc(now)
    digest = token_hash(token)
    with case.store.engine.connect() as conn:
        row = conn.execute(_RESOLVE, {"token_hash": digest}).first()
    if row is None or row.s_ended_at is not None or utc(row.s_expires_at) <= now:
        return SessionView(SessionState.NONE)
    if row.disabled:
        _update(case, digest, ended_at=now)
        return SessionView(SessionState.NONE)
    info = as_info(row)  # type: ignore[arg-type] # the row has every column as_info reads
    idle = now - utc(row.s_last_seen_at) > timedelta(minutes=settings.idle_minutes)
    if row.s_locked or idle:
        if not row.s_locked:
            _lock(case, digest, row.username, row.s_source, now, settings)
        return SessionView(SessionState.LOCKED, info, row.s_csrf_token)
    # Written at most once a minute: every page view must not be a database write.
    if now - utc(row.s_last_seen_at) >= timedelta(seconds=60):
        _update(case, digest, last_seen_at=now)
    return SessionView(SessionState.ACTIVE, info, row.s_csrf_token)


def _update(case: Case, digest: str, **values: object) -> None:
    with case.store.session() as session:
        session.execute(update(WebSession).where(WebSession.token_hash == digest).values(**values))


def _lock(
    case: Case, digest: str, username: str, source: str, now: datetime, settings: SessionSettings
) -> None:
    with case.store.session() as session:
        locked = session.execute(
            update(WebSession)
            .where(WebSession.token_hash == digest, WebSession.locked.is_(False))
            .values(locked=True)
        )
        if locked.rowcount:  # type: ignore[attr-defined] # only the request that locked it
            detail = {"idle_minutes": settings.idle_minutes}
            append(session, username, "session_locked", target=username, detail=detail,
                   source=source, now=now)  # fmt: skip


def unlock_session(
    case: Case,
    token: str,
    password: str,
    totp_code: str | None,
    *,
    now: datetime,
    source: str,
) -> AuthResult:
    """Re-check the locked session's own user; success makes it active again."""
    now = utc(now)
    with case.store.session() as session:
        row = session.get(WebSession, token_hash(token))
        user = session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or row.ended_at is not None:
            return AuthResult(False, None, "session ended; sign in again")
        username = user.username
    result = authenticate(case, username, password, totp_code, now=now, source_ip=source)
    if result.ok:
        with case.store.session() as session:
            session.execute(
                update(WebSession)
                .where(WebSession.token_hash == token_hash(token))
                .values(locked=False, last_seen_at=now)
            )
    return result


def end_session(case: Case, token: str, *, now: datetime, source: str) -> None:
    """Sign out: the token stops working at once."""
    now = utc(now)
    with case.store.session() as session:
        row = session.get(WebSession, token_hash(token))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = now
        user = session.get(User, row.user_id)
        actor = user.username if user else "unknown"
        append(session, actor, "logout", target=actor, source=source, now=now)
