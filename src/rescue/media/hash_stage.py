"""The hash stage: every attachment and avatar file of a source, hashed by content.

Crypto hashes for exact copies; PDQ (with its eight orientations) for images, so resized,
re-encoded, cropped, rotated or mirrored copies can still be recognised. Nothing is displayed
and no pixels are kept. Identical files (the same SHA-256 at registration) are hashed once.

Hashing is the slow part of a case, so it is resumable below the stage: results go to an
append-only cache keyed by the registered SHA-256, flushed as they come in. A run that is
killed keeps what it had flushed, and the next run hashes only the rest.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rescue.case import Case
from rescue.errors import CaseError
from rescue.evidence import SourceEvidence, load_source
from rescue.stage import StageContext, fingerprint

if TYPE_CHECKING:
    from rescue.media.hashing import FileHashes

ROLES = ("attachment", "avatar")
FLUSH_EVERY = 200


class HashCache:
    """sha256 -> hashing result, as JSON lines; a torn last line (a kill mid-write) is skipped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, dict[str, Any]] = {}
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        item = json.loads(line)
                    except ValueError:
                        continue
                    self.known[item["key"]] = item["result"]
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = path.open("a", encoding="utf-8")
        if self._out.tell() and not _ends_with_newline(path):
            self._out.write("\n")  # close a torn line so the next record starts clean
        self._pending = 0

    def add(self, key: str, result: dict[str, Any]) -> None:
        self.known[key] = result
        self._out.write(json.dumps({"key": key, "result": result}) + "\n")
        self._pending += 1
        if self._pending >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        self._out.flush()
        os.fsync(self._out.fileno())
        self._pending = 0

    def close(self) -> None:
        self.flush()
        self._out.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _as_dict(h: FileHashes) -> dict[str, Any]:
    return {
        "size": h.size,
        "md5": h.md5,
        "sha1": h.sha1,
        "sha256": h.sha256,
        "media_type": h.media_type,
        "format": h.format,
        "width": h.width,
        "height": h.height,
        "pdq": h.pdq.hash if h.pdq else None,
        "pdq_quality": h.pdq.quality if h.pdq else None,
        "pdq_dihedral": list(h.pdq.dihedral) if h.pdq else None,
        "vpdq": [
            {"frame": f.frame, "seconds": f.seconds, "pdq": f.hash, "quality": f.quality}
            for f in h.vpdq.frames
        ]
        if h.vpdq
        else None,
        "error": h.error,
    }


class HashStage:
    name: ClassVar[str] = "hash"
    version: ClassVar[str] = "2"
    inputs: ClassVar[tuple[str, ...]] = ("files",)
    outputs: ClassVar[tuple[str, ...]] = ("media_hashes",)

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def targets(self, case: Case) -> list[str]:
        return sorted(case.catalog.load().tables.get("files", {}))

    def params(self, case: Case, target: str) -> dict[str, Any]:
        from rescue.media.decode import DEFAULT_LIMITS

        return {"limits": repr(DEFAULT_LIMITS)}

    def input_fingerprint(self, case: Case, target: str) -> str:
        part = case.catalog.load().tables["files"][target]
        return fingerprint(part.file)

    def run(self, ctx: StageContext) -> None:
        case = ctx.case
        source = load_source(case, ctx.target)
        if source is None:
            raise CaseError(f"no source named {ctx.target!r}")
        engine = case.engine()
        try:
            files = engine.query(
                "SELECT role, file, sha256 FROM files WHERE source = ? AND role IN (?, ?) "
                "ORDER BY role, file",
                [ctx.target, *ROLES],
            ).to_pylist()
        finally:
            engine.close()
        roots = _roots(source)
        from rescue.media.hashing import hash_files  # numpy, Pillow, pdqhash: only when hashing

        cache = HashCache(case.lake_dir / "cache" / f"hash-v{self.version}-{ctx.target}.jsonl")
        try:
            todo = sorted(
                {f["sha256"]: f for f in files if f["sha256"] not in cache.known}.values(),
                key=lambda f: (f["role"], f["file"]),
            )
            task = ctx.progress.task(f"Hashing {ctx.target}", len(todo))
            paths = [roots[f["role"]] / f["file"] for f in todo]
            for index, hashed in hash_files(paths, workers=self.workers):
                cache.add(todo[index]["sha256"], _as_dict(hashed))
                task.advance()
        finally:
            cache.close()
        rows = []
        for f in files:
            result = cache.known[f["sha256"]]
            rows.append({"source": ctx.target, "role": f["role"], "file": f["file"], **result})
            self._check(ctx, f, result)
        ctx.writer("media_hashes").write_rows(rows)
        ctx.counts["files"] = len(rows)
        ctx.counts["hashed"] = len(todo)
        ctx.counts["images"] = sum(1 for r in rows if r["pdq"])

    @staticmethod
    def _check(ctx: StageContext, f: dict[str, Any], result: dict[str, Any]) -> None:
        if result["sha256"] != f["sha256"]:
            ctx.reject(
                "file changed since registration",
                f"{f['role']} file {f['file']}: its SHA-256 is not the one registered",
                location=f["file"],
                action="noted",
            )
        elif result["media_type"] == "other":
            ctx.reject(
                "unsupported file type",
                f"{f['role']} file {f['file']} is neither an image nor a video; crypto hashes kept",
                location=f["file"],
                action="noted",
            )
        elif result["error"]:
            ctx.reject(
                "no perceptual hash",
                f"{f['role']} file {f['file']}: {result['error']}; crypto hashes kept",
                location=f["file"],
                action="noted",
            )


def _roots(source: SourceEvidence) -> dict[str, Path]:
    roots = source.params.get("roots", {})
    return {role: Path(roots[role]) for role in ROLES if role in roots}
