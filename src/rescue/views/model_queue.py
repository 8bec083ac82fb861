"""The read model's tables for the new-material queue: spread, files, appearances.

The queue's own rows come from ``rescue.media.reports.new_material_queue``; these tables add
where each cluster spread and the detail of one cluster. Files are hashes and sizes, never
content.
"""

from __future__ import annotations

from rescue.views.model_sql import CLUSTERED, ModelTable, iso

# Every appearance of a clustered file: an attachment to a post or a private message (or one
# uploaded and never attached: an orphan), or an account's avatar. Attachments are counted as
# the match stage counts them, so a cluster's attachments are its appearances but avatars. No
# text, and no file name as the poster wrote it (it can describe the content): the extension
# says the type.
_APPEARANCES = f"""
{CLUSTERED},
appearances AS (
    SELECT c.cluster_id, c.member,
           CASE WHEN coalesce(a.is_orphan, false) THEN 'orphan'
                WHEN a.in_message THEN 'message' ELSE 'post' END AS kind,
           a.source, a.attach_id, a.post_msg_id, a.topic_id, p.forum_id,
           coalesce(CASE WHEN a.in_message THEN m.sent_at ELSE p.posted_at END, a.filetime) AS at,
           a.source || ':' || a.poster_id AS account_id, a.extension
    FROM clustered c
    JOIN attachments a ON c.member = a.source || ':' || a.physical_filename
    LEFT JOIN posts p ON NOT a.in_message AND p.source = a.source AND p.post_id = a.post_msg_id
    LEFT JOIN messages m ON a.in_message AND m.source = a.source AND m.msg_id = a.post_msg_id
    UNION ALL
    SELECT c.cluster_id, c.member, 'avatar', ac.source, NULL, NULL, NULL, NULL, NULL,
           ac.account_id, lower(regexp_extract(ac.avatar_file, '\\.([A-Za-z0-9]+)$', 1))
    FROM clustered c JOIN accounts ac ON c.member = ac.source || ':' || ac.avatar_file
)"""

# Where each queue cluster spread: persons and their countries. The queue's own columns come
# from ``rescue.media.reports.new_material_queue``.
SPREAD = ModelTable(
    "spread",
    (("cluster_id", "TEXT PRIMARY KEY"), ("persons", "INTEGER"), ("countries", "TEXT")),
    ctes=f"""
{_APPEARANCES},
placed AS (
    SELECT DISTINCT e.cluster_id, pa.person_id, t.country
    FROM appearances e
    JOIN person_accounts pa ON pa.account_id = e.account_id
    LEFT JOIN (SELECT DISTINCT ON (person_id) * FROM attributions
               ORDER BY person_id, confidence DESC NULLS LAST) t ON t.person_id = pa.person_id
),
per_country AS (
    SELECT cluster_id, country, count(*) AS persons FROM placed GROUP BY cluster_id, country
)""",
    query="""
SELECT cluster_id, sum(persons)::BIGINT,
       to_json(list({'country': country, 'persons': persons}
                    ORDER BY persons DESC, country NULLS LAST))::VARCHAR
FROM per_country GROUP BY cluster_id ORDER BY cluster_id
""",
)

QUEUE_FILES = ModelTable(
    "queue_files",
    (
        ("cluster_id", "TEXT"),
        ("file", "TEXT"),  # "source:file", as the cluster lists it
        ("role", "TEXT"),  # attachment | avatar
        ("size", "INTEGER"),
        ("sha256", "TEXT"),
        ("md5", "TEXT"),
        ("pdq", "TEXT"),
        ("pdq_quality", "INTEGER"),
        ("media_type", "TEXT"),
        ("format", "TEXT"),
        ("width", "INTEGER"),
        ("height", "INTEGER"),
    ),
    query="""
SELECT c.cluster_id, c.member, h.role, h.size, h.sha256, h.md5, h.pdq, h.pdq_quality,
       h.media_type, h.format, h.width, h.height
FROM (SELECT cluster_id, unnest(members) AS member FROM media_clusters) c
LEFT JOIN (SELECT DISTINCT ON (source, file) * FROM media_hashes
           ORDER BY source, file, role) h ON h.source || ':' || h.file = c.member
ORDER BY c.cluster_id, c.member
""",
    indexes=("cluster_id",),
)

QUEUE_PLACES = ModelTable(
    "queue_places",
    (
        ("cluster_id", "TEXT"),
        ("file", "TEXT"),
        ("kind", "TEXT"),  # post | message | orphan | avatar
        ("source", "TEXT"),
        ("attach_id", "INTEGER"),
        ("post_msg_id", "INTEGER"),
        ("topic_id", "INTEGER"),
        ("forum_id", "INTEGER"),
        ("seen_at", "TEXT"),
        ("account_id", "TEXT"),
        ("username", "TEXT"),
        ("person_id", "TEXT"),
        ("extension", "TEXT"),
    ),
    ctes=_APPEARANCES,
    query=f"""
SELECT e.cluster_id, e.member, e.kind, e.source, e.attach_id, e.post_msg_id, e.topic_id,
       e.forum_id, {iso("e.at")}, e.account_id, ac.username, pa.person_id, e.extension
FROM appearances e
LEFT JOIN (SELECT DISTINCT ON (account_id) * FROM accounts ORDER BY account_id) ac
       ON ac.account_id = e.account_id
LEFT JOIN person_accounts pa ON pa.account_id = e.account_id
ORDER BY e.cluster_id, e.at NULLS LAST, e.source, e.attach_id NULLS LAST, e.account_id
""",
    indexes=("cluster_id",),
)


TABLES = (SPREAD, QUEUE_FILES, QUEUE_PLACES)
