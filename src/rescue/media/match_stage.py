"""The match stage: known material found in the case, and the queue of unknown images."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, ClassVar

from rescue.case import Case
from rescue.media.params import MatchParams, match_params
from rescue.stage import StageContext, fingerprint

# Where and when each attachment file was posted: a post (topic) or a private message.
APPEARANCES = """
SELECT a.source, a.physical_filename AS file, a.attach_id, a.in_message, a.post_msg_id,
       a.source || ':' || a.poster_id AS account_id,
       coalesce(CASE WHEN a.in_message THEN m.sent_at ELSE p.posted_at END, a.filetime) AS seen_at,
       p.topic_id
FROM attachments a
LEFT JOIN posts p ON NOT a.in_message AND p.source = a.source AND p.post_id = a.post_msg_id
LEFT JOIN messages m ON a.in_message AND m.source = a.source AND m.msg_id = a.post_msg_id
"""


class MatchStage:
    name: ClassVar[str] = "match"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = (
        "media_hashes",
        "known_hashes",
        "attachments",
        "posts",
        "messages",
    )
    outputs: ClassVar[tuple[str, ...]] = ("matches", "media_clusters")

    def targets(self, case: Case) -> list[str]:
        return ["all"] if "media_hashes" in case.catalog.load().tables else []

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return vars(match_params(case))

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        return fingerprint(
            {t: sorted(p.file for p in tables.get(t, {}).values()) for t in self.inputs}
        )

    def run(self, ctx: StageContext) -> None:
        from rescue.media.match import (  # numpy and the index: only when matching
            cluster_unknown,
            combine,
            exact_matches,
            perceptual_matches,
        )

        params = MatchParams(**ctx.params)
        engine = ctx.case.engine()
        try:
            if "known_hashes" in engine.tables():
                found = combine(exact_matches(engine), perceptual_matches(engine, params))
            else:
                found = []
            places = _appearances(engine)
            matched = {(m["source"], m["file"]) for m in found}
            clusters = cluster_unknown(engine, matched, params)
        finally:
            engine.close()
        ctx.writer("matches").write_rows(_per_attachment(found, places))
        ctx.writer("media_clusters").write_rows(_cluster_rows(clusters, places))
        ctx.counts.update(
            {
                "exact": sum(1 for m in found if m["match_type"] == "exact"),
                "perceptual": sum(1 for m in found if m["match_type"] == "perceptual"),
                "files_matched": len(matched),
                "new_clusters": len(clusters),
            }
        )


def _appearances(engine: Any) -> dict[tuple[str, str], list[dict[str, Any]]]:
    if not {"attachments", "posts", "messages"} <= set(engine.tables()):
        return {}
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in engine.query(APPEARANCES + " ORDER BY seen_at NULLS LAST, attach_id").to_pylist():
        found.setdefault((row["source"], row["file"]), []).append(row)
    return found


def _per_attachment(
    found: list[dict[str, Any]], places: dict[tuple[str, str], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Each match once per attachment row that points to the file (avatars: once, no id)."""
    rows = []
    for m in found:
        where = places.get((m["source"], m["file"]), []) if m["role"] == "attachment" else []
        ids: list[int | None] = [p["attach_id"] for p in where] or [None]
        rows += [{**m, "attachment_id": attach_id} for attach_id in ids]
    return rows


def _place(p: dict[str, Any]) -> str:
    if p["in_message"]:
        return f"private message {p['post_msg_id']}"
    return f"post {p['post_msg_id']} in topic {p['topic_id']}"


def _cluster_rows(
    clusters: list[list[dict[str, Any]]],
    places: dict[tuple[str, str], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    rows = []
    for members in clusters:
        seen = [p for m in members for p in places.get((m["source"], m["file"]), [])]
        seen.sort(
            key=lambda p: (p["seen_at"] is None, p["seen_at"] or datetime.min, p["attach_id"])
        )
        files = sorted({f"{m['source']}:{m['file']}" for m in members})
        first = seen[0] if seen else None
        rows.append(
            {
                "source": "all",
                "cluster_id": hashlib.sha256("\n".join(files).encode()).hexdigest()[:16],
                "files": len(files),
                "attachments": len(seen),
                "posters": len({p["account_id"] for p in seen}),
                "first_seen_at": first["seen_at"] if first else None,
                "first_account_id": first["account_id"] if first else None,
                "first_place": _place(first) if first else None,
                "last_seen_at": max((p["seen_at"] for p in seen if p["seen_at"]), default=None),
                "representative_pdq": min(members, key=lambda m: m["sha256"])["pdq"],
                "members": files,
            }
        )
    # Victim identification looks first at what appeared most recently (a child may be at risk
    # now), then at what spread furthest; clusters never seen in a post or message come last.
    rows.sort(
        key=lambda r: (
            r["first_seen_at"] is None,
            -(r["first_seen_at"].timestamp() if r["first_seen_at"] else 0),
            -r["posters"],
            r["cluster_id"],
        )
    )
    for rank, row in enumerate(rows, start=1):
        row["priority"] = rank
    return rows
