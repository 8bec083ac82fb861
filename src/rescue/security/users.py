"""Web users: who may sign in, in which role, and (for a partner) for which countries.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults follow RFC 9106's advice).
Admins and partners must have a TOTP second factor: an admin can change everything and a
partner sees another country's data, so a stolen password alone must not be enough.
Every change here writes a ``user_admin`` audit event in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import select, update

from rescue.errors import InputError
from rescue.ops.models import User, WebSession
from rescue.security.audit import append, utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from rescue.case import Case

ROLES = ("admin", "analyst", "reviewer", "partner", "auditor")
TOTP_ROLES = frozenset({"admin", "partner"})
MIN_PASSWORD = 12
ISSUER = "Rescue"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

hasher = PasswordHasher()  # argon2id


@dataclass(frozen=True)
class UserInfo:
    """A user as the rest of Rescue sees one: no hash, no TOTP secret."""

    id: int
    username: str
    role: str
    countries: tuple[str, ...]
    totp_enabled: bool
    totp_required: bool
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    password_changed_at: datetime


def as_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        role=user.role,
        countries=tuple(user.countries),
        totp_enabled=user.totp_secret is not None,
        totp_required=user.totp_required,
        disabled=user.disabled,
        failed_logins=user.failed_logins,
        locked_until=utc(user.locked_until) if user.locked_until else None,
        created_at=utc(user.created_at),
        password_changed_at=utc(user.password_changed_at),
    )


def check_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"the password is too short ({len(password)} characters)",
            f"use at least {MIN_PASSWORD} characters; a passphrase of several words is easiest",
        )
    if password.strip().lower() == username.lower():
        raise InputError("the password is the username", "choose a password of its own")


def _countries(role: str, countries: Iterable[str]) -> list[str]:
    codes = sorted({c.strip().upper() for c in countries})
    if role == "partner" and not codes:
        raise InputError("a partner needs at least one country", "add --country CC (ISO alpha-2)")
    if role != "partner" and codes:
        raise InputError(
            f"only partners are scoped to countries, not a {role}", "leave out --country"
        )
    bad = [c for c in codes if not _COUNTRY.match(c)]
    if bad:
        raise InputError(
            f"not ISO alpha-2 country codes: {', '.join(bad)}", "use two letters, like GB or DE"
        )
    return codes


def _provisioning_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _get(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise InputError(f"no user {username!r}", "see the users with: rescue user list")
    return user


def _end_sessions(session: Session, user: User) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )


def add_user(
    case: Case,
    username: str,
    role: str,
    *,
    countries: Iterable[str] = (),
    password: str,
    actor: str = "system",
    source: str = "cli",
) -> tuple[UserInfo, str | None]:
    """Create a user; returns it and, when TOTP applies, the provisioning URI to show once."""
    if not _USERNAME.match(username):
        raise InputError(
            f"{username!r} is not a valid username",
            "use 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter/digit",
        )
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", f"use one of: {', '.join(ROLES)}")
    codes = _countries(role, countries)
    check_password(username, password)
    now = datetime.now(UTC)
    secret = pyotp.random_base32() if role in TOTP_ROLES else None
    with case.store.session() as session:
        if session.scalars(select(User.id).where(User.username == username)).first():
            raise InputError(f"user {username!r} exists already", "choose another username")
        user = User(
            username=username,
            role=role,
            countries=codes,
            password_hash=hasher.hash(password),
            totp_secret=secret,
            totp_required=role in TOTP_ROLES,
            disabled=False,
            failed_logins=0,
            locked_until=None,
            created_at=now,
            password_changed_at=now,
        )
        session.add(user)
        session.flush()
        detail = {"op": "add", "role": role, "countries": codes}
        append(session, actor, "user_admin", target=username, detail=detail, source=source)
        info = as_info(user)
    return info, _provisioning_uri(username, secret) if secret else None


def disable_user(
    case: Case, username: str, *, actor: str = "system", source: str = "cli"
) -> UserInfo:
    with case.store.session() as session:
        user = _get(session, username)
        user.disabled = True
        _end_sessions(session, user)
        append(
            session, actor, "user_admin", target=username, detail={"op": "disable"}, source=source
        )
        return as_info(user)


def reset_password(
    case: Case, username: str, new_password: str, *, actor: str = "system", source: str = "cli"
) -> UserInfo:
    """Set a new password and lift a lockout (an admin has checked who asked)."""
    check_password(username, new_password)
    with case.store.session() as session:
        user = _get(session, username)
        user.password_hash = hasher.hash(new_password)
        user.password_changed_at = datetime.now(UTC)
        user.failed_logins = 0
        user.locked_until = None
        _end_sessions(session, user)  # whoever held the old password is signed out too
        detail = {"op": "reset_password"}
        append(session, actor, "user_admin", target=username, detail=detail, source=source)
        return as_info(user)


def reset_totp(case: Case, username: str, *, actor: str = "system", source: str = "cli") -> str:
    """Give the user a new TOTP secret (a lost phone); returns the provisioning URI."""
    secret = pyotp.random_base32()
    with case.store.session() as session:
        user = _get(session, username)
        user.totp_secret = secret
        user.totp_last_step = None  # a new secret starts a new sequence of codes
        _end_sessions(session, user)
        append(
            session, actor, "user_admin", target=username, detail={"op": "reset_2fa"}, source=source
        )
    return _provisioning_uri(username, secret)


def list_users(case: Case) -> list[UserInfo]:
    with case.store.session() as session:
        return [as_info(u) for u in session.scalars(select(User).order_by(User.username))]
