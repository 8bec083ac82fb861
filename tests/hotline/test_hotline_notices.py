"""Notices through a real SMTP server on loopback (aiosmtpd) and partner exports: one notice per
provider, re-notices on the cadence, escalation, failures retried, waiting URLs explained."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from rescue.hotline.hosting import import_partners
from rescue.hotline.notice_plan import plan_notices
from rescue.hotline.notices import list_notices, send_notices
from rescue.hotline.reports import list_urls
from rescue.hotline.senders import ExportSender, RoutingSender, SendResult, SmtpSender
from rescue.hotline.settings import hotline_settings
from rescue.security.audit import list_events, verify_chain
from tests.hotline.conftest import Hotline, free_picture_urls


def test_one_notice_per_provider_listing_all_its_urls(hotline: Hotline) -> None:
    a_urls, b_urls = free_picture_urls(hotline, a=3, b=1)
    ids = hotline.report(*a_urls, *b_urls)
    hotline.assess(*ids)
    hotline.check()
    run = hotline.send()
    assert [s.result.ok for s in run.sent] == [True, True]
    to_a = hotline.mailbox.to("abuse@host-a.test")
    to_b = hotline.mailbox.to("abuse@host-b.test")
    assert len(to_a) == 1 and len(to_b) == 1 and len(hotline.mailbox.messages) == 2
    body = to_a[0].get_payload()
    assert all(url in body for url in a_urls) and b_urls[0] not in body
    assert to_a[0]["From"] == "notices@hotline.test"
    reference = to_a[0]["X-Rescue-Notice"]
    assert reference in to_a[0]["Subject"] and "3 URL(s)" in to_a[0]["Subject"]
    assert "INT interpol_baseline" in body and "Test Hotline" in body
    urls = list_urls(hotline.case)
    assert all(u.notified_at == hotline.clock.now == u.last_notified_at for u in urls)
    notices = list_notices(hotline.case)
    assert {(n.provider, n.channel, n.status, len(n.urls)) for n in notices} == {
        ("Example Hosting A GmbH", "email", "sent", 3), ("Example Host B Inc", "email", "sent", 1),
    }  # fmt: skip
    audited = list_events(hotline.case, action="hotline.notice")
    assert {e.target for e in audited} == {n.reference for n in notices}
    assert all("abuse@" not in json.dumps(e.detail) for e in audited)
    assert verify_chain(hotline.case).ok


def test_renotices_every_24_hours_while_live_and_none_after_removal(hotline: Hotline) -> None:
    (a_urls, _) = free_picture_urls(hotline, a=2, b=0)
    ids = hotline.report(*a_urls)
    hotline.assess(*ids)
    hotline.check()
    hotline.send()
    assert len(hotline.mailbox.messages) == 1
    # 20 hours on: checked again and still live, but the next notice is not due yet.
    hotline.clock.advance(hours=20)
    hotline.check()
    assert hotline.send().sent == []
    # One URL is taken down; at 24 hours the other is re-noticed, alone.
    site_a, _ = hotline.sites
    site_a.pages["/a0.png"].status = 404
    hotline.clock.advance(hours=4)
    hotline.check()
    run = hotline.send()
    (sent,) = run.sent
    assert [(i.url_id, i.kind) for i in sent.notice.items] == [(ids[1], "renotice")]
    second = hotline.mailbox.messages[-1][1]
    assert second["Subject"].startswith(f"[{sent.notice.reference}] Repeat notice")
    assert a_urls[1] in second.get_payload() and a_urls[0] not in second.get_payload()
    urls = {u.id: u for u in list_urls(hotline.case)}
    assert urls[ids[1]].last_notified_at == hotline.clock.now
    assert urls[ids[1]].notified_at < urls[ids[1]].last_notified_at  # type: ignore[operator]


def test_escalation_after_the_set_days_is_copied_to_the_liaison(hotline: Hotline) -> None:
    (a_urls, _) = free_picture_urls(hotline, a=1, b=0)
    ids = hotline.report(*a_urls)
    hotline.assess(*ids)
    for _ in range(8):  # a week of daily checks and notices
        hotline.check(due=False)
        hotline.send()
        hotline.clock.advance(days=1)
    hotline.check(due=False)
    hotline.send()
    subjects = [m["Subject"] for _, m in hotline.mailbox.messages]
    assert len(subjects) == 9
    kinds = [s.split("] ", 1)[1].split(":")[0] for s in subjects]
    assert kinds == ["Notice"] + ["Repeat notice"] * 6 + ["ESCALATION", "Repeat notice"]
    rcpts, escalation = hotline.mailbox.messages[7]
    assert set(rcpts) == {"abuse@host-a.test", "liaison@police.test"}
    assert escalation["Cc"] == "liaison@police.test"
    (url,) = list_urls(hotline.case)
    assert url.escalated_at is not None and url.notified_at is not None
    assert url.escalated_at - url.notified_at == timedelta(days=7)


def test_a_partner_country_gets_an_export_instead_of_mail(hotline: Hotline, tmp_path: Path) -> None:
    _, b_urls = free_picture_urls(hotline, a=0, b=2)
    partners = tmp_path / "partners.csv"
    partners.write_text("country,name,email\nUS,Example US Hotline,\n", encoding="utf-8")
    import_partners(hotline.case, partners, now=hotline.clock.now)
    ids = hotline.report(*b_urls)
    hotline.assess(*ids)
    hotline.check()
    (sent,) = hotline.send().sent
    assert sent.result.ok and hotline.mailbox.messages == []
    path = Path(sent.result.detail)
    assert path.parent == hotline.case.exports_dir / "hotline" / "notices" / "US"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["recipient"] == "Example US Hotline" and doc["provider"] == "Example Host B Inc"
    assert [i["url"] for i in doc["items"]] == b_urls
    assert doc["reference"] in doc["subject"] and b_urls[0] in doc["text"]


def test_a_failed_send_is_recorded_and_retried(hotline: Hotline) -> None:
    (a_urls, _) = free_picture_urls(hotline, a=1, b=0)
    ids = hotline.report(*a_urls)
    hotline.assess(*ids)
    hotline.check()
    dead = hotline_settings({"smtp_host": "127.0.0.1", "smtp_port": 9, "smtp_timeout_s": 2})
    sender = RoutingSender(SmtpSender(dead), ExportSender(hotline.case.exports_dir))
    run = send_notices(hotline.case, now=hotline.clock.now, sender=sender)
    assert len(run.failed) == 1 and "SMTP 127.0.0.1:9" in run.failed[0].result.detail
    (url,) = list_urls(hotline.case)
    assert url.notified_at is None
    (failed,) = list_notices(hotline.case)
    assert failed.status == "failed"
    assert list_events(hotline.case, action="hotline.notice")[0].result == "failed"
    hotline.clock.advance(minutes=10)
    retried = hotline.send()
    assert [s.result.ok for s in retried.sent] == [True]
    assert len(hotline.mailbox.messages) == 1


def test_urls_that_cannot_have_a_notice_say_why(hotline: Hotline, tmp_path: Path) -> None:
    a_urls, _ = free_picture_urls(hotline, a=1, b=0)
    unchecked, live = hotline.report(a_urls[0], "http://img.host-a.test:1/never.png")
    hotline.assess(unchecked, live)
    plan = plan_notices(hotline.case, now=hotline.clock.now)
    assert {w.url_id: w.reason for w in plan.waiting} == {
        unchecked: "not checked yet: run rescue hotline check",
        live: "not checked yet: run rescue hotline check",
    }
    hotline.check()
    empty = tmp_path / "none.csv"
    empty.write_text("provider,abuse_email,asn_name,domain\nOther,abuse@other.test,Other AS,\n")
    from rescue.hotline.hosting import import_contacts

    import_contacts(hotline.case, empty, now=hotline.clock.now)
    plan = plan_notices(hotline.case, now=hotline.clock.now)
    reasons = {w.url_id: w.reason for w in plan.waiting}
    assert reasons[unchecked].startswith("no abuse contact for Example Hosting A GmbH")
    assert "rescue hotline contacts import" in reasons[unchecked]
    assert reasons[live] == "the latest check found it unreachable, not live"
    assert plan.notices == []


def test_pending_and_not_illegal_urls_get_no_notice(hotline: Hotline) -> None:
    a_urls, _ = free_picture_urls(hotline, a=2, b=0)
    pending, harmless = hotline.report(*a_urls)
    hotline.assess(harmless, classification="not_illegal")
    hotline.check(due=False)
    plan = plan_notices(hotline.case, now=hotline.clock.now)
    assert plan.notices == [] and plan.waiting == []
    assert pending != harmless


def test_routing_sender_dispatches_by_channel(hotline: Hotline) -> None:
    a_urls, _ = free_picture_urls(hotline, a=1, b=0)
    hotline.assess(*hotline.report(*a_urls))
    hotline.check()
    (notice,) = plan_notices(hotline.case, now=hotline.clock.now).notices
    seen: list[str] = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def send(self, n: object) -> SendResult:
            seen.append(self.name)
            return SendResult(True, self.name)

    assert RoutingSender(Recorder("mail"), Recorder("file")).send(notice).detail == "mail"
    assert seen == ["mail"]
    refused = SmtpSender(hotline_settings({})).send(
        type(notice)(**{**notice.__dict__, "channel": "export"})
    )
    assert not refused.ok and "not for e-mail" in refused.detail
