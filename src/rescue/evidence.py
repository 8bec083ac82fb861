"""Registering seized sources as evidence, and checking that they never change.

Registration records each file's path, size and SHA-256 in the operations database before any
stage reads it. Sources are opened read-only and never written; ``verify`` re-hashes every
registered file, and the stage runner refuses to read a file whose size or modification time
moved since registration (the cheap check; ``rescue case verify`` is the thorough one).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from rescue.case import Case
from rescue.errors import CaseError, EvidenceError, InputError
from rescue.ops.models import EvidenceFile, Source
from rescue.progress import NO_PROGRESS, Progress

CHUNK = 4 * 2**20
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


def check_source_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(
            f"source name {name!r} is not usable",
            "use letters, digits, '.', '_' and '-' (at most 120), e.g. --source forum1",
        )
    return name


def sha256_file(path: Path, on_bytes: Callable[[int], None] | None = None) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if on_bytes:
                on_bytes(len(chunk))
    return size, digest.hexdigest()


def walk_files(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, stat) of every regular file below ``root``, in a stable order.

    Links are not followed: evidence is what is in the folder, not what it points to.
    """
    stack = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            items = sorted(entries, key=lambda e: e.name)
        for entry in reversed(items):
            if entry.is_dir(follow_symlinks=False):
                stack.append((prefix + entry.name + "/", entry.path))
        for entry in items:
            if entry.is_file(follow_symlinks=False):
                yield prefix + entry.name, entry.stat(follow_symlinks=False)


@dataclass(frozen=True)
class RegisteredFile:
    role: str
    relpath: str
    path: Path
    size: int
    sha256: str
    mtime_ns: int


@dataclass
class SourceEvidence:
    name: str
    kind: str
    params: dict[str, Any]
    files: list[RegisteredFile] = field(default_factory=list)
    registered_at: datetime | None = None

    def by_role(self, role: str) -> list[RegisteredFile]:
        return [f for f in self.files if f.role == role]

    @property
    def dump(self) -> RegisteredFile:
        return self.by_role("dump")[0]


def _collect(roots: Mapping[str, Path]) -> list[tuple[str, str, Path, os.stat_result]]:
    found = []
    for role, given in roots.items():
        if not given.exists():
            raise InputError(f"{role} path {given} does not exist", "check the path and try again")
        root = given.resolve()
        if root.is_file():
            found.append((role, root.name, root, root.stat()))
            continue
        for relpath, stat in walk_files(root):
            found.append((role, relpath, root / relpath, stat))
    return found


def register_source(
    case: Case,
    name: str,
    kind: str,
    roots: Mapping[str, Path],
    params: Mapping[str, Any],
    progress: Progress = NO_PROGRESS,
) -> SourceEvidence:
    """Record a source and every file under ``roots`` (role -> file or folder).

    Registering the same source again with the same files is a no-op, so an interrupted
    ``rescue ingest`` can simply be started again.
    """
    check_source_name(name)
    existing = load_source(case, name, with_files=False)
    resolved = {role: str(root.resolve()) for role, root in roots.items()}
    wanted = {**params, "roots": resolved}
    if existing is not None:
        if existing.kind != kind or existing.params != wanted:
            raise CaseError(
                f"source {name!r} is registered already with other evidence",
                "choose another name with --source",
            )
        again = load_source(case, name)
        assert again is not None
        return again
    found = _collect(roots)
    task = progress.task(f"Registering {name}: hashing evidence", sum(s.st_size for *_, s in found))
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for role, relpath, path, stat in found:
        size, digest = sha256_file(path, task.advance)
        rows.append(
            {
                "source": name,
                "role": role,
                "relpath": relpath,
                "path": str(path),
                "size": size,
                "sha256": digest,
                "mtime_ns": stat.st_mtime_ns,
                "registered_at": now,
            }
        )
    with case.store.session() as session:
        session.add(Source(name=name, kind=kind, registered_at=now, params=wanted))
        session.flush()
        if rows:  # one executemany: a seized folder can hold a million files
            session.execute(insert(EvidenceFile), rows)
    return SourceEvidence(
        name=name,
        kind=kind,
        params=wanted,
        registered_at=now,
        files=[
            RegisteredFile(
                r["role"], r["relpath"], Path(r["path"]), r["size"], r["sha256"], r["mtime_ns"]
            )
            for r in rows
        ],
    )


def load_source(case: Case, name: str, *, with_files: bool = True) -> SourceEvidence | None:
    with case.store.session() as session:
        source = session.get(Source, name)
        if source is None:
            return None
        evidence = SourceEvidence(
            name=source.name,
            kind=source.kind,
            params=dict(source.params),
            registered_at=source.registered_at,
        )
        if not with_files:
            return evidence
        query = (
            select(
                EvidenceFile.role,
                EvidenceFile.relpath,
                EvidenceFile.path,
                EvidenceFile.size,
                EvidenceFile.sha256,
                EvidenceFile.mtime_ns,
            )
            .where(EvidenceFile.source == name)
            .order_by(EvidenceFile.id)
        )
        evidence.files = [
            RegisteredFile(role, rel, Path(path), size, sha, mtime)
            for role, rel, path, size, sha, mtime in session.execute(query)
        ]
        return evidence


def list_sources(case: Case, *, with_files: bool = True) -> list[SourceEvidence]:
    with case.store.session() as session:
        names = session.scalars(select(Source.name).order_by(Source.registered_at)).all()
    return [s for n in names if (s := load_source(case, n, with_files=with_files)) is not None]


def check_unchanged(source: SourceEvidence, roles: tuple[str, ...] = ("dump",)) -> None:
    """The runner's cheap guard: refuse evidence whose size or mtime moved."""
    for f in source.files:
        if f.role not in roles:
            continue
        try:
            stat = f.path.stat()
        except FileNotFoundError as exc:
            raise EvidenceError(
                f"evidence file {f.path} of source {source.name!r} is missing",
                "restore it, then run: rescue case verify --case CASE_DIR",
            ) from exc
        if stat.st_size != f.size or stat.st_mtime_ns != f.mtime_ns:
            raise EvidenceError(
                f"evidence file {f.path} of source {source.name!r} changed since registration",
                "run: rescue case verify --case CASE_DIR, and restore the original",
            )


@dataclass(frozen=True)
class VerifyProblem:
    source: str
    path: str
    problem: str  # missing | size changed | content changed


@dataclass
class VerifyReport:
    files: int = 0
    bytes: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_case(case: Case, progress: Progress = NO_PROGRESS) -> VerifyReport:
    """Re-hash every registered file and compare with what registration recorded."""
    sources = list_sources(case)
    report = VerifyReport()
    task = progress.task("Verifying evidence", sum(f.size for s in sources for f in s.files))
    for source in sources:
        for f in source.files:
            report.files += 1
            if not f.path.exists():
                report.problems.append(VerifyProblem(source.name, str(f.path), "missing"))
                continue
            size, digest = sha256_file(f.path, task.advance)
            report.bytes += size
            if size != f.size:
                report.problems.append(VerifyProblem(source.name, str(f.path), "size changed"))
            elif digest != f.sha256:
                report.problems.append(VerifyProblem(source.name, str(f.path), "content changed"))
    return report
