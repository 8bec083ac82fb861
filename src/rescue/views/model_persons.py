"""The read model's person tables: the list's row, the page's sections, the packed ties.

The identifiers and links mirror ``rescue.identity.persons_export`` (same aggregation: first and
last seen, sightings, where found; IP country and network kind), computed for every person at
once here where the export works in batches; a test holds the two to the same answers.
"""

from __future__ import annotations

from rescue.network.edges import KINDS
from rescue.views.model_sql import CLUSTERED, KNOWN_MATERIAL, ModelTable, iso

# One row per person, narrow: what the persons list shows, filters and sorts on. The web app
# reads these columns of every person into memory (``rescue.views.browse``).
PERSON = ModelTable(
    "person",
    (
        ("pid", "INTEGER PRIMARY KEY"),
        ("person_id", "TEXT UNIQUE"),
        ("usernames", "TEXT"),
        ("n_accounts", "INTEGER"),
        ("country", "TEXT"),
        ("confidence", "REAL"),
        ("conflict", "INTEGER"),
        ("tier", "TEXT"),
        ("score", "REAL"),
        ("rank", "INTEGER"),
        ("indicators", "TEXT"),
        ("role", "TEXT"),
        ("community", "INTEGER"),
        ("degree", "INTEGER"),
        ("posts", "INTEGER"),
        ("messages", "INTEGER"),
        ("first_active", "TEXT"),
        ("last_active", "TEXT"),
        ("last_active_epoch", "REAL"),
        ("names", "TEXT"),  # lower-case person id and usernames: what free text searches
    ),
    ctes="""
head AS (SELECT DISTINCT ON (person_id) * FROM persons ORDER BY person_id),
attr AS (SELECT DISTINCT ON (person_id) * FROM attributions
         ORDER BY person_id, confidence DESC NULLS LAST),
prio AS (SELECT DISTINCT ON (person_id) * FROM priorities ORDER BY person_id, rank NULLS LAST),
net AS (SELECT DISTINCT ON (person_id) * FROM graph_metrics ORDER BY person_id),
acted AS (
    SELECT pa.person_id, min(x.at) AS first_at, max(x.at) AS last_at,
           count(*) FILTER (WHERE x.post) AS posts, count(*) FILTER (WHERE NOT x.post) AS messages
    FROM (SELECT account_id, posted_at AS at, true AS post FROM posts
          UNION ALL SELECT account_id, sent_at, false FROM messages) x
    JOIN person_accounts pa ON pa.account_id = x.account_id
    GROUP BY pa.person_id
)""",
    query=f"""
SELECT k.pid, k.person_id,
       to_json(coalesce(h.usernames, []))::VARCHAR,
       coalesce(h.n_accounts, len(h.accounts), 0),
       t.country, t.confidence, coalesce(t.conflict, false),
       r.tier, r.score, r.rank, to_json(coalesce(r.indicators, []))::VARCHAR,
       g.role, g.community, g.degree,
       coalesce(a.posts, 0), coalesce(a.messages, 0),
       {iso("a.first_at")}, {iso("a.last_at")}, epoch(a.last_at),
       lower(k.person_id || ' ' || array_to_string(coalesce(h.usernames, []), ' '))
FROM pids k
JOIN head h ON h.person_id = k.person_id
LEFT JOIN attr t ON t.person_id = k.person_id
LEFT JOIN prio r ON r.person_id = k.person_id
LEFT JOIN net g ON g.person_id = k.person_id
LEFT JOIN acted a ON a.person_id = k.person_id
ORDER BY k.pid
""",
)

# One row per person, wide: the evidence and explanations only the person page shows.
PROFILE = ModelTable(
    "profile",
    (
        ("pid", "INTEGER PRIMARY KEY"),
        ("linked_by", "TEXT"),
        ("runner_up", "TEXT"),
        ("evidence", "BLOB"),
        ("explanation", "BLOB"),
        ("role_reasons", "TEXT"),
        ("community_size", "INTEGER"),
        ("weighted_degree", "REAL"),
        ("pagerank", "REAL"),
        ("kcore", "INTEGER"),
        ("betweenness", "REAL"),
        ("attachments", "INTEGER"),
        ("known_files", "INTEGER"),
        ("known_attachments", "INTEGER"),
        ("new_clusters", "INTEGER"),
        ("new_attachments", "INTEGER"),
        ("new_clusters_first", "INTEGER"),
    ),
    ctes=f"""
head AS (SELECT DISTINCT ON (person_id) * FROM persons ORDER BY person_id),
attr AS (SELECT DISTINCT ON (person_id) * FROM attributions
         ORDER BY person_id, confidence DESC NULLS LAST),
prio AS (SELECT DISTINCT ON (person_id) * FROM priorities ORDER BY person_id, rank NULLS LAST),
net AS (SELECT DISTINCT ON (person_id) * FROM graph_metrics ORDER BY person_id),
{CLUSTERED},
posted AS (
    SELECT pa.person_id, count(*) AS attachments, count(c.cluster_id) AS new_attachments,
           count(DISTINCT c.cluster_id) AS new_clusters
    FROM attachments a
    JOIN person_accounts pa ON pa.account_id = a.source || ':' || a.poster_id
    LEFT JOIN clustered c ON c.member = a.source || ':' || a.physical_filename
    WHERE NOT coalesce(a.is_orphan, false)
    GROUP BY pa.person_id
),
seeded AS (
    SELECT pa.person_id, count(DISTINCT c.cluster_id) AS first
    FROM media_clusters c JOIN person_accounts pa ON pa.account_id = c.first_account_id
    GROUP BY pa.person_id
),
{KNOWN_MATERIAL},
known_by_person AS (
    SELECT pa.person_id, count(DISTINCT k.file) AS files,
           count(DISTINCT k.item) FILTER (WHERE k.role = 'attachment') AS postings
    FROM known k JOIN person_accounts pa ON pa.account_id = k.account_id
    GROUP BY pa.person_id
)""",
    query="""
SELECT k.pid, to_json(coalesce(h.linked_by, []))::VARCHAR, t.runner_up, t.evidence,
       r.explanation, to_json(coalesce(g.role_reasons, []))::VARCHAR, g.community_size,
       g.weighted_degree, g.pagerank, g.kcore, g.betweenness,
       coalesce(po.attachments, 0), coalesce(kn.files, 0), coalesce(kn.postings, 0),
       coalesce(po.new_clusters, 0), coalesce(po.new_attachments, 0), coalesce(s.first, 0)
FROM pids k
JOIN head h ON h.person_id = k.person_id
LEFT JOIN attr t ON t.person_id = k.person_id
LEFT JOIN prio r ON r.person_id = k.person_id
LEFT JOIN net g ON g.person_id = k.person_id
LEFT JOIN posted po ON po.person_id = k.person_id
LEFT JOIN seeded s ON s.person_id = k.person_id
LEFT JOIN known_by_person kn ON kn.person_id = k.person_id
ORDER BY k.pid
""",
    deflated=("evidence", "explanation"),
)

ACCOUNTS = ModelTable(
    "accounts",
    (
        ("pid", "INTEGER"),
        ("account_id", "TEXT"),
        ("source", "TEXT"),
        ("user_id", "INTEGER"),
        ("username", "TEXT"),
        ("kind", "TEXT"),
        ("registered_at", "TEXT"),
        ("last_active_at", "TEXT"),
        ("posts_count", "INTEGER"),
    ),
    query=f"""
SELECT k.pid, pa.account_id, a.source, a.user_id, a.username, a.kind,
       {iso("a.registered_at")}, {iso("coalesce(a.last_active_at, a.last_visit_at)")},
       a.posts_count
FROM pids k
JOIN person_accounts pa ON pa.person_id = k.person_id
LEFT JOIN (SELECT DISTINCT ON (account_id) * FROM accounts ORDER BY account_id) a
       ON a.account_id = pa.account_id
ORDER BY k.pid, pa.account_id
""",
    indexes=("pid", "account_id"),
)

IDENTIFIERS = ModelTable(
    "identifiers",
    (
        ("pid", "INTEGER"),
        ("account_id", "TEXT"),
        ("kind", "TEXT"),
        ("value", "TEXT"),
        ("detail", "TEXT"),
        ("first_seen", "TEXT"),
        ("last_seen", "TEXT"),
        ("sightings", "INTEGER"),
        ("found_in", "TEXT"),  # JSON list of "table.field"
        ("country", "TEXT"),
        ("network_kind", "TEXT"),
        ("asn_name", "TEXT"),
    ),
    ctes=f"""
seen AS (
    SELECT account_id, kind, value, any_value(detail) AS detail,
           {iso("min(seen_at)")} AS first_seen, {iso("max(seen_at)")} AS last_seen,
           count(*) AS sightings,
           to_json(list_sort(list(DISTINCT origin_table || '.' || field)))::VARCHAR AS found_in
    FROM identifiers WHERE account_id IS NOT NULL
    GROUP BY account_id, kind, value
),
located AS (SELECT DISTINCT ON (ip) * FROM ip_locations ORDER BY ip)""",
    query="""
SELECT k.pid, i.account_id, i.kind, i.value, i.detail, i.first_seen, i.last_seen, i.sightings,
       i.found_in, g.country, g.network_kind, g.asn_name
FROM seen i
JOIN person_accounts pa ON pa.account_id = i.account_id
JOIN pids k ON k.person_id = pa.person_id
LEFT JOIN located g ON i.kind = 'ip' AND g.ip = i.value
ORDER BY k.pid, i.kind, i.value, i.account_id
""",
    indexes=("pid",),
)

# What a search's start can match: identifier values, usernames and person ids, lower-cased
# and indexed, so every value starting with a text is one index range.
TERMS = ModelTable(
    "terms",
    (("term", "TEXT"), ("pid", "INTEGER")),
    query="""
SELECT DISTINCT term, pid FROM (
    SELECT lower(i.value) AS term, k.pid
    FROM identifiers i
    JOIN person_accounts pa ON pa.account_id = i.account_id
    JOIN pids k ON k.person_id = pa.person_id
    UNION ALL
    SELECT lower(unnest(p.usernames)), k.pid FROM persons p JOIN pids k USING (person_id)
    UNION ALL
    SELECT lower(person_id), pid FROM pids
)
WHERE coalesce(term, '') <> ''
ORDER BY term, pid
""",
    indexes=("term, pid",),  # covering: a range of terms gives its pids from the index alone
)

LINKS = ModelTable(
    "links",
    (
        ("pid", "INTEGER"),
        ("account_a", "TEXT"),
        ("account_b", "TEXT"),
        ("method", "TEXT"),
        ("match_weight", "REAL"),
        ("match_probability", "REAL"),
        ("accepted", "INTEGER"),
        ("reason", "TEXT"),
        ("features", "BLOB"),
    ),
    # Pairs inside one person only: a scored pair with another person's account would show
    # that account to a reader who may not see its person.
    query="""
SELECT k.pid, l.account_a, l.account_b, l.method, l.match_weight, l.match_probability,
       coalesce(l.accepted, false), l.reason, l.features
FROM account_links l
JOIN person_accounts pa ON pa.account_id = l.account_a
JOIN person_accounts pb ON pb.account_id = l.account_b AND pb.person_id = pa.person_id
JOIN pids k ON k.person_id = pa.person_id
ORDER BY k.pid, l.account_a, l.account_b, l.method
""",
    indexes=("pid",),
    deflated=("features",),
)

TIMELINE = ModelTable(
    "timeline",
    (
        ("pid", "INTEGER"),
        ("month", "TEXT"),
        ("posts", "INTEGER"),
        ("messages", "INTEGER"),
        ("attachments", "INTEGER"),
    ),
    ctes="""
events AS (
    SELECT account_id, posted_at AS at, 1 AS post, 0 AS message, 0 AS attachment FROM posts
    UNION ALL SELECT account_id, sent_at, 0, 1, 0 FROM messages
    UNION ALL SELECT source || ':' || poster_id, filetime, 0, 0, 1 FROM attachments
              WHERE NOT coalesce(is_orphan, false)
)""",
    query="""
SELECT k.pid, strftime(e.at, '%Y-%m') AS month, sum(e.post)::BIGINT, sum(e.message)::BIGINT,
       sum(e.attachment)::BIGINT
FROM events e
JOIN person_accounts pa ON pa.account_id = e.account_id
JOIN pids k ON k.person_id = pa.person_id
WHERE e.at IS NOT NULL
GROUP BY k.pid, month
ORDER BY k.pid, month
""",
    indexes=("pid",),
)

KNOWN = ModelTable(
    "known",
    (
        ("pid", "INTEGER"),
        ("role", "TEXT"),
        ("hash_set", "TEXT"),
        ("category", "TEXT"),
        ("files", "INTEGER"),
        ("postings", "INTEGER"),
    ),
    ctes=KNOWN_MATERIAL,
    query="""
SELECT k.pid, kn.role, kn.hash_set, kn.category, count(DISTINCT kn.file), count(DISTINCT kn.item)
FROM known kn
JOIN person_accounts pa ON pa.account_id = kn.account_id
JOIN pids k ON k.person_id = pa.person_id
GROUP BY ALL
ORDER BY k.pid, kn.hash_set, kn.category NULLS LAST, kn.role
""",
    indexes=("pid",),
)

# Ties in both directions, one row per (person, other person), heaviest first: the build packs
# each person's rows into one binary value (``rescue.views.ties``), as a person may have
# thousands of ties and a row each would make the model slow to write.
_TIE_KINDS = ",\n".join(
    f"       coalesce(sum(weight) FILTER (WHERE kind = '{kind}'), 0)::BIGINT AS {kind}"
    for kind in KINDS
)
TIES = ModelTable(
    "ties",
    (
        ("pid", "INTEGER"),
        ("other", "INTEGER"),
        ("weight", "INTEGER"),
        ("sent", "INTEGER"),  # from this person to the other
        ("received", "INTEGER"),
        ("first_at", "INTEGER"),  # epoch seconds, -1 when unknown
        ("last_at", "INTEGER"),
        *((kind, "INTEGER") for kind in KINDS),
    ),
    # The edges get their pids once (materialised), then turn both ways on integers.
    ctes="""
edges AS MATERIALIZED (
    SELECT ka.pid AS a, kb.pid AS b, e.kind, e.weight, e.first_at, e.last_at
    FROM graph_edges e
    JOIN pids ka ON ka.person_id = e.from_person
    JOIN pids kb ON kb.person_id = e.to_person
    WHERE ka.pid <> kb.pid
),
both_ways AS (
    SELECT a, b, kind, weight, weight AS sent, 0 AS received, first_at, last_at FROM edges
    UNION ALL
    SELECT b, a, kind, weight, 0, weight, first_at, last_at FROM edges
)""",
    query=f"""
SELECT a AS pid, b AS other, sum(weight)::BIGINT AS weight, sum(sent)::BIGINT AS sent,
       sum(received)::BIGINT AS received,
       coalesce(epoch(min(first_at)), -1)::BIGINT AS first_at,
       coalesce(epoch(max(last_at)), -1)::BIGINT AS last_at,
{_TIE_KINDS}
FROM both_ways
GROUP BY a, b
ORDER BY a, weight DESC, b
""",
)


TABLES = (PERSON, PROFILE, ACCOUNTS, IDENTIFIERS, TERMS, LINKS, TIMELINE, KNOWN)
