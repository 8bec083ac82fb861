"""The notice seam's senders on their own: the words of a notice, SMTP with a login whose password
comes from the environment only, STARTTLS refused by a plain server, exports that cannot be
written, and routing with partners switched off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from rescue.hotline.notice_plan import NoticeItem, OutgoingNotice, plan_notices
from rescue.hotline.senders import ExportSender, SmtpSender, as_json, render_text, subject
from rescue.hotline.settings import hotline_settings
from tests.hotline.conftest import Hotline, Mailbox, free_picture_urls, free_port

AT = datetime(2024, 5, 6, 10, tzinfo=UTC)


def notice(*kinds: str, channel: str = "email", copy_to: str | None = None) -> OutgoingNotice:
    items = tuple(
        NoticeItem(url_id=n, url=f"http://img.test/{n}.png", kind=kind, ip="192.0.2.9",
                   country="NL", reported_at=AT, notified_at=None if kind == "notice" else AT,
                   classifications=("INT interpol_baseline",),
                   known=("agency/K-1 (B)",) if n == 1 else ())
        for n, kind in enumerate(kinds, start=1)
    )  # fmt: skip
    return OutgoingNotice(
        reference="HN-20240506-ABCD1234", hotline="Test Hotline", provider="Example B.V.",
        channel=channel, recipient="abuse@example.test" if channel == "email" else "NL Hotline",
        partner_country=None if channel == "email" else "NL",
        escalation="escalation" in kinds, copy_to=copy_to, created_at=AT, items=items,
    )  # fmt: skip


def test_subjects_name_the_most_pressing_kind() -> None:
    assert subject(notice("notice", "notice")).startswith("[HN-20240506-ABCD1234] Notice: 2 URL")
    assert "] Repeat notice: 2 URL(s) for removal (Example B.V.)" in subject(
        notice("notice", "renotice")
    )
    assert "] ESCALATION: 3 URL(s)" in subject(notice("renotice", "escalation", "notice"))


def test_the_text_lists_each_url_with_its_facts() -> None:
    text = render_text(notice("notice", "escalation"))
    for expected in (
        "Test Hotline: notice HN-20240506-ABCD1234, 2024-05-06 10:00 UTC",
        "Provider: Example B.V.",
        "1. http://img.test/1.png",
        "notice; address 192.0.2.9 (NL)",
        "reported 2024-05-06 10:00 UTC; first notified -",
        "assessed: INT interpol_baseline",
        "known material (hash match): agency/K-1 (B)",
        "2. http://img.test/2.png",
        "ESCALATION: some URLs are still available long after the first notice.",
        "reply quoting",
    ):
        assert expected in text, expected
    partner = render_text(notice("notice", channel="export"))
    assert "For the partner hotline of NL: NL Hotline" in partner


def test_the_export_document(tmp_path: Path) -> None:
    result = ExportSender(tmp_path).send(notice("notice", channel="export"))
    assert result.ok and result.detail == str(tmp_path / "NL" / "HN-20240506-ABCD1234.json")
    doc = json.loads(Path(result.detail).read_text(encoding="utf-8"))
    assert doc["created_at"] == AT.isoformat() and doc["items"][0]["reported_at"] == AT.isoformat()
    assert doc == as_json(notice("notice", channel="export"))
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    failed = ExportSender(blocked).send(notice("notice", channel="export"))
    assert not failed.ok and failed.detail.startswith("cannot write")


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


class _Login:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:  # fmt: skip
        assert isinstance(auth_data, LoginPassword)
        pair = (_text(auth_data.login), _text(auth_data.password))
        self.seen.append(pair)
        return AuthResult(success=pair == ("hotline", "s3cret"), handled=False)


@pytest.fixture
def smtp_with_login() -> Iterator[tuple[Mailbox, _Login, int]]:
    mailbox, login, port = Mailbox(), _Login(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=login,
                            auth_require_tls=False)  # fmt: skip
    controller.start()
    yield mailbox, login, port
    controller.stop()


def test_smtp_login_takes_the_password_from_the_environment(
    smtp_with_login: tuple[Mailbox, _Login, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, login, port = smtp_with_login
    settings = hotline_settings({"smtp_port": port, "smtp_user": "hotline", "smtp_timeout_s": 5,
                                 "smtp_from": "n@hotline.test"})  # fmt: skip
    monkeypatch.setenv("RESCUE_HOTLINE_SMTP_PASSWORD", "wrong")
    refused = SmtpSender(settings).send(notice("notice"))
    assert not refused.ok and "535" in refused.detail
    monkeypatch.setenv("RESCUE_HOTLINE_SMTP_PASSWORD", "s3cret")
    sent = SmtpSender(settings).send(notice("notice", copy_to="liaison@police.test"))
    assert sent.ok and sent.detail.endswith(".HN-20240506-ABCD1234@hotline.test>")
    # smtplib tries each mechanism the server offers before it gives up on a password.
    assert set(login.seen[:-1]) == {("hotline", "wrong")}
    assert login.seen[-1] == ("hotline", "s3cret")
    ((rcpts, message),) = mailbox.messages
    assert rcpts == ["abuse@example.test", "liaison@police.test"]
    assert message["Message-ID"].strip() == sent.detail and message["From"] == "n@hotline.test"


def test_starttls_against_a_plain_server_fails_cleanly(smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    settings = hotline_settings({"smtp_port": port, "smtp_starttls": True})
    result = SmtpSender(settings).send(notice("notice"))
    assert not result.ok and "STARTTLS" in result.detail
    assert mailbox.messages == []


def test_with_partners_switched_off_notices_go_to_the_provider(
    hotline: Hotline, tmp_path: Path, configure: Any
) -> None:
    from rescue.hotline.hosting import import_partners

    _, b_urls = free_picture_urls(hotline, a=0, b=1)
    partners = tmp_path / "partners.csv"
    partners.write_text("country,name\nUS,Example US Hotline\n", encoding="utf-8")
    import_partners(hotline.case, partners, now=hotline.clock.now)
    hotline.assess(*hotline.report(*b_urls))
    hotline.check()
    (routed,) = plan_notices(hotline.case, now=hotline.clock.now).notices
    assert (routed.channel, routed.recipient) == ("export", "Example US Hotline")
    direct_case = configure(hotline={"route_via_partners": False})
    (direct,) = plan_notices(direct_case, now=hotline.clock.now).notices
    assert (direct.channel, direct.recipient) == ("email", "abuse@host-b.test")


def test_a_provider_name_cannot_break_the_headers() -> None:
    odd = replace(notice("notice"), provider="Evil\r\nBcc: everyone@example.test")
    line = subject(odd)
    assert "\n" not in line and "\r" not in line
    assert line.endswith("(Evil Bcc: everyone@example.test)")
    message = SmtpSender(hotline_settings({})).message(odd)
    assert message["Bcc"] is None


def test_a_broken_copy_address_fails_the_send_not_the_run() -> None:
    settings = hotline_settings({"smtp_port": free_port()})
    result = SmtpSender(settings).send(notice("escalation", copy_to="a@b.test\nBcc: x@y.test"))
    assert not result.ok and "linefeed" in result.detail
