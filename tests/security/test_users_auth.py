"""Users, password policy, argon2 storage, TOTP, lockout and disabled accounts, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from rescue.case import Case, open_case
from rescue.errors import CaseError, InputError
from rescue.ops.models import User
from rescue.security import (
    add_user,
    authenticate,
    disable_user,
    list_events,
    list_users,
    reset_password,
    reset_totp,
)
from rescue.security.auth import BAD_CREDENTIALS, DISABLED, LOCKED, SecuritySettings

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _secret(case: Case, username: str) -> str:
    with case.store.session() as session:
        secret = session.scalars(select(User.totp_secret).where(User.username == username)).one()
    assert secret is not None
    return secret


def _login(case: Case, user: str, password: str, code: str | None = None, now: datetime = T0):
    return authenticate(case, user, password, code, now=now, source_ip="10.0.0.7")


def test_add_and_list_users(case: Case) -> None:
    analyst, uri = add_user(case, "ana", "analyst", password=PASSWORD)
    assert uri is None and not analyst.totp_required and analyst.countries == ()
    partner, uri = add_user(case, "de-bka", "partner", countries=["de", "AT"], password=PASSWORD)
    assert partner.countries == ("AT", "DE") and partner.totp_required
    assert uri is not None and uri.startswith("otpauth://totp/") and "de-bka" in uri
    assert [u.username for u in list_users(case)] == ["ana", "de-bka"]
    assert [e.action for e in list_events(case, 10)] == ["user_admin", "user_admin"]


@pytest.mark.parametrize(
    ("username", "role", "countries", "password", "message"),
    [
        ("bob", "analyst", (), "short", "too short"),
        ("bob-the-analyst", "analyst", (), "Bob-The-Analyst", "is the username"),
        ("bob", "wizard", (), PASSWORD, "unknown role"),
        ("bob", "partner", (), PASSWORD, "needs at least one country"),
        ("bob", "analyst", ("GB",), PASSWORD, "only partners"),
        ("bob", "partner", ("GBR",), PASSWORD, "ISO alpha-2"),
        ("Bob Smith", "analyst", (), PASSWORD, "not a valid username"),
    ],
)
def test_policy_errors(
    case: Case, username: str, role: str, countries: tuple[str, ...], password: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        add_user(case, username, role, countries=countries, password=password)
    assert info.value.hint
    assert list_users(case) == []


def test_duplicate_username(case: Case) -> None:
    add_user(case, "ana", "analyst", password=PASSWORD)
    with pytest.raises(InputError, match="exists already"):
        add_user(case, "ana", "reviewer", password=PASSWORD)


def test_only_an_argon2_hash_is_stored(case: Case) -> None:
    add_user(case, "ana", "analyst", password=PASSWORD)
    assert _login(case, "ana", PASSWORD).ok
    with case.store.engine.connect() as conn:
        users = [str(tuple(r)) for r in conn.execute(text("SELECT * FROM users"))]
        audit = [str(tuple(r)) for r in conn.execute(text("SELECT * FROM audit_events"))]
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert not any(PASSWORD in row for row in users + audit)


def test_a_totp_code_works_once(case: Case) -> None:
    add_user(case, "root", "admin", password=PASSWORD)
    totp = pyotp.TOTP(_secret(case, "root"))
    code = totp.at(T0)
    assert _login(case, "root", PASSWORD, code, now=T0).ok
    replay = _login(case, "root", PASSWORD, code, now=T0 + timedelta(seconds=20))
    assert not replay.ok and replay.reason == BAD_CREDENTIALS
    [event] = list_events(case, 1, action="login_failed")
    assert event.detail["why"] == "second factor reused"
    # An earlier code still inside the window is refused too; the next one works.
    earlier = totp.at(T0 - timedelta(seconds=30))
    assert not _login(case, "root", PASSWORD, earlier, now=T0 + timedelta(seconds=25)).ok
    later = T0 + timedelta(seconds=30)
    assert _login(case, "root", PASSWORD, totp.at(later), now=later).ok


def test_totp_required_for_admin(case: Case) -> None:
    add_user(case, "root", "admin", password=PASSWORD)
    totp = pyotp.TOTP(_secret(case, "root"))
    missing = _login(case, "root", PASSWORD)
    assert not missing.ok and missing.reason == BAD_CREDENTIALS
    assert _login(case, "root", PASSWORD, totp.at(T0), now=T0).ok
    assert _login(case, "root", PASSWORD, totp.now(), now=datetime.now(UTC)).ok
    old = totp.at(T0 - timedelta(minutes=3))
    assert not _login(case, "root", PASSWORD, old, now=T0).ok
    wrong_password = _login(case, "root", "not the password!", totp.at(T0), now=T0)
    assert not wrong_password.ok and wrong_password.reason == BAD_CREDENTIALS
    # The audit log says which factor failed, never the code itself.
    failed = list_events(case, 10, action="login_failed")
    assert [e.detail["why"] for e in failed] == ["password", "second factor", "second factor"]
    assert all(old not in str(e) and PASSWORD not in str(e) for e in list_events(case, 50))


def test_reset_totp_replaces_the_secret(case: Case) -> None:
    add_user(case, "de-bka", "partner", countries=["DE"], password=PASSWORD)
    before = _secret(case, "de-bka")
    uri = reset_totp(case, "de-bka")
    after = _secret(case, "de-bka")
    assert after != before and after in uri
    assert not _login(case, "de-bka", PASSWORD, pyotp.TOTP(before).at(T0)).ok
    assert _login(case, "de-bka", PASSWORD, pyotp.TOTP(after).at(T0)).ok


def test_lockout_and_unlock_after_the_period(case: Case) -> None:
    add_user(case, "ana", "analyst", password=PASSWORD)
    for minute in range(5):
        result = _login(case, "ana", "wrong password!", now=T0 + timedelta(minutes=minute))
        assert not result.ok and result.reason == BAD_CREDENTIALS
    assert result.user is not None and result.user.locked_until == T0 + timedelta(minutes=19)
    # Locked: the right password gets the same answer as a wrong one.
    right = _login(case, "ana", PASSWORD, now=T0 + timedelta(minutes=10))
    wrong = _login(case, "ana", "wrong password!", now=T0 + timedelta(minutes=10))
    assert (right.ok, right.reason) == (wrong.ok, wrong.reason) == (False, LOCKED)
    assert _login(case, "ana", PASSWORD, now=T0 + timedelta(minutes=20)).ok
    assert list_users(case)[0].failed_logins == 0


def test_success_resets_the_failure_count(case: Case) -> None:
    add_user(case, "ana", "analyst", password=PASSWORD)
    for _ in range(4):
        _login(case, "ana", "wrong password!")
    assert _login(case, "ana", PASSWORD).ok
    for _ in range(4):
        _login(case, "ana", "wrong password!")
    assert _login(case, "ana", PASSWORD).ok


def test_reset_password_lifts_the_lock(case: Case) -> None:
    add_user(case, "ana", "analyst", password=PASSWORD)
    for _ in range(5):
        _login(case, "ana", "wrong password!")
    assert _login(case, "ana", PASSWORD).reason == LOCKED
    reset_password(case, "ana", "a brand new passphrase")
    assert not _login(case, "ana", PASSWORD).ok
    assert _login(case, "ana", "a brand new passphrase").ok


def test_disabled_user(case: Case) -> None:
    add_user(case, "ana", "analyst", password=PASSWORD)
    disable_user(case, "ana")
    right = _login(case, "ana", PASSWORD)
    wrong = _login(case, "ana", "wrong password!")
    assert (right.ok, right.reason) == (wrong.ok, wrong.reason) == (False, DISABLED)
    assert list_users(case)[0].disabled


def test_unknown_user_and_unknown_target(case: Case) -> None:
    result = _login(case, "nobody", PASSWORD)
    assert not result.ok and result.user is None and result.reason == BAD_CREDENTIALS
    with pytest.raises(InputError, match="no user 'nobody'"):
        disable_user(case, "nobody")


def test_settings_from_case_toml(case: Case) -> None:
    toml = case.root / "case.toml"
    toml.write_text(toml.read_text() + "\n[security]\nmax_failed_logins = 2\nlockout_minutes = 1\n")
    reopened = open_case(case.root)
    try:
        assert SecuritySettings.from_case(reopened) == SecuritySettings(2, 1)
        add_user(reopened, "ana", "analyst", password=PASSWORD)
        _login(reopened, "ana", "wrong password!")
        _login(reopened, "ana", "wrong password!")
        assert _login(reopened, "ana", PASSWORD).reason == LOCKED
        assert _login(reopened, "ana", PASSWORD, now=T0 + timedelta(minutes=2)).ok
    finally:
        reopened.close()


def test_unknown_security_setting(case: Case) -> None:
    toml = case.root / "case.toml"
    toml.write_text(toml.read_text() + "\n[security]\nmax_tries = 2\n")
    reopened = open_case(case.root)
    try:
        with pytest.raises(CaseError, match="max_tries"):
            SecuritySettings.from_case(reopened)
    finally:
        reopened.close()
