"""Checking a sign-in: password, second factor, lockout; no HTTP here, the web app calls it.

The answer a caller may show is the same for a wrong password and a wrong code, and a locked
or disabled account is refused before its password is checked, so the reason never tells an
attacker whether a guessed password was right. The audit event records which factor failed,
for the auditor; the password and the code themselves are never logged or stored.
The clock is a parameter (``now``) so lockouts can be tested without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from rescue.errors import CaseError
from rescue.ops.models import User
from rescue.security.audit import append, utc
from rescue.security.users import UserInfo, as_info, hasher

if TYPE_CHECKING:
    from rescue.case import Case

BAD_CREDENTIALS = "invalid username, password or code"
LOCKED = "account locked; try again later or ask an admin"
DISABLED = "account disabled; ask an admin"
# Verified against when the username is unknown, so that answer takes as long as a real one.
_DUMMY_HASH = hasher.hash("not a real password, only for timing")


@dataclass(frozen=True)
class SecuritySettings:
    """``[security]`` in case.toml. Five tries then 15 minutes stops guessing but not users."""

    max_failed_logins: int = 5
    lockout_minutes: int = 15

    @classmethod
    def from_case(cls, case: Case) -> SecuritySettings:
        values = case.settings("security")
        unknown = set(values) - {"max_failed_logins", "lockout_minutes"}
        if unknown:
            raise CaseError(
                f"unknown [security] settings in case.toml: {', '.join(sorted(unknown))}",
                "use max_failed_logins and lockout_minutes",
            )
        settings = cls(**values)
        if settings.max_failed_logins < 1 or settings.lockout_minutes < 1:
            raise CaseError("[security] max_failed_logins and lockout_minutes must be >= 1")
        return settings


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    user: UserInfo | None
    reason: str  # safe to show to the person signing in


def _password_ok(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _code_step(secret: str | None, code: str | None, now: datetime) -> int | None:
    """The 30-second step the code belongs to, or None when it is not a current code."""
    if secret is None or not code:
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    # One step either side forgives a phone clock 30 s off; older codes are refused.
    for candidate in (step, step - 1, step + 1):
        if pyotp.utils.strings_equal(code.strip(), totp.generate_otp(candidate)):
            return candidate
    return None


def authenticate(
    case: Case,
    username: str,
    password: str,
    totp_code: str | None,
    *,
    now: datetime,
    source_ip: str,
    settings: SecuritySettings | None = None,
) -> AuthResult:
    """Check one sign-in attempt and record it as ``login`` or ``login_failed``."""
    settings = settings or SecuritySettings.from_case(case)
    now = utc(now)
    with case.store.session() as session:
        user = session.scalars(select(User).where(User.username == username)).first()

        def fail(reason: str, why: str, extra: dict[str, Any] | None = None) -> AuthResult:
            detail = {"why": why, **(extra or {})}
            append(
                session,
                username,
                "login_failed",
                target=username,
                result="denied",
                detail=detail,
                source=source_ip,
                now=now,
            )
            return AuthResult(False, as_info(user) if user else None, reason)

        if user is None:
            _password_ok(_DUMMY_HASH, password)
            return fail(BAD_CREDENTIALS, "unknown user")
        if user.disabled:
            return fail(DISABLED, "disabled")
        if user.locked_until is not None and utc(user.locked_until) > now:
            return fail(LOCKED, "locked")
        if user.locked_until is not None:  # the lock has run out: a fresh count of tries
            user.locked_until = None
            user.failed_logins = 0
        why = None
        step = None
        if not _password_ok(user.password_hash, password):
            why = "password"
        elif user.totp_required or user.totp_secret:
            step = _code_step(user.totp_secret, totp_code, now)
            if step is None:
                why = "second factor"
            elif user.totp_last_step is not None and step <= user.totp_last_step:
                # A code seen once is spent: someone who watched it typed cannot reuse it.
                why = "second factor reused"
        if why is not None:
            user.failed_logins += 1
            extra: dict[str, Any] = {"failures": user.failed_logins}
            if user.failed_logins >= settings.max_failed_logins:
                user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                extra["locked_until"] = user.locked_until.isoformat()
            return fail(BAD_CREDENTIALS, why, extra)
        user.failed_logins = 0
        if step is not None:
            user.totp_last_step = step
        if hasher.check_needs_rehash(user.password_hash):  # parameters raised since it was set
            user.password_hash = hasher.hash(password)
        append(session, username, "login", target=username, source=source_ip, now=now)
        return AuthResult(True, as_info(user), "ok")
