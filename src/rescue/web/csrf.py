"""CSRF: every state-changing request carries the session's token (synchroniser pattern).

Forms send it as the hidden field ``csrf_token``; HTMX and API clients as the header
``X-CSRF-Token``. SameSite=Strict cookies already stop most cross-site posts; the token also
covers browsers and proxies that do not honour SameSite. The sign-in form, which has no session
yet, uses a double-submit cookie instead (``routes/auth.py``).
"""

from __future__ import annotations

import hmac

from fastapi import Request

from rescue.web.problems import CsrfError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"


async def submitted_token(request: Request) -> str:
    token = request.headers.get(HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request, expected: str) -> None:
    given = await submitted_token(request)
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfError()
