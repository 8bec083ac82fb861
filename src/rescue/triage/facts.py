"""What the lake says about each person that triage weighs, gathered in SQL.

One row per person: new-material clusters they posted first and how far those spread, known
files they posted by category, meeting arrangements and occupations they disclosed, their role
in the forum's groups, their PageRank percentile (when the network stage has run), and when
they were first and last active. Missing tables (no hash list, no network stage) give zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rescue.engine.base import Engine
from rescue.engine.stand_ins import stand_ins


@dataclass
class PersonFacts:
    person_id: str
    clusters_seeded: int = 0
    seeded_spread: int = 0  # other persons who later posted a cluster this person seeded
    known_files: int = 0
    known_by_category: dict[str, int] = field(default_factory=dict)
    meetings: int = 0
    occupations: list[str] = field(default_factory=list)
    role: str | None = None  # administrator | moderator
    pagerank_percentile: float | None = None
    first_active: datetime | None = None
    last_active: datetime | None = None
    checks: dict[str, bool] = field(default_factory=dict)  # agency record checks


_POSTERS = """
    SELECT a.source || ':' || a.poster_id AS account_id, a.physical_filename AS file,
           a.attach_id, a.source
    FROM attachments a
"""

_QUERIES: dict[str, tuple[tuple[str, ...], str]] = {
    "seeded": (
        ("media_clusters", "attachments"),
        f"""
        WITH posters AS ({_POSTERS}),
        members AS (
            SELECT c.cluster_id, pa.person_id AS seeder, unnest(c.members) AS file
            FROM media_clusters c JOIN person_accounts pa ON pa.account_id = c.first_account_id
        ),
        reposters AS (
            SELECT m.seeder, count(DISTINCT pp.person_id) AS n
            FROM members m
            JOIN posters p ON p.file = m.file
            JOIN person_accounts pp ON pp.account_id = p.account_id
            WHERE pp.person_id <> m.seeder
            GROUP BY m.seeder
        )
        SELECT pa.person_id, count(DISTINCT c.cluster_id) AS clusters_seeded,
               any_value(coalesce(r.n, 0)) AS seeded_spread
        FROM media_clusters c
        JOIN person_accounts pa ON pa.account_id = c.first_account_id
        LEFT JOIN reposters r ON r.seeder = pa.person_id
        GROUP BY pa.person_id
        """,
    ),
    "known": (
        ("matches", "attachments"),
        """
        SELECT pa.person_id, coalesce(m.category, '') AS category,
               count(DISTINCT m.known_id) AS n
        FROM matches m
        JOIN attachments a ON a.source = m.source AND a.attach_id = m.attachment_id
        JOIN person_accounts pa ON pa.account_id = a.source || ':' || a.poster_id
        GROUP BY ALL
        """,
    ),
    "disclosed": (
        ("identifiers",),
        """
        SELECT pa.person_id, i.kind, list(DISTINCT lower(i.value) ORDER BY 1) AS values,
               count(*) AS n
        FROM identifiers i JOIN person_accounts pa ON pa.account_id = i.account_id
        WHERE i.kind IN ('occupation', 'meeting')
        GROUP BY ALL
        """,
    ),
    "role": (
        ("memberships", "groups"),
        """
        SELECT pa.person_id,
               CASE WHEN bool_or(g.role = 'administrator') THEN 'administrator'
                    ELSE 'moderator' END AS role
        FROM memberships m
        JOIN groups g ON g.source = m.source AND g.group_id = m.group_id
        JOIN person_accounts pa ON pa.account_id = m.account_id
        WHERE g.role IN ('administrator', 'moderator') AND NOT coalesce(m.pending, false)
        GROUP BY pa.person_id
        """,
    ),
    "centrality": (
        ("graph_metrics",),
        "SELECT person_id, percent_rank() OVER (ORDER BY pagerank) AS pct FROM graph_metrics",
    ),
    "activity": (
        ("posts",),
        """
        SELECT pa.person_id, min(t) AS first_active, max(t) AS last_active
        FROM (
            SELECT account_id, posted_at AS t FROM posts
            UNION ALL SELECT account_id, sent_at FROM messages
        ) x JOIN person_accounts pa ON pa.account_id = x.account_id
        GROUP BY pa.person_id
        """,
    ),
}


def gather_facts(engine: Engine) -> tuple[dict[str, PersonFacts], datetime | None]:
    """Facts per person, and the reference time (the latest activity in the case)."""
    tables = set(engine.tables())
    facts = {
        row["person_id"]: PersonFacts(row["person_id"])
        for row in engine.query("SELECT person_id FROM persons ORDER BY person_id").to_pylist()
    }

    def rows(name: str) -> list[dict[str, Any]]:
        needs, sql = _QUERIES[name]
        if not set(needs) <= tables:
            return []
        # A board without private messages still has posts: read its messages as empty.
        missing = stand_ins(("messages",), tables)
        prefix = f"WITH {missing} " if missing and name == "activity" else ""
        result: list[dict[str, Any]] = engine.query(prefix + sql).to_pylist()
        return result

    for row in rows("seeded"):
        fact = facts[row["person_id"]]
        fact.clusters_seeded, fact.seeded_spread = row["clusters_seeded"], row["seeded_spread"]
    for row in rows("known"):
        fact = facts[row["person_id"]]
        fact.known_files += row["n"]
        fact.known_by_category[row["category"]] = row["n"]
    for row in rows("disclosed"):
        fact = facts[row["person_id"]]
        if row["kind"] == "meeting":
            fact.meetings = row["n"]
        else:
            fact.occupations = list(row["values"])
    for row in rows("role"):
        facts[row["person_id"]].role = row["role"]
    for row in rows("centrality"):
        if row["person_id"] in facts:
            facts[row["person_id"]].pagerank_percentile = float(row["pct"])
    latest: datetime | None = None
    for row in rows("activity"):
        fact = facts[row["person_id"]]
        fact.first_active, fact.last_active = row["first_active"], row["last_active"]
        if fact.last_active and (latest is None or fact.last_active > latest):
            latest = fact.last_active
    return facts, latest
