"""Getting a notice out, behind one seam: ``send(OutgoingNotice) -> SendResult``.

``SmtpSender`` e-mails a provider's abuse address (``[hotline] smtp_*``; plain text, the notice
reference in the subject so replies can be matched); ``ExportSender`` writes a file for a partner
hotline to pick up (JSON with the same text, under ``exports/hotline/notices/CC/``);
``RoutingSender`` picks one by the notice's channel. A sender reports failure in its result
rather than raising: one unreachable mail server must not stop the other providers' notices,
and the failed attempt is recorded. Notices carry URLs and hashes, never content.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from rescue.hotline.notice_plan import EMAIL, ESCALATION, RENOTICE, OutgoingNotice
from rescue.hotline.settings import HotlineSettings


@dataclass(frozen=True)
class SendResult:
    ok: bool
    detail: str  # the Message-ID or the file written; the error when not ok


class NoticeSender(Protocol):
    def send(self, notice: OutgoingNotice) -> SendResult: ...


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def subject(notice: OutgoingNotice) -> str:
    kinds = {item.kind for item in notice.items}
    what = (
        "ESCALATION" if ESCALATION in kinds else "Repeat notice" if RENOTICE in kinds else "Notice"
    )
    # A provider's name comes from a CSV or a geo database: one line, whatever it holds.
    provider = " ".join(notice.provider.split())
    return f"[{notice.reference}] {what}: {len(notice.items)} URL(s) for removal ({provider})"


def render_text(notice: OutgoingNotice) -> str:
    """The notice as plain text: the same words by e-mail and in a partner's export."""
    lines = [
        f"{notice.hotline}: notice {notice.reference}, {_day(notice.created_at)}",
        f"Provider: {notice.provider}",
    ]
    if notice.partner_country:
        lines.append(f"For the partner hotline of {notice.partner_country}: {notice.recipient}")
    lines += [
        "",
        "The URLs below are hosted on your service or network. An analyst has assessed their",
        "content as illegal under the classification shown. Please remove it and reply quoting",
        f"the reference {notice.reference}. We check each URL until it is gone; while it stays",
        "available this notice is repeated.",
    ]
    if notice.escalation:
        lines += ["", "ESCALATION: some URLs are still available long after the first notice."]
    for number, item in enumerate(notice.items, start=1):
        lines += [
            "",
            f"{number}. {item.url}",
            f"   {item.kind}; address {item.ip or '-'} ({item.country or 'country unknown'})",
            f"   reported {_day(item.reported_at)}; first notified {_day(item.notified_at)}",
            f"   assessed: {', '.join(item.classifications) or '-'}",
        ]
        if item.known:
            lines.append(f"   known material (hash match): {', '.join(item.known)}")
    lines += ["", f"-- {notice.hotline}"]
    return "\n".join(lines) + "\n"


def as_json(notice: OutgoingNotice) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    doc: dict[str, Any] = plain(asdict(notice))
    doc["subject"] = subject(notice)
    doc["text"] = render_text(notice)
    return doc


class SmtpSender:
    def __init__(self, settings: HotlineSettings) -> None:
        self.settings = settings

    def message(self, notice: OutgoingNotice) -> EmailMessage:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = notice.recipient
        if notice.copy_to:
            message["Cc"] = notice.copy_to
        message["Subject"] = subject(notice)
        message["Date"] = format_datetime(notice.created_at)
        domain = s.smtp_from.rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(notice.reference, domain=domain)
        message["X-Rescue-Notice"] = notice.reference
        message.set_content(render_text(notice))
        return message

    def send(self, notice: OutgoingNotice) -> SendResult:
        if notice.channel != EMAIL:
            return SendResult(False, f"notice {notice.reference} is not for e-mail")
        s = self.settings
        try:
            message = self.message(notice)  # ValueError: a header value with a line break
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            return SendResult(False, f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}")
        return SendResult(True, str(message["Message-ID"]))


class ExportSender:
    """Files for partner hotlines: ``DIRECTORY/CC/REFERENCE.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, notice: OutgoingNotice) -> SendResult:
        folder = self.directory / (notice.partner_country or "other")
        path = folder / f"{notice.reference}.json"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            text = json.dumps(as_json(notice), indent=2, ensure_ascii=False)
            path.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            return SendResult(False, f"cannot write {path}: {exc}")
        return SendResult(True, str(path))


class RoutingSender:
    """E-mail notices to the e-mail sender, the rest to the export sender."""

    def __init__(self, email: NoticeSender, export: NoticeSender) -> None:
        self.email = email
        self.export = export

    def send(self, notice: OutgoingNotice) -> SendResult:
        return (self.email if notice.channel == EMAIL else self.export).send(notice)
