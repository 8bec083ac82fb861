"""What is in a case: lake tables, registered sources, runs and their rejects."""

from __future__ import annotations

from typing import Any

from rescue.case import Case
from rescue.evidence import SourceEvidence, list_sources
from rescue.lake.schemas import REJECTS
from rescue.pipeline import list_runs

REJECT_EXAMPLES = 3


def case_status(case: Case, *, runs: int = 50) -> dict[str, Any]:
    """The ``rescue status --json`` document (a stable contract: see DESIGN.md)."""
    tables = case.catalog.row_counts()
    return {
        "case": {"id": case.info.id, "name": case.info.name, "authority": case.info.authority},
        "tables": {name: rows for name, rows in tables.items() if name != REJECTS},
        "sources": [_source(s) for s in list_sources(case)],
        "runs": [
            {
                "id": r.id,
                "stage": r.stage,
                "target": r.target,
                "status": r.status,
                "started_at": r.started_at.isoformat(timespec="seconds"),
                "duration_s": None if r.duration_s is None else round(r.duration_s, 3),
                "counts": r.counts,
                "rejects": r.rejects,
                "error": r.error,
            }
            for r in list_runs(case, limit=runs)
        ],
        "rejects": reject_summary(case),
    }


def _source(s: SourceEvidence) -> dict[str, Any]:
    """A source and its main file: the dump of a forum, the list of a hash set."""
    mains = s.by_role("dump") or s.by_role("hash_set")
    main = mains[0] if mains else None
    dump = s.by_role("dump")[0] if s.by_role("dump") else None
    return {
        "name": s.name,
        "kind": s.kind,
        "registered_at": s.registered_at.isoformat(timespec="seconds") if s.registered_at else None,
        "file": str(main.path) if main else None,
        "size": main.size if main else None,
        "sha256": main.sha256 if main else None,
        "dump": str(dump.path) if dump else None,
        "dump_size": dump.size if dump else None,
        "dump_sha256": dump.sha256 if dump else None,
        "files": {role: len(s.by_role(role)) for role in ("attachment", "avatar")},
        "params": s.params,
    }


def reject_summary(case: Case) -> list[dict[str, Any]]:
    """Committed rejects grouped by stage, target, kind and action, with a few examples."""
    if REJECTS not in case.catalog.load().tables:
        return []
    engine = case.engine()
    try:
        table = engine.query(
            """
            SELECT stage, target, kind, action, sum(rows) AS rows, count(*) AS records,
                   list(detail ORDER BY line NULLS LAST, detail)[1:?] AS examples
            FROM rejects GROUP BY ALL ORDER BY stage, target, rows DESC, kind
            """,
            [REJECT_EXAMPLES],
        )
    finally:
        engine.close()
    groups: list[dict[str, Any]] = table.to_pylist()
    return groups
