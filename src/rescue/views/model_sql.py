"""The read model's building blocks: a table's definition and the query parts tables share.

Each table of the model (``model_persons``, ``model_queue``) is a SQLite table and the DuckDB
query over the lake that fills it.

Every person gets a dense integer ``pid`` (its place in person-id order) so the web's point
lookups and the in-memory browse index key on small integers. Lists are stored as JSON text and
times as ISO 8601 strings in UTC; epoch seconds are kept beside a time only where the list sorts
on it. A lake table a case lacks is an empty stand-in (``rescue.engine.stand_ins``), so a case
before triage or without media still gets every table, with no rows.
"""

from __future__ import annotations

from dataclasses import dataclass

# The lake tables the queries read; each missing one becomes an empty stand-in.
NEEDED = (
    "persons",
    "person_accounts",
    "accounts",
    "attributions",
    "priorities",
    "graph_metrics",
    "graph_edges",
    "identifiers",
    "ip_locations",
    "account_links",
    "posts",
    "messages",
    "attachments",
    "matches",
    "media_clusters",
    "media_hashes",
)


def iso(column: str) -> str:
    return f"strftime({column}, '%Y-%m-%dT%H:%M:%SZ')"


@dataclass(frozen=True)
class ModelTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, SQLite type), in the query's column order
    query: str  # the final SELECT, after ``ctes``
    ctes: str = ""  # common table expressions (no WITH), may be empty
    indexes: tuple[str, ...] = ()  # column lists to index, e.g. "pid" or "pid, weight DESC"
    # Long JSON texts, stored deflated (zlib): the explanations and evidence are most of the
    # model's bytes and compress five-fold. Read them with ``rescue.views.records.inflate``.
    deflated: tuple[str, ...] = ()


# The dense person key the other queries join on; a temporary DuckDB table during the build.
PIDS = """
SELECT person_id, (row_number() OVER (ORDER BY person_id) - 1)::BIGINT AS pid
FROM (SELECT DISTINCT person_id FROM persons WHERE person_id IS NOT NULL)
"""

# A file's new-material cluster, by "source:file" (as media_clusters lists its members).
CLUSTERED = """
clustered AS (
    SELECT member, min(cluster_id) AS cluster_id
    FROM (SELECT cluster_id, unnest(members) AS member FROM media_clusters)
    GROUP BY member
)"""

# Known material posted (attachments) or worn (avatars), per account.
KNOWN_MATERIAL = """
known AS (
    SELECT a.source || ':' || a.poster_id AS account_id, m.role, m.hash_set, m.category,
           m.source || ':' || m.file AS file,
           'attachment ' || a.source || ':' || a.attach_id AS item
    FROM matches m
    JOIN attachments a ON m.role = 'attachment' AND a.source = m.source
         AND a.attach_id = m.attachment_id
    UNION ALL
    SELECT ac.account_id, m.role, m.hash_set, m.category, m.source || ':' || m.file,
           'avatar ' || ac.account_id
    FROM matches m
    JOIN accounts ac ON m.role = 'avatar' AND ac.source = m.source AND ac.avatar_file = m.file
)"""
