"""Schemathesis over the OpenAPI document: generated requests to every API operation, as a
signed-in admin (who may call all of them), must never meet a server error, and every answer
must match the document."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from rescue.case import Case
from tests.web.webhelp import Clock, client_for, make_user, session_csrf, sign_in


@pytest.fixture
def admin_client(web_case: Case) -> TestClient:
    clock = Clock()
    client = client_for(web_case, clock)
    assert sign_in(client, make_user(web_case, "root", "admin"), clock) == 303
    return client


@pytest.fixture
def api_schema(admin_client: TestClient) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", admin_client.app)


@pytest.fixture
def session_headers(admin_client: TestClient) -> dict[str, str]:
    cookie = "; ".join(f"{k}={v}" for k, v in admin_client.cookies.items())
    return {"X-CSRF-Token": session_csrf(admin_client), "Cookie": cookie}


def test_the_api_never_fails_with_a_server_error(
    api_schema: Any, session_headers: dict[str, str]
) -> None:
    # Driven operation by operation rather than with schemathesis' pytest plugin, which does
    # not run under pytest 9 (it reads a private attribute pytest removed).
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15, "fewer API operations than the app has: is the schema served?"
    seen: dict[str, set[int]] = {}
    for operation in operations:
        _fuzz(operation, session_headers, seen)
    assert len(seen) == len(operations)


def _fuzz(operation: Any, headers: dict[str, str], seen: dict[str, set[int]]) -> None:
    label = operation.label

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)  # fmt: skip
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code != 401, f"{label}: the request lost its session"
        seen.setdefault(label, set()).add(response.status_code)

    check()
