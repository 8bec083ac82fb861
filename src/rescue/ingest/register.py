"""``rescue ingest phpbb``: register a seized forum as evidence, then ingest it."""

from __future__ import annotations

import re
from pathlib import Path

from rescue.case import Case
from rescue.errors import InputError
from rescue.evidence import register_source
from rescue.pipeline import RunSummary, run_pipeline
from rescue.progress import NO_PROGRESS, Progress


def source_name_for(dump: Path) -> str:
    """ "forum-2024.sql.gz" -> "forum-2024"."""
    name = dump.name
    for suffix in (".gz", ".bz2", ".xz", ".sql", ".dump"):
        name = name.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "forum"


def ingest_phpbb(
    case: Case,
    dump: Path,
    *,
    files: Path | None = None,
    avatars: Path | None = None,
    source: str | None = None,
    prefix: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> RunSummary:
    """Register the dump and its folders (idempotent), then run the ingest stage for it.

    Starting the same command again after a crash resumes: registration is found unchanged and
    the stage, whose output was never committed, runs again from the start of the dump.
    """
    if not dump.is_file():
        raise InputError(f"dump {dump} is not a file", "give the path of the .sql or .sql.gz file")
    for label, folder in (("--files", files), ("--avatars", avatars)):
        if folder is not None and not folder.is_dir():
            raise InputError(f"{label} {folder} is not a folder")
    name = source or source_name_for(dump)
    roots = {"dump": dump}
    if files is not None:
        roots["attachment"] = files
    if avatars is not None:
        roots["avatar"] = avatars
    register_source(case, name, "phpbb", roots, {"prefix": prefix}, progress)
    (summary,) = run_pipeline(case, only=["ingest"], targets=[name], progress=progress)
    return summary
