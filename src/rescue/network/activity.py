"""What each person did, counted in SQL: the facts roles are decided on and graph_metrics shows.

One row per person (every person, active or not), sorted by person id:

* ``posts``, ``messages``: posts written and private messages sent, over all their accounts.
* ``attachments``: files posted (posts and private messages).
* ``known_files_posted``: distinct files posted that matched a known-material hash list.
* ``new_clusters_seeded``: new-material clusters (``media_clusters``) this person posted first.
* ``seeded_spread``: distinct other persons who posted a file of a cluster this person seeded.
* ``first_active_at``, ``last_active_at``: first and last post or message.
* ``staff``: board roles, as "administrator|GROUP NAME", "moderator|GROUP NAME" or
  "founder|" (phpBB's founder account type, an administrator who cannot be demoted); pending
  group memberships do not count.
"""

from __future__ import annotations

import pyarrow as pa

from rescue.engine.base import Engine
from rescue.engine.stand_ins import with_inputs

NEEDED = (
    "persons",
    "person_accounts",
    "accounts",
    "posts",
    "messages",
    "memberships",
    "groups",
    "attachments",
    "matches",
    "media_clusters",
)

CTES = """
wrote AS (
    SELECT pa.person_id, count(*) AS n, min(p.posted_at) AS first_at, max(p.posted_at) AS last_at
    FROM posts p JOIN person_accounts pa ON pa.account_id = p.account_id GROUP BY pa.person_id
),
sent AS (
    SELECT pa.person_id, count(*) AS n, min(m.sent_at) AS first_at, max(m.sent_at) AS last_at
    FROM messages m JOIN person_accounts pa ON pa.account_id = m.account_id GROUP BY pa.person_id
),
attached AS (
    SELECT pa.person_id, count(*) AS n
    FROM attachments a JOIN person_accounts pa ON pa.account_id = a.source || ':' || a.poster_id
    WHERE NOT coalesce(a.is_orphan, false)
    GROUP BY pa.person_id
),
known AS (
    SELECT pa.person_id, count(DISTINCT m.source || ':' || m.file) AS n
    FROM matches m
    JOIN attachments a ON a.source = m.source AND a.attach_id = m.attachment_id
    JOIN person_accounts pa ON pa.account_id = a.source || ':' || a.poster_id
    WHERE m.role = 'attachment'
    GROUP BY pa.person_id
),
seeded AS (
    SELECT pa.person_id, count(*) AS n
    FROM media_clusters c JOIN person_accounts pa ON pa.account_id = c.first_account_id
    GROUP BY pa.person_id
),
spread AS (
    SELECT seeder.person_id, count(DISTINCT poster.person_id) AS n
    FROM (SELECT first_account_id, unnest(members) AS member FROM media_clusters) c
    JOIN person_accounts seeder ON seeder.account_id = c.first_account_id
    JOIN attachments a ON a.source || ':' || a.physical_filename = c.member
    JOIN person_accounts poster ON poster.account_id = a.source || ':' || a.poster_id
    WHERE poster.person_id <> seeder.person_id
    GROUP BY seeder.person_id
),
staff AS (
    SELECT person_id, list(DISTINCT tag ORDER BY tag) AS tags FROM (
        SELECT pa.person_id, g.role || '|' || coalesce(g.name, '') AS tag
        FROM memberships ms
        JOIN "groups" g ON g.source = ms.source AND g.group_id = ms.group_id
        JOIN person_accounts pa ON pa.account_id = ms.account_id
        WHERE g.role IN ('administrator', 'moderator') AND NOT coalesce(ms.pending, false)
        UNION ALL
        SELECT pa.person_id, 'founder|'
        FROM accounts a JOIN person_accounts pa ON pa.account_id = a.account_id
        WHERE a.kind = 'founder'
    ) GROUP BY person_id
)"""

BODY = """
SELECT pe.person_id,
       coalesce(wrote.n, 0) AS posts,
       coalesce(sent.n, 0) AS messages,
       coalesce(attached.n, 0) AS attachments,
       coalesce(known.n, 0) AS known_files_posted,
       coalesce(seeded.n, 0) AS new_clusters_seeded,
       coalesce(spread.n, 0) AS seeded_spread,
       least(wrote.first_at, sent.first_at) AS first_active_at,
       greatest(wrote.last_at, sent.last_at) AS last_active_at,
       coalesce(staff.tags, []) AS staff
FROM (SELECT DISTINCT person_id FROM persons) pe
LEFT JOIN wrote ON wrote.person_id = pe.person_id
LEFT JOIN sent ON sent.person_id = pe.person_id
LEFT JOIN attached ON attached.person_id = pe.person_id
LEFT JOIN known ON known.person_id = pe.person_id
LEFT JOIN seeded ON seeded.person_id = pe.person_id
LEFT JOIN spread ON spread.person_id = pe.person_id
LEFT JOIN staff ON staff.person_id = pe.person_id
ORDER BY pe.person_id
"""


def activity_sql(present: list[str]) -> str:
    return with_inputs(NEEDED, present, CTES, BODY)


def person_activity(engine: Engine) -> pa.Table:
    """One row of facts per person, sorted by person id (columns: see the module docstring)."""
    return engine.query(activity_sql(engine.tables()))
