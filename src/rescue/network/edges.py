"""Person-level ties, aggregated in SQL: one row per (from person, to person, kind).

Every tie is first an event between two *accounts* ("source:user_id") with a time; the accounts
are then mapped to persons through ``person_accounts`` and the events counted per pair and kind
(``weight``), with the first and last time seen. Ties between two accounts of one person are
dropped, as are accounts that are no person (guests, bots: the link stage leaves them out).
Direction reads "from acknowledges to": the replier, quoter, sender, later poster, befriender or
re-poster points at the other, so PageRank flows to whoever draws attention.

The kinds, and what each deliberately leaves out:

* ``reply``: a post in a topic -> the topic starter (author of the topic's earliest post, from
  ``posts`` alone, so a dump with a missing or stale ``topics`` table still gives replies).
* ``thread``: co-participation, capped: each post -> the author of the post just before it in
  the same topic, when that is someone else. A topic of n posts gives at most n - 1 ties, where
  linking every pair of participants would give a 5,000-post thread millions. With ``reply``
  this still ties everyone in a short thread.
* ``quote``: a post -> the quoted author: the quote's user id, else the author of the quoted
  post id, else the account whose name matches the quoted name on the same forum.
* ``message``: a private message's author -> each recipient (``message_recipients`` together with
  the message's own to/bcc lists, so either alone is enough).
* ``friend``: phpBB's zebra list, friend rows only (a foe is no tie); no time.
* ``media``: whoever posts a file someone else posted earlier -> that earliest poster (the
  seeder). A file's identity is, first found: its new-material cluster in ``media_clusters``
  (near duplicates are one item), else the known item it matched in ``matches``, else its
  SHA-256 from ingest (exact copies). Posts and private messages both count.
"""

from __future__ import annotations

import pyarrow as pa

from rescue.engine.base import Engine
from rescue.engine.stand_ins import with_inputs

KINDS = ("reply", "thread", "quote", "message", "friend", "media")
NEEDED = (
    "person_accounts",
    "accounts",
    "posts",
    "messages",
    "message_recipients",
    "contacts",
    "attachments",
    "matches",
    "media_clusters",
)

# Each part yields (from_account, to_account, kind, seen_at).
_POST_ORDER = "PARTITION BY source, topic_id ORDER BY posted_at NULLS LAST, post_id"
REPLY = f"""
SELECT account_id AS from_account, starter AS to_account, 'reply' AS kind, posted_at AS seen_at
FROM (
    SELECT account_id, posted_at, row_number() OVER ({_POST_ORDER}) AS nth,
           first_value(account_id) OVER ({_POST_ORDER}) AS starter
    FROM posts WHERE topic_id IS NOT NULL
) WHERE nth > 1
"""
THREAD = f"""
SELECT account_id, previous, 'thread', posted_at
FROM (
    SELECT account_id, posted_at, lag(account_id) OVER ({_POST_ORDER}) AS previous
    FROM posts WHERE topic_id IS NOT NULL
) WHERE previous <> account_id
"""
QUOTE = """
SELECT q.account_id,
       coalesce(CASE WHEN q.quote.user_id > 0 THEN q.source || ':' || q.quote.user_id END,
                qp.account_id, qa.account_id),
       'quote', q.posted_at
FROM (
    SELECT source, account_id, posted_at, unnest(quotes) AS quote
    FROM posts WHERE len(quotes) > 0
) q
LEFT JOIN posts qp ON qp.source = q.source AND qp.post_id = q.quote.post_id
LEFT JOIN (
    SELECT source, username_clean, min(account_id) AS account_id
    FROM accounts GROUP BY source, username_clean
) qa ON qa.source = q.source AND qa.username_clean = lower(q.quote.author)
"""
MESSAGE = """
SELECT m.account_id, r.source || ':' || r.user_id, 'message', m.sent_at
FROM messages m
JOIN (
    SELECT source, msg_id, user_id FROM message_recipients
    UNION
    SELECT source, msg_id, unnest(list_concat(coalesce(to_users, []), coalesce(bcc_users, [])))
    FROM messages
) r ON r.source = m.source AND r.msg_id = m.msg_id
"""
FRIEND = """
SELECT source || ':' || user_id, source || ':' || contact_id, 'friend', CAST(NULL AS TIMESTAMPTZ)
FROM contacts WHERE friend
"""
MEDIA_CTES = """
cluster_of AS (
    SELECT member AS key, min(cluster_id) AS item
    FROM (SELECT cluster_id, unnest(members) AS member FROM media_clusters) GROUP BY member
),
known_of AS (
    SELECT source || ':' || file AS key, min(hash_set || '/' || known_id) AS item
    FROM matches WHERE role = 'attachment' GROUP BY 1
),
posted AS (
    SELECT a.source || ':' || a.poster_id AS account_id, a.source, a.attach_id,
           coalesce(c.item, k.item, a.file_sha256) AS item,
           coalesce(CASE WHEN a.in_message THEN m.sent_at ELSE p.posted_at END,
                    a.filetime) AS seen_at
    FROM attachments a
    LEFT JOIN cluster_of c ON c.key = a.source || ':' || a.physical_filename
    LEFT JOIN known_of k ON k.key = a.source || ':' || a.physical_filename
    LEFT JOIN posts p ON NOT a.in_message AND p.source = a.source AND p.post_id = a.post_msg_id
    LEFT JOIN messages m ON a.in_message AND m.source = a.source AND m.msg_id = a.post_msg_id
    WHERE NOT coalesce(a.is_orphan, false) AND a.poster_id IS NOT NULL
),
seeded AS (
    SELECT account_id, seen_at,
           first_value(account_id) OVER (
               PARTITION BY item ORDER BY seen_at NULLS LAST, source, attach_id
           ) AS seeder
    FROM posted WHERE item IS NOT NULL
)"""
MEDIA = "SELECT account_id, seeder, 'media', seen_at FROM seeded WHERE seeder <> account_id"

AGGREGATE = """
SELECT fp.person_id AS from_person, tp.person_id AS to_person, e.kind,
       count(*) AS weight, min(e.seen_at) AS first_at, max(e.seen_at) AS last_at
FROM events e
JOIN person_accounts fp ON fp.account_id = e.from_account
JOIN person_accounts tp ON tp.account_id = e.to_account
WHERE fp.person_id <> tp.person_id
GROUP BY fp.person_id, tp.person_id, e.kind
ORDER BY from_person, to_person, kind
"""


def edges_sql(present: list[str]) -> str:
    """The query giving every person-level tie, for a lake holding the ``present`` tables."""
    events = "\nUNION ALL\n".join(p.strip() for p in (REPLY, THREAD, QUOTE, MESSAGE, FRIEND, MEDIA))
    ctes = f"{MEDIA_CTES},\nevents (from_account, to_account, kind, seen_at) AS (\n{events}\n)"
    return with_inputs(NEEDED, present, ctes, AGGREGATE)


def person_edges(engine: Engine) -> pa.Table:
    """graph_edges' columns (without ``source``), sorted by from, to and kind."""
    return engine.query(edges_sql(engine.tables()))
