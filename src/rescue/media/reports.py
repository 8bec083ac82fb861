"""What the media stages give an analyst: the match export and the new-material queue."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rescue.case import Case

MATCH_COLUMNS = (
    "source",
    "attachment_id",
    "file",
    "sha256",
    "pdq",
    "match_type",
    "known_id",
    "hash_set",
    "distance",
    "category",
)


def export_matches(case: Case, out: Path) -> int:
    """Write matches.csv (columns as in DESIGN.md); returns the number of rows."""
    case.require_table("matches")
    engine = case.engine()
    try:
        rows = engine.query(
            f"SELECT {', '.join(MATCH_COLUMNS)} FROM matches "
            "ORDER BY source, file, attachment_id NULLS LAST, hash_set, known_id"
        ).to_pylist()
    finally:
        engine.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, MATCH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def new_material_queue(case: Case, limit: int | None = None) -> list[dict[str, Any]]:
    """Clusters of unknown images in priority order, with the first poster's name."""
    case.require_table("media_clusters")
    engine = case.engine()
    try:
        query = (
            "SELECT c.priority, c.cluster_id, c.files, c.attachments, c.posters, "
            "c.first_seen_at, c.first_account_id, a.username AS first_username, "
            "c.first_place, c.last_seen_at, c.members "
            "FROM media_clusters c LEFT JOIN accounts a ON a.account_id = c.first_account_id "
            "ORDER BY c.priority"
        )
        if limit:
            query += f" LIMIT {int(limit)}"
        rows: list[dict[str, Any]] = engine.query(query).to_pylist()
        return rows
    finally:
        engine.close()


def media_summary(case: Case) -> dict[str, int]:
    """Figures for the demo and the dashboard: known files found, new clusters, rejects."""
    tables = case.catalog.load().tables
    if "matches" not in tables:
        return {}
    engine = case.engine()
    try:
        (row,) = engine.query(
            "SELECT count(DISTINCT source || file) FILTER (WHERE match_type = 'exact') AS exact, "
            "count(DISTINCT source || file) FILTER (WHERE match_type = 'perceptual' AND "
            "source || file NOT IN (SELECT source || file FROM matches WHERE match_type = 'exact'))"
            " AS perceptual FROM matches"
        ).to_pylist()
        clusters = engine.count("media_clusters")
        hashed = engine.count("media_hashes")
        unhashable = engine.query(
            "SELECT count(*) AS n FROM media_hashes WHERE error IS NOT NULL"
        ).to_pylist()[0]["n"]
    finally:
        engine.close()
    return {
        "files_hashed": hashed,
        "known_exact": row["exact"],
        "known_perceptual": row["perceptual"],
        "new_clusters": clusters,
        "not_perceptually_hashable": unhashable,
    }
