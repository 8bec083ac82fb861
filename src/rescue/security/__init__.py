"""Security: web users and roles, sign-in checks, and the hash-chained audit log.

``users`` manages accounts, ``auth`` checks a sign-in, ``audit`` records and verifies events.
Nothing here knows about HTTP; the web app and the CLI are thin shells around these functions.
"""

from __future__ import annotations

from rescue.security.audit import (
    AuditEventRecord,
    ChainReport,
    list_events,
    record,
    verify_chain,
)
from rescue.security.auth import AuthResult, SecuritySettings, authenticate
from rescue.security.users import (
    ROLES,
    UserInfo,
    add_user,
    disable_user,
    list_users,
    reset_password,
    reset_totp,
)

__all__ = [
    "ROLES",
    "AuditEventRecord",
    "AuthResult",
    "ChainReport",
    "SecuritySettings",
    "UserInfo",
    "add_user",
    "authenticate",
    "disable_user",
    "list_events",
    "list_users",
    "record",
    "reset_password",
    "reset_totp",
    "verify_chain",
]
