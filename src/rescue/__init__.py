"""Rescue: turn a lawfully seized forum into persons, countries, priorities and referrals.

The public API: the same core functions the CLI and the web app call. Names are loaded on first
use, so ``import rescue`` stays cheap for the CLI. Anything not listed here is internal and may
move; a test keeps this list and the real names in step.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "init_case": "rescue.case",
    "open_case": "rescue.case",
    "Case": "rescue.case",
    "verify_case": "rescue.evidence",
    "ingest_phpbb": "rescue.ingest.register",
    "import_hash_set": "rescue.media.hashset_stage",
    "export_hash_set": "rescue.media.hashset_stage",
    "run_pipeline": "rescue.pipeline",
    "case_status": "rescue.status",
    "export_matches": "rescue.media.reports",
    "new_material_queue": "rescue.media.reports",
    "export_persons": "rescue.identity.persons_export",
    "iter_persons": "rescue.identity.persons_export",
    "identity_summary": "rescue.identity.reports",
    "record_ruling": "rescue.identity.decisions",
    "current_rulings": "rescue.identity.decisions",
    "RescueError": "rescue.errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'rescue' has no attribute {name!r}")
