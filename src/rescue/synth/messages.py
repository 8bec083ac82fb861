"""Private messages: mostly between friends, threaded, with the author's sent copy.

phpBB stores a message once in ``privmsgs`` (``to_address`` like ``u_12:u_40``) and one
``privmsgs_to`` row per recipient (inbox, folder 0) plus one for the author (sent box, -1).
Private talk reveals more than posts do (handles, phone numbers), as in real seized boards.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable

from . import text
from .activity import bbcode_uid
from .attachments import AttachmentMaker
from .config import Clock
from .dumpwriter import DumpWriter
from .groundtruth import Disclosures
from .people import Account, Person
from .schedule import Actors, LocalTime, scheduled_events

_INBOX, _SENTBOX = 0, -1
_THREADS = 5000  # recent conversations remembered for replies; bounds memory


class MessageWriter:
    def __init__(
        self,
        clock: Clock,
        accounts: list[Account],
        persons: dict[int, Person],
        dump: DumpWriter,
        attachments: AttachmentMaker,
        disclosures: Disclosures,
        rng: random.Random,
    ) -> None:
        self._clock = clock
        self._accounts = [a for a in accounts if not a.inactive]
        # Messaging is less concentrated than posting: weights are softened.
        self._actors = Actors(accounts, weight_power=0.5)
        self._persons = persons
        self._by_person: dict[int, list[Account]] = {}
        for account in self._accounts:
            if account.person is not None:
                self._by_person.setdefault(account.person.person_id, []).append(account)
        self._messages = dump.table("privmsgs")
        self._recipients = dump.table("privmsgs_to")
        self._attachments = attachments
        self._disclosures = disclosures
        self._rng = rng
        self._text = text.TextMaker(rng)
        self._time = LocalTime()
        self._threads: OrderedDict[tuple[int, int], tuple[int, str]] = OrderedDict()
        self.next_id = 1
        self.unread: dict[int, int] = {}
        self.last_message: dict[int, int] = {}

    def run(self, total: int, progress: Callable[[str, int, int], None] | None) -> None:
        events = scheduled_events(
            self._clock, total, self._actors, self._time, self._rng, "messages", progress
        )
        for when, author in events:
            self._message(author, when)

    def _recipient(self, author: Account, when: int) -> Account | None:
        rng = self._rng
        person = author.person
        assert person is not None
        for _ in range(4):
            if person.friends and rng.random() < 0.85:
                friend = rng.choice(person.friends)
                choices = [a for a in self._by_person.get(friend, []) if a.regdate <= when]
            else:
                choices = [rng.choice(self._accounts)]
                choices = [a for a in choices if a.regdate <= when and a.person is not person]
            if choices:
                return rng.choice(choices)
        return next((a for a in self._accounts if a.regdate <= when and a is not author), None)

    def _message(self, author: Account, when: int) -> None:
        rng = self._rng
        assert author.person is not None and author.ips is not None
        count = 1 if rng.random() < 0.88 else rng.randint(2, 3)
        recipients: list[Account] = []
        for _ in range(count):
            other = self._recipient(author, when)
            if other is not None and other is not author and other not in recipients:
                recipients.append(other)
        if not recipients:
            return
        msg_id = self.next_id
        self.next_id += 1
        key = (
            min(author.user_id, recipients[0].user_id),
            max(author.user_id, recipients[0].user_id),
        )
        root, subject = 0, ""
        thread = self._threads.get(key)
        if thread is not None and rng.random() < 0.6:
            root, subject = thread[0], "Re: " + thread[1].removeprefix("Re: ")
        else:
            subject = self._text.title(rng.choice(author.person.forums))
        self._threads[key] = (root or msg_id, subject)
        self._threads.move_to_end(key)
        if len(self._threads) > _THREADS:
            self._threads.popitem(last=False)
        body = self._text.pm(rng.choice(author.person.forums))
        extra = self._disclosures.compose(author, "message", msg_id, private=True)
        rich = text.Rich.new().text(f"{body}\n{extra}" if extra else body)
        attached = rng.random() < 0.01
        if attached:
            name = self._attachments.attach(author, when, msg_id, 0, True)
            rich.text("\n").attachment(0, name)
        bcc = ""
        to = recipients
        if len(recipients) > 1 and rng.random() < 0.3:
            to, bcc = recipients[:1], ":".join(f"u_{a.user_id}" for a in recipients[1:])
        self._messages.add(
            (
                msg_id, root, author.user_id, 0, author.ips.pick(when, rng), when, 1, 1, 1,
                int(bool(author.signature)), subject, rich.xml(), "", 0, int(attached),
                rich.bitfield(), bbcode_uid(rng) if rich.bbcodes else "", 0, 0,
                ":".join(f"u_{a.user_id}" for a in to), bcc, 0,
            )
        )  # fmt: skip
        recent = when > self._clock.dump_time - 86400 * 20
        for other in recipients:
            unread = int(recent and rng.random() < 0.6)
            self._recipients.add(
                (
                    msg_id,
                    other.user_id,
                    author.user_id,
                    0,
                    unread,
                    unread,
                    int(rng.random() < 0.3),
                    0,
                    0,
                    _INBOX,
                )
            )
            self.unread[other.user_id] = self.unread.get(other.user_id, 0) + unread
            self.last_message[other.user_id] = when
        self._recipients.add((msg_id, author.user_id, author.user_id, 0, 0, 0, 0, 0, 0, _SENTBOX))
