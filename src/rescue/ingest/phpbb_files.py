"""Tying the files of a seized board to the rows that name them.

phpBB keeps attachments in files/ under random physical names (plus "thumb_" thumbnails) and
uploaded avatars as "{avatar_salt}_{user_id}.{ext}". Every registered file becomes a row of the
lake's ``files`` table with what it is: an attachment, its thumbnail, an avatar, one of phpBB's
own files, or a file no row points to (kept: it is evidence too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from rescue.evidence import SourceEvidence
from rescue.ingest.phpbb_tables import MapContext

BOARD_FILES = {"index.htm", "index.html", ".htaccess"}  # phpBB ships these in files/
_AVATAR_NAME = re.compile(r"(?:^|_)(g?)(\d+)\.[A-Za-z0-9]+$")


def avatar_files(source: SourceEvidence) -> dict[int, str]:
    """user_id -> avatar file; group avatars (a "g" before the id) belong to no account."""
    found = {}
    for f in source.by_role("avatar"):
        match = _AVATAR_NAME.search(PurePosixPath(f.relpath).name)
        if match and not match.group(1):
            found[int(match.group(2))] = f.relpath
    return found


def file_rows(
    source: SourceEvidence, ctx: MapContext, unreferenced: Callable[[str], None]
) -> list[dict[str, Any]]:
    """One row per registered file; ``unreferenced`` is told of each file no row names."""
    rows: list[dict[str, Any]] = []
    for f in source.by_role("attachment"):
        base = PurePosixPath(f.relpath).name
        attach_id = ctx.referenced.get(f.relpath)
        if attach_id is not None:
            kind = "thumbnail" if base.startswith("thumb_") else "attachment"
        elif base in BOARD_FILES:
            kind = "board"
        else:
            kind = "unreferenced"
            unreferenced(f.relpath)
        rows.append(_row("attachment", f.relpath, f.size, f.sha256, kind, attach_id, None))
    users = {path: uid for uid, path in ctx.avatar_files.items()}
    for f in source.by_role("avatar"):
        rows.append(
            _row("avatar", f.relpath, f.size, f.sha256, "avatar", None, users.get(f.relpath))
        )
    return rows


def _row(
    role: str,
    file: str,
    size: int,
    sha256: str,
    kind: str,
    attach_id: int | None,
    user_id: int | None,
) -> dict[str, Any]:
    return {
        "role": role,
        "file": file,
        "size": size,
        "sha256": sha256,
        "kind": kind,
        "attach_id": attach_id,
        "user_id": user_id,
    }
