"""Every route of the app, for every role: allowed or refused, as the table below says.

The routes are discovered from the app's router, so a route added without an entry here
fails ``test_every_route_is_in_the_table``; and one added without ``allow(...)`` fails
``test_every_route_declares_its_permission``. The behaviour is then checked over HTTP: a role
outside the permission gets 403 (and an audit event), one inside gets anything but 401/403, a
caller without a session gets 401 (API) or is sent to sign in (pages), and a state-changing
request without the CSRF token is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from rescue.case import Case
from rescue.security import list_events
from rescue.security.users import ROLES
from rescue.web.access import PERMISSIONS
from tests.web.webhelp import Clock, client_for, make_user, session_csrf, sign_in

PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/unlock"),
    ("POST", "/unlock"),
    ("GET", "/healthz"),
    ("GET", "/api/openapi.json"),
}
# (method, path) -> the permission the route must declare. Change on purpose, never to pass.
EXPECTED: dict[tuple[str, str], str] = {
    ("POST", "/logout"): "account.self",
    ("GET", "/api/me"): "account.self",
    ("GET", "/"): "dashboard.read",
    ("GET", "/api/figures"): "dashboard.read",
    ("GET", "/api/dashboard"): "dashboard.read",
    ("GET", "/persons"): "persons.read",
    ("GET", "/persons/{person_id}"): "persons.read",
    ("GET", "/persons/{person_id}/network.svg"): "persons.read",
    ("GET", "/api/persons"): "persons.read",
    ("GET", "/api/persons/{person_id}"): "persons.read",
    ("GET", "/api/persons/{person_id}/neighbourhood"): "persons.read",
    ("GET", "/persons.jsonl"): "persons.export",
    ("GET", "/queue"): "queue.read",
    ("GET", "/queue/{cluster_id}"): "queue.read",
    ("GET", "/api/queue"): "queue.read",
    ("GET", "/api/queue/{cluster_id}"): "queue.read",
    ("GET", "/referrals"): "referrals.read",
    ("GET", "/referrals/{referral_id}"): "referrals.read",
    ("GET", "/api/referrals"): "referrals.read",
    ("GET", "/api/referrals/{referral_id}"): "referrals.read",
    ("GET", "/api/outcomes"): "referrals.read",
    ("POST", "/persons/{person_id}/outcomes"): "outcomes.write",
    ("POST", "/api/outcomes"): "outcomes.write",
    ("GET", "/decisions"): "decisions.read",
    ("GET", "/api/decisions"): "decisions.read",
    ("POST", "/decisions"): "decisions.write",
    ("POST", "/api/decisions"): "decisions.write",
    ("GET", "/hotline"): "hotline.read",
    ("GET", "/api/hotline/urls"): "hotline.read",
    ("GET", "/api/hotline/stats"): "hotline.read",
    ("POST", "/hotline/reports"): "hotline.write",
    ("POST", "/api/hotline/reports"): "hotline.write",
    ("GET", "/audit"): "audit.read",
    ("GET", "/audit/verify"): "audit.read",
    ("GET", "/api/audit"): "audit.read",
    ("GET", "/api/audit/verify"): "audit.read",
}


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as branches)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # no prefixes are used: paths stay as they are
            found += _api_routes(route.original_router.routes)
    return found


def _routes(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    found = []
    for route in _api_routes(client.app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path, route))
    assert len(found) > 30, "the route walk found too few routes: has FastAPI changed?"
    return found


def _declared(route: APIRoute) -> set[str]:
    permissions: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        permission = getattr(dep.call, "permission", None)
        if permission:
            permissions.add(permission)
        stack.extend(dep.dependencies)
    return permissions


@pytest.fixture
def clients(web_case: Case) -> dict[str, Any]:
    clock = Clock()
    out: dict[str, Any] = {"anonymous": client_for(web_case, clock), "case": web_case}
    countries = _countries(web_case)
    for role in ROLES:
        user = make_user(
            web_case, f"{role}-user", role, (countries[0],) if role == "partner" else ()
        )
        client = client_for(web_case, clock)
        assert sign_in(client, user, clock) == 303, role
        out[role] = client
    out["clock"] = clock
    return out


def _countries(case: Case) -> list[str]:
    engine = case.engine()
    try:
        rows = engine.query(
            "SELECT country, count(*) AS n FROM attributions WHERE country IS NOT NULL "
            "GROUP BY 1 ORDER BY n DESC, country"
        ).to_pylist()
    finally:
        engine.close()
    return [r["country"] for r in rows]


def _sample_path(path: str, case: Case) -> str:
    engine = case.engine()
    try:
        person = engine.query("SELECT min(person_id) AS p FROM persons").to_pylist()[0]["p"]
    finally:
        engine.close()
    from rescue.operation.referrals import list_referrals

    referral = list_referrals(case)[0].id
    return (
        path.replace("{person_id}", person)
        .replace("{referral_id}", referral)
        .replace("{cluster_id}", "C-none")
        .replace("{url_id}", "1")
        .replace("{notice_id}", "1")
    )


def test_every_route_is_in_the_table(clients: dict[str, Any]) -> None:
    routes = {(m, p) for m, p, _ in _routes(clients["anonymous"])}
    assert routes - PUBLIC - set(EXPECTED) == set(), "routes missing from EXPECTED"
    assert set(EXPECTED) - routes == set(), "EXPECTED names routes the app does not have"


def test_every_route_declares_its_permission(clients: dict[str, Any]) -> None:
    for method, path, route in _routes(clients["anonymous"]):
        declared = _declared(route)
        if (method, path) in PUBLIC:
            assert declared == set(), f"{method} {path} is public but declares {declared}"
            continue
        assert len(declared) == 1, f"{method} {path} declares {declared or 'no permission'}"
        if (method, path) in EXPECTED:
            assert declared == {EXPECTED[(method, path)]}, f"{method} {path}"


def _call(client: TestClient, method: str, path: str, csrf: str | None) -> int:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if method == "GET":
        return client.get(path, headers=headers).status_code
    return client.request(method, path, headers=headers, json={}).status_code


def test_each_role_is_allowed_or_refused_as_the_table_says(clients: dict[str, Any]) -> None:
    case: Case = clients["case"]
    routes = [(m, p) for m, p, _ in _routes(clients["anonymous"]) if (m, p) not in PUBLIC]
    tokens = {role: session_csrf(clients[role]) for role in ROLES}
    refusals = 0
    for method, path in routes:
        permission = next(iter(_declared(_route(clients, method, path))))
        url = _sample_path(path, case)
        for role in ROLES:
            if (method, path) == ("POST", "/logout"):
                continue  # allowed for everyone, and it would end the session under test
            status = _call(clients[role], method, url, tokens[role])
            if role in PERMISSIONS[permission]:
                assert status not in (401, 403), f"{role} refused {method} {url}: {status}"
            else:
                assert status == 403, f"{role} allowed {method} {url}: {status}"
                refusals += 1
    denied = list_events(case, limit=10_000, action="access_denied")
    assert len(denied) == refusals and all(e.result == "denied" for e in denied)


def _route(clients: dict[str, Any], method: str, path: str) -> APIRoute:
    return next(r for m, p, r in _routes(clients["anonymous"]) if (m, p) == (method, path))


def test_without_a_session_nothing_but_the_public_routes_answers(
    clients: dict[str, Any],
) -> None:
    anonymous: TestClient = clients["anonymous"]
    for method, path, _ in _routes(anonymous):
        if (method, path) in PUBLIC:
            continue
        url = _sample_path(path, clients["case"])
        response = anonymous.request(method, url)
        if path.startswith("/api/"):
            assert response.status_code == 401, f"{method} {url}"
        else:
            assert response.status_code == 303, f"{method} {url}"
            assert response.headers["location"].startswith("/login")


def test_state_changing_routes_refuse_a_missing_or_wrong_csrf_token(
    clients: dict[str, Any],
) -> None:
    admin: TestClient = clients["admin"]
    for method, path, _ in _routes(admin):
        if method == "GET" or (method, path) in PUBLIC:
            continue
        url = _sample_path(path, clients["case"])
        assert _call(admin, method, url, None) == 403, f"{method} {url} without a token"
        assert _call(admin, method, url, "forged") == 403, f"{method} {url} with a forged token"
