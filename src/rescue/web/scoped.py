"""A person the caller may see, or the 404 that also hides persons of other countries."""

from __future__ import annotations

from fastapi import Request

from rescue.views.person import PersonDetail, person_detail
from rescue.web.principal import Principal
from rescue.web.problems import NotFoundError
from rescue.web.state import app_state


def scoped_person(
    request: Request, principal: Principal, person_id: str, *, casework: bool = False
) -> PersonDetail:
    found = person_detail(app_state(request).reader, person_id, principal.scope, casework=casework)
    if found is None:
        raise NotFoundError("person")
    return found
