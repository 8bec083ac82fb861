"""A synthetic forum's network-stage inputs, made with numpy straight into the lake.

Going through the forum generator and ingest would spend minutes making text nobody reads here;
the network stage reads only ids, times, quotes, recipients, friend rows and media identities,
so those are drawn directly. The shape is a forum's: persons belong to communities of
Zipf-like sizes and have heavy-tailed activity (Pareto weights); most posts, messages and friend
rows stay inside a community and a share crosses to anyone; topics have geometric lengths plus
one 5,000-post thread, which the thread tie's cap must absorb; a tenth of the persons own a
second account; files are re-posted, some matching a known list, some forming new clusters.
``scale`` multiplies every count; at 1.0 the stage finds about a million ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from rescue.case import Case
from rescue.lake.schemas import SCHEMAS
from rescue.stage import StageContext, fingerprint

START = 1_577_836_800  # 2020-01-01, UTC
SPAN = 4 * 365 * 86400
LOCAL_SHARE = 0.8  # ties that stay inside the community


@dataclass(frozen=True)
class Shape:
    persons: int = 100_000
    communities: int = 2_000
    topics: int = 48_000
    mean_topic_posts: float = 9.0
    messages: int = 240_000
    friends: int = 80_000
    items: int = 24_000  # distinct pictures; each posted one or more times
    seed: int = 7

    def scaled(self, factor: float) -> Shape:
        def s(n: int) -> int:
            return max(10, int(n * factor))

        return Shape(
            s(self.persons),
            s(self.communities),
            s(self.topics),
            self.mean_topic_posts,
            s(self.messages),
            s(self.friends),
            s(self.items),
            self.seed,
        )


class _People:
    """Who acts: weighted draws of persons, overall or inside a given person's community."""

    def __init__(self, shape: Shape, rng: np.random.Generator) -> None:
        n = shape.persons
        self.rng = rng
        self.weight = rng.pareto(1.6, n) + 1.0
        ranks = np.arange(1, shape.communities + 1)
        share = 1.0 / (ranks + 20.0)
        self.community = rng.choice(shape.communities, n, p=share / share.sum())
        self.order = np.argsort(self.community, kind="stable")
        self.cum = np.cumsum(self.weight[self.order])
        self.start = np.searchsorted(self.community[self.order], np.arange(shape.communities))
        self.end = np.searchsorted(
            self.community[self.order], np.arange(shape.communities), "right"
        )
        self.global_cum = np.cumsum(self.weight)
        extra = n // 10
        self.accounts = n + extra
        self.person_of = np.concatenate([np.arange(n), rng.integers(0, n, extra)])
        self.second = np.full(n, -1)
        self.second[self.person_of[n:]] = np.arange(n, n + extra)

    def anyone(self, k: int) -> Any:
        picks = np.searchsorted(self.global_cum, self.rng.random(k) * self.global_cum[-1])
        return np.minimum(picks, len(self.weight) - 1)

    def near(self, anchors: Any) -> Any:
        """One person per anchor: from the anchor's community mostly, else from anyone."""
        c = self.community[anchors]
        lo = np.where(self.start[c] > 0, self.cum[np.maximum(self.start[c] - 1, 0)], 0.0)
        hi = self.cum[self.end[c] - 1]
        drawn = np.searchsorted(self.cum, lo + self.rng.random(len(c)) * (hi - lo))
        local = self.order[np.minimum(drawn, len(self.order) - 1)]
        return np.where(self.rng.random(len(c)) < LOCAL_SHARE, local, self.anyone(len(c)))

    def account(self, persons: Any) -> Any:
        """The account a person acts through: the second one, when it has one, 30% of the time."""
        second = self.second[persons]
        return np.where((second >= 0) & (self.rng.random(len(persons)) < 0.3), second, persons)


def _ids(prefix: str, numbers: Any) -> pa.Array:
    return pa.array([f"{prefix}{n}" for n in numbers.tolist()], pa.string())


def _table(name: str, columns: dict[str, Any]) -> pa.Table:
    """A table with the contract's columns: the ones given, nulls for the rest."""
    rows = len(next(iter(columns.values())))
    arrays = []
    for field in SCHEMAS[name]:
        value = columns.get(field.name)
        if value is None:
            arrays.append(pa.nulls(rows, field.type))
        else:
            arrays.append(pa.array(value, field.type) if not isinstance(value, pa.Array) else value)
    return pa.Table.from_arrays(arrays, schema=SCHEMAS[name])


def _times(seconds: Any) -> pa.Array:
    return pa.array(seconds.astype("int64"), pa.int64()).cast(pa.timestamp("s", tz="UTC"))


def _persons(people: _People) -> dict[str, pa.Table]:
    n = len(people.weight)
    accounts = np.arange(people.accounts)
    by_person = np.argsort(people.person_of, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(people.person_of, minlength=n))])
    members = pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), _ids("b:", accounts[by_person])
    )
    person_ids = _ids("P-b:", np.arange(n))
    return {
        "persons": _table(
            "persons",
            {
                "source": ["all"] * n,
                "person_id": person_ids,
                "accounts": members,
                "usernames": members,
                "n_accounts": np.diff(offsets),
            },
        ),
        "person_accounts": _table(
            "person_accounts",
            {
                "source": ["all"] * len(accounts),
                "account_id": _ids("b:", accounts),
                "person_id": _ids("P-b:", people.person_of),
            },
        ),
    }


def _posts(shape: Shape, people: _People, rng: np.random.Generator) -> tuple[pa.Table, Any, Any]:
    lengths = rng.geometric(1.0 / shape.mean_topic_posts, shape.topics)
    lengths[0] = 5_000  # one huge thread
    topic = np.repeat(np.arange(shape.topics), lengths)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    starters = people.anyone(shape.topics)
    person = people.near(starters[topic])
    person[first] = starters
    account = people.account(person)
    opened = rng.integers(START, START + SPAN, shape.topics)
    gaps = rng.exponential(3 * 3600, len(topic))
    gaps[first] = 0
    cum = np.cumsum(gaps)
    posted = opened[topic] + (cum - cum[first][topic])
    n = len(topic)
    post_id = np.arange(1, n + 1)
    # A tenth of replies quote the post before them, by its id and author.
    quoting = rng.random(n) < 0.1
    quoting[first] = False
    quoted = np.flatnonzero(quoting)
    quotes = pa.StructArray.from_arrays(
        [
            pa.nulls(len(quoted), pa.string()),
            pa.array(post_id[quoted - 1]),
            pa.array(account[quoted - 1]),
            pa.nulls(len(quoted), pa.int64()),
            pa.nulls(len(quoted), pa.string()),
        ],
        fields=list(SCHEMAS["posts"].field("quotes").type.value_type),
    )
    offsets = np.concatenate([[0], np.cumsum(quoting)]).astype(np.int32)
    table = _table(
        "posts",
        {
            "source": ["b"] * n,
            "post_id": post_id,
            "topic_id": topic,
            "forum_id": np.ones(n, int),
            "poster_id": account,
            "account_id": _ids("b:", account),
            "posted_at": _times(posted),
            "quotes": pa.ListArray.from_arrays(pa.array(offsets), quotes),
        },
    )
    return table, account, posted


def _messages(shape: Shape, people: _People) -> dict[str, pa.Table]:
    k = shape.messages
    senders = people.anyone(k)
    to = people.account(people.near(senders))
    sender_accounts = people.account(senders)
    ids = np.arange(1, k + 1)
    sent = people.rng.integers(START, START + SPAN, k)
    return {
        "messages": _table(
            "messages",
            {
                "source": ["b"] * k,
                "msg_id": ids,
                "author_id": sender_accounts,
                "account_id": _ids("b:", sender_accounts),
                "sent_at": _times(sent),
            },
        ),
        "message_recipients": _table(
            "message_recipients",
            {"source": ["b"] * k, "msg_id": ids, "user_id": to, "author_id": sender_accounts},
        ),
    }


def _media(shape: Shape, people: _People, accounts: Any, posted: Any) -> dict[str, pa.Table]:
    rng = people.rng
    copies = rng.geometric(0.4, shape.items)
    item = np.repeat(np.arange(shape.items), copies)
    n = len(item)
    where = rng.integers(0, len(accounts), n)  # the post each copy appears in
    order = np.lexsort((np.arange(n), posted[where], item))
    first = order[np.unique(item[order], return_index=True)[1]]  # earliest copy per item
    files = np.array([f"f{i}" for i in range(n)])
    known = item % 10 == 0
    new = item % 10 == 1
    table = _table(
        "attachments",
        {
            "source": ["b"] * n,
            "attach_id": np.arange(n),
            "post_msg_id": where + 1,
            "in_message": np.zeros(n, bool),
            "is_orphan": np.zeros(n, bool),
            "poster_id": accounts[where],
            "physical_filename": files,
            "file": files,
            "file_sha256": _ids("sha-", item),
        },
    )
    kn = np.flatnonzero(known)
    matches = _table(
        "matches",
        {
            "source": ["b"] * len(kn),
            "role": ["attachment"] * len(kn),
            "file": files[kn],
            "attachment_id": kn,
            "known_id": _ids("K", item[kn]),
            "hash_set": ["bench"] * len(kn),
            "match_type": ["exact"] * len(kn),
        },
    )
    seeds = first[new[first]]
    by_item: dict[int, list[str]] = {int(i): [] for i in item[seeds]}
    for j in np.flatnonzero(new):
        by_item[int(item[j])].append(f"b:{files[j]}")
    members = [by_item[int(item[s])] for s in seeds]
    clusters = _table(
        "media_clusters",
        {
            "source": ["all"] * len(seeds),
            "cluster_id": _ids("C", item[seeds]),
            "first_account_id": _ids("b:", accounts[where[seeds]]),
            "members": members,
        },
    )
    return {"attachments": table, "matches": matches, "media_clusters": clusters}


def synthetic_lake(shape: Shape) -> dict[str, pa.Table]:
    """Every input table of the network stage, as ingest, match and link would write them."""
    rng = np.random.default_rng(shape.seed)
    people = _People(shape, rng)
    tables = _persons(people)
    tables["posts"], post_accounts, posted = _posts(shape, people, rng)
    tables |= _messages(shape, people)
    befriend = people.anyone(shape.friends)
    friends = people.account(people.near(befriend))
    tables["contacts"] = _table(
        "contacts",
        {
            "source": ["b"] * shape.friends,
            "user_id": people.account(befriend),
            "contact_id": friends,
            "friend": np.ones(shape.friends, bool),
            "foe": np.zeros(shape.friends, bool),
        },
    )
    tables |= _media(shape, people, post_accounts, posted)
    staff = people.anyone(13)
    tables["groups"] = _table(
        "groups",
        {
            "source": ["b", "b"],
            "group_id": [4, 5],
            "name": ["GLOBAL_MODERATORS", "ADMINISTRATORS"],
            "role": ["moderator", "administrator"],
        },
    )
    tables["memberships"] = _table(
        "memberships",
        {
            "source": ["b"] * 13,
            "group_id": [5] * 3 + [4] * 10,
            "user_id": staff,
            "account_id": _ids("b:", staff),
            "pending": np.zeros(13, bool),
        },
    )
    return tables


class LakeSeed:
    """A throwaway stage that writes the synthetic tables, so the lake holds them as usual."""

    name: ClassVar[str] = "bench-seed"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = (
        "persons",
        "person_accounts",
        "posts",
        "messages",
        "message_recipients",
        "contacts",
        "attachments",
        "matches",
        "media_clusters",
        "groups",
        "memberships",
    )

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def targets(self, case: Case) -> list[str]:
        return ["b"]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return vars(self.shape)

    def input_fingerprint(self, case: Case, target: str) -> str:
        return fingerprint(vars(self.shape))

    def run(self, ctx: StageContext) -> None:
        for name, table in synthetic_lake(self.shape).items():
            for batch in table.to_batches():
                ctx.writer(name).write_batch(batch)
