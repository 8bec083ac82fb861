"""A hand-made lake with known ties and facts, written by a throwaway stage.

Persons: P-f:1 owns accounts f:1 and f:9; P-f:2..P-f:6 one account each; f:99 is a guest that
belongs to no person. Every tie the network stage should find is listed in ``EXPECTED_EDGES``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from rescue.case import Case
from rescue.stage import StageContext, fingerprint

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def t(hours: int) -> datetime:
    return NOW + timedelta(hours=hours)


def _quote(
    author: str | None = None, post_id: int | None = None, user_id: int | None = None
) -> dict[str, Any]:
    return {"author": author, "post_id": post_id, "user_id": user_id, "time": None, "text": "x"}


PERSONS = {
    "P-f:1": ["f:1", "f:9"],
    "P-f:2": ["f:2"],
    "P-f:3": ["f:3"],
    "P-f:4": ["f:4"],
    "P-f:5": ["f:5"],
    "P-f:6": ["f:6"],
}
NAMES = {
    1: "Alpha",
    2: "Bravo",
    3: "Charlie",
    4: "Delta",
    5: "Echo",
    6: "Foxtrot",
    9: "Alpha2",
    99: "Anonymous",
}


def _post(
    post_id: int, topic: int, user: int, hours: int, quotes: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "topic_id": topic,
        "forum_id": 1,
        "poster_id": user,
        "account_id": f"f:{user}",
        "posted_at": t(hours),
        "quotes": quotes or [],
    }


POSTS = [
    _post(100, 10, 1, 0),  # topic 10, started by f:1
    _post(101, 10, 2, 1),
    _post(102, 10, 2, 2),  # the same poster again: no new thread tie
    _post(103, 10, 3, 3, [_quote("Bravo", 101, 2)]),  # quote by user id
    _post(104, 10, 9, 4),  # P-f:1's second account: its reply to f:1 is no tie
    _post(110, 11, 3, 5),  # topic 11, started by f:3
    _post(111, 11, 1, 6, [_quote("Charlie", 110, None)]),  # quote by post id only
    _post(112, 11, 4, 7, [_quote("bravo", None, None)]),  # quote by name only
    _post(113, 11, 99, 8),  # a guest: no person, no ties
]
MESSAGES = [
    {"msg_id": 1, "author_id": 2, "account_id": "f:2", "sent_at": t(9), "to_users": [3]},
    # No recipient rows for message 2: its own to/bcc lists must be enough.
    {
        "msg_id": 2,
        "author_id": 4,
        "account_id": "f:4",
        "sent_at": t(10),
        "to_users": [1],
        "bcc_users": [5],
    },
]
RECIPIENTS = [
    {"msg_id": 1, "user_id": 3, "author_id": 2},
    {"msg_id": 1, "user_id": 2, "author_id": 2},  # the author's own sent-folder copy
]
CONTACTS = [
    {"user_id": 1, "contact_id": 2, "friend": True, "foe": False},
    {"user_id": 3, "contact_id": 4, "friend": False, "foe": True},  # a foe is no tie
]


def _attachment(
    attach_id: int, user: int, file: str, sha: str, where: int, pm: bool = False
) -> dict[str, Any]:
    return {
        "attach_id": attach_id,
        "post_msg_id": where,
        "in_message": pm,
        "is_orphan": False,
        "poster_id": user,
        "physical_filename": file,
        "file": file,
        "file_sha256": sha,
        "filetime": t(0),
    }


ATTACHMENTS = [
    _attachment(1, 2, "x1", "s-same", 101),
    _attachment(2, 3, "x2", "s-same", 103),  # an exact copy of x1: f:3 -> f:2
    _attachment(3, 1, "k2", "s-k2", 111),  # known item K1, first at hour 6
    _attachment(4, 4, "k1", "s-k1", 2, pm=True),  # K1 again, by message at hour 10
    _attachment(5, 3, "c1", "s-c1", 110),  # new cluster C1, seeded by f:3 at hour 5
    _attachment(6, 4, "c2", "s-c2", 112),  # C1 re-posted by f:4
    _attachment(7, 2, "c3", "s-c3", 1, pm=True),  # and by f:2 in a message
]
MATCHES = [
    {"role": "attachment", "file": "k1", "attachment_id": 4, "known_id": "K1", "hash_set": "h"},
    {"role": "attachment", "file": "k2", "attachment_id": 3, "known_id": "K1", "hash_set": "h"},
]
CLUSTERS = [
    {"cluster_id": "C1", "first_account_id": "f:3", "members": ["f:c1", "f:c2", "f:c3"]},
]
GROUPS = [
    {"group_id": 4, "name": "GLOBAL_MODERATORS", "role": "moderator"},
    {"group_id": 5, "name": "ADMINISTRATORS", "role": "administrator"},
    {"group_id": 2, "name": "REGISTERED", "role": "registered"},
]
MEMBERSHIPS = [
    {"group_id": 5, "user_id": 6, "account_id": "f:6", "pending": False},
    {"group_id": 4, "user_id": 2, "account_id": "f:2", "pending": False},
    {"group_id": 4, "user_id": 5, "account_id": "f:5", "pending": True},  # not yet a moderator
    {"group_id": 2, "user_id": 4, "account_id": "f:4", "pending": False},
]

# (from, to, kind): (weight, first hour, last hour); None for no time.
EXPECTED_EDGES: dict[tuple[str, str, str], tuple[int, int | None, int | None]] = {
    ("P-f:2", "P-f:1", "reply"): (2, 1, 2),
    ("P-f:3", "P-f:1", "reply"): (1, 3, 3),
    ("P-f:1", "P-f:3", "reply"): (1, 6, 6),
    ("P-f:4", "P-f:3", "reply"): (1, 7, 7),
    ("P-f:2", "P-f:1", "thread"): (1, 1, 1),
    ("P-f:3", "P-f:2", "thread"): (1, 3, 3),
    ("P-f:1", "P-f:3", "thread"): (2, 4, 6),
    ("P-f:4", "P-f:1", "thread"): (1, 7, 7),
    ("P-f:3", "P-f:2", "quote"): (1, 3, 3),
    ("P-f:1", "P-f:3", "quote"): (1, 6, 6),
    ("P-f:4", "P-f:2", "quote"): (1, 7, 7),
    ("P-f:2", "P-f:3", "message"): (1, 9, 9),
    ("P-f:4", "P-f:1", "message"): (1, 10, 10),
    ("P-f:4", "P-f:5", "message"): (1, 10, 10),
    ("P-f:1", "P-f:2", "friend"): (1, None, None),
    ("P-f:3", "P-f:2", "media"): (1, 3, 3),
    ("P-f:4", "P-f:1", "media"): (1, 10, 10),
    ("P-f:4", "P-f:3", "media"): (1, 7, 7),
    ("P-f:2", "P-f:3", "media"): (1, 9, 9),
}


def tables() -> dict[str, list[dict[str, Any]]]:
    """A fresh copy each call: a test may change it."""
    return copy.deepcopy(
        {
            "persons": [
                {
                    "person_id": p,
                    "accounts": a,
                    "usernames": [NAMES[int(x[2:])] for x in a],
                    "n_accounts": len(a),
                }
                for p, a in PERSONS.items()
            ],
            "person_accounts": [
                {"person_id": p, "account_id": a}
                for p, accounts in PERSONS.items()
                for a in accounts
            ],
            "accounts": [
                {
                    "account_id": f"f:{n}",
                    "user_id": n,
                    "username": name,
                    "username_clean": name.lower(),
                    "kind": "anonymous" if n == 99 else "member",
                }
                for n, name in NAMES.items()
            ],
            "posts": POSTS,
            "messages": MESSAGES,
            "message_recipients": RECIPIENTS,
            "contacts": CONTACTS,
            "attachments": ATTACHMENTS,
            "matches": MATCHES,
            "media_clusters": CLUSTERS,
            "groups": GROUPS,
            "memberships": MEMBERSHIPS,
            # Read by the exports only: the country shown on each person.
            "attributions": [
                {"person_id": "P-f:1", "country": "DE", "confidence": 0.9},
                {"person_id": "P-f:3", "country": "FR", "confidence": 0.7},
            ],
        }
    )


class Seed:
    """Writes the network stage's inputs, as ingest, match and link would.

    ``change`` edits the tables first (to plant more facts); a subclass with fewer
    ``outputs`` writes only those, leaving the others out of the lake altogether.
    """

    name: ClassVar[str] = "seed"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = tuple(tables())

    def __init__(
        self, change: Callable[[dict[str, list[dict[str, Any]]]], None] | None = None
    ) -> None:
        self.change = change

    def targets(self, case: Case) -> list[str]:
        return ["f"]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {}

    def input_fingerprint(self, case: Case, target: str) -> str:
        return fingerprint(self.outputs)

    def run(self, ctx: StageContext) -> None:
        data = tables()
        if self.change is not None:
            self.change(data)
        for table in self.outputs:
            ctx.writer(table).write_rows([{"source": "f", **r} for r in data[table]])


class PostsOnlySeed(Seed):
    """A case with persons and posts and nothing else: no messages, media, groups or friends."""

    outputs: ClassVar[tuple[str, ...]] = ("persons", "person_accounts", "posts")
