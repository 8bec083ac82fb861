"""Topics and posts, simulated day by day and streamed straight into the dump.

Post ids follow time, as in a real board. Each day's posts are drawn (actor, local time), sorted
and written; a post opens a topic or replies to an open one, preferring recent topics, and a
reply often comes from a friend of the topic's starter, which gives the network stage real
structure. Open topics live in a bounded pool: when one falls out it is final and its row is
written, so memory does not grow with the number of posts.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

from . import text
from .attachments import AttachmentMaker
from .config import Clock
from .dumpwriter import DumpWriter
from .forum import ForumNode
from .groundtruth import Disclosures
from .people import Account
from .schedule import Actors, LocalTime, scheduled_events

_OPEN_TOPICS = 400
_ITEM_APPROVED = 1


@dataclass
class Topic:
    topic_id: int
    forum_id: int
    forum: str
    title: str
    poster: Account
    time: int
    first_post_id: int = 0
    last_post_id: int = 0
    last_poster: Account | None = None
    last_time: int = 0
    last_subject: str = ""
    last_text: str = ""
    posts: int = 0
    attachment: bool = False


@dataclass
class ForumStats:
    posts: int = 0
    topics: int = 0
    last_post_id: int = 0
    last_poster: Account | None = None
    last_time: int = 0
    last_subject: str = ""


def bbcode_uid(rng: random.Random) -> str:
    """phpBB's unique_id() in base 36, cut to eight characters."""
    value = rng.getrandbits(42)
    digits = []
    for _ in range(8):
        value, rem = divmod(value, 36)
        digits.append(_BASE36[rem])
    return "".join(digits)


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class PostWriter:
    def __init__(
        self,
        clock: Clock,
        accounts: list[Account],
        forums: list[ForumNode],
        dump: DumpWriter,
        attachments: AttachmentMaker,
        disclosures: Disclosures,
        attachment_rate: float,
        rng: random.Random,
    ) -> None:
        self._clock = clock
        self._actors = Actors(accounts)
        self._forums = {f.name: f for f in forums if not f.is_category}
        self._posts = dump.table("posts")
        self._topics = dump.table("topics")
        self._attachments = attachments
        self._disclosures = disclosures
        self._rate = attachment_rate
        self._rng = rng
        self._text = text.TextMaker(rng)
        self._time = LocalTime()
        self._open: list[Topic] = []
        self._by_starter: dict[int, list[Topic]] = {}  # open topics per starting person
        self.forum_stats: dict[int, ForumStats] = {}
        self.sample_topics: list[tuple[int, int, str]] = []  # for moderator log entries
        self._next_post = 1
        self._last_time = 0
        self._next_topic = 1

    def run(self, total: int, progress: Callable[[str, int, int], None] | None) -> None:
        events = scheduled_events(
            self._clock, total, self._actors, self._time, self._rng, "posts", progress
        )
        for when, account in events:
            self._post(account, when)
        for topic in self._open:
            self._write_topic(topic)
        self._open.clear()
        self._by_starter.clear()

    @property
    def counts(self) -> tuple[int, int]:
        return self._next_post - 1, self._next_topic - 1

    def _choose_topic(self, account: Account) -> Topic:
        rng = self._rng
        person = account.person
        assert person is not None
        if not self._open or rng.random() < 0.08:
            forum = person.forums[0] if rng.random() < 0.5 else rng.choice(person.forums)
            if rng.random() < 0.2:
                forum = rng.choice(list(self._forums))
            topic = Topic(
                self._next_topic, self._forums[forum].forum_id, forum, self._text.title(forum),
                account, 0,
            )  # fmt: skip
            self._next_topic += 1
            self._open.append(topic)
            self._by_starter.setdefault(person.person_id, []).append(topic)
            if len(self._open) > _OPEN_TOPICS:
                self._close(self._open.pop(0))
            return topic
        if person.friends and rng.random() < 0.3:
            # Friends answer each other: an open topic started by one of the poster's friends.
            for friend in rng.sample(person.friends, k=min(8, len(person.friends))):
                started = self._by_starter.get(friend)
                if started:
                    return started[-1]
        return self._open[len(self._open) - 1 - int(len(self._open) * rng.random() ** 3)]

    def _close(self, topic: Topic) -> None:
        starter = topic.poster.person
        assert starter is not None
        started = self._by_starter[starter.person_id]
        started.remove(topic)
        if not started:
            del self._by_starter[starter.person_id]
        self._write_topic(topic)

    def _post(self, account: Account, when: int) -> None:
        rng = self._rng
        topic = self._choose_topic(account)
        person = account.person
        assert person is not None and account.ips is not None
        # Post ids follow time: never earlier than the post before.
        when = max(when, topic.last_time + 1, self._last_time)
        self._last_time = when
        post_id = self._next_post
        self._next_post += 1
        first = topic.posts == 0
        rich = text.Rich.new()
        if not first and topic.last_poster is not None and rng.random() < 0.15:
            quoted = topic.last_poster
            rich.quote(
                quoted.username,
                topic.last_post_id,
                topic.last_time,
                quoted.user_id,
                topic.last_text,
            )
            rich.text("\n")
        body = self._text.opening_post(topic.forum) if first else self._text.reply(topic.forum)
        extra = self._disclosures.compose(account, "post", post_id, private=False)
        if extra:
            body = f"{body}\n{extra}"
        rich.text(body)
        if rng.random() < 0.03:
            rich.text("\nMore here: ")
            rich.url(
                f"https://www.example.org/{topic.forum.split()[0].lower()}/{rng.randrange(1, 9999)}"
            )
        attached = rng.random() < min(0.9, self._rate * person.sharer / 2.4)
        if attached:
            topic.attachment = True
            name = self._attachments.attach(account, when, post_id, topic.topic_id, False)
            if rng.random() < 0.5:
                rich.text("\n")
                rich.attachment(0, name)
        subject = topic.title if first else f"Re: {topic.title}"
        xml = rich.xml()
        uid = bbcode_uid(rng) if rich.bbcodes else ""
        ip = account.ips.pick(when, rng)
        self._posts.add(
            (
                post_id, topic.topic_id, topic.forum_id, account.user_id, 0, ip, when, 0, 1, 1, 1,
                int(bool(account.signature)), "", subject, xml,
                hashlib.md5(body.encode()).hexdigest(), int(attached), rich.bitfield(), uid, 1,
                0, "", 0, 0, 0, _ITEM_APPROVED, 0, "", 0,
            )
        )  # fmt: skip
        if first:
            topic.first_post_id = post_id
            topic.time = when
        topic.posts += 1
        topic.last_post_id = post_id
        topic.last_poster = account
        topic.last_time = when
        topic.last_subject = subject
        topic.last_text = body[:200]
        account.posts += 1
        account.last_post_time = when
        stats = self.forum_stats.setdefault(topic.forum_id, ForumStats())
        stats.posts += 1
        stats.topics += int(first)
        stats.last_post_id, stats.last_poster, stats.last_time = post_id, account, when
        stats.last_subject = subject

    def _write_topic(self, topic: Topic) -> None:
        if topic.topic_id % 20 == 1 and len(self.sample_topics) < 500:
            self.sample_topics.append((topic.topic_id, topic.forum_id, topic.title))
        last = topic.last_poster or topic.poster
        views = topic.posts * self._rng.randint(3, 40)
        self._topics.add(
            (
                topic.topic_id, topic.forum_id, 0, int(topic.attachment), 0, topic.title,
                topic.poster.user_id, topic.time, 0, views, 0, 0, topic.first_post_id,
                topic.poster.username, _colour(topic.poster), topic.last_post_id, last.user_id,
                last.username, _colour(last), topic.last_subject, topic.last_time,
                min(self._clock.dump_time, topic.last_time + 3600), 0, 0, 0, "", 0, 0, 1, 0, 0,
                _ITEM_APPROVED, 0, "", 0, topic.posts, 0, 0,
            )
        )  # fmt: skip


def _colour(account: Account) -> str:
    return {"admin": "AA0000", "moderator": "00AA00"}.get(account.kind, "")
