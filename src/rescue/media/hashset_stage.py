"""The hashsets stage: each registered list of known hashes becomes rows of ``known_hashes``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from rescue.case import Case
from rescue.errors import CaseError, InputError
from rescue.evidence import (
    SourceEvidence,
    check_unchanged,
    list_sources,
    load_source,
    register_source,
)
from rescue.media.hashsets import BadRecord, read_hash_set
from rescue.pipeline import RunSummary, run_pipeline
from rescue.progress import NO_PROGRESS, Progress
from rescue.stage import StageContext, fingerprint

KIND = "hashset"
BATCH = 50_000


class HashSetStage:
    name: ClassVar[str] = "hashsets"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ("known_hashes",)

    def targets(self, case: Case) -> list[str]:
        return [s.name for s in list_sources(case, with_files=False) if s.kind == KIND]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        source = _source(case, target)
        return {"format": source.params.get("format"), "hash_type": source.params.get("hash_type")}

    def input_fingerprint(self, case: Case, target: str) -> str:
        source = _source(case, target)
        check_unchanged(source, roles=("hash_set",))
        return fingerprint([f.sha256 for f in source.files])

    def run(self, ctx: StageContext) -> None:
        source = _source(ctx.case, ctx.target)
        (registered,) = source.by_role("hash_set")
        writer = ctx.writer("known_hashes")
        batch: list[dict[str, Any]] = []
        good = 0
        records = read_hash_set(
            registered.path, source.params.get("format"), source.params.get("hash_type")
        )
        unit = "record" if source.params.get("format") == "vics" else "line"
        for number, record in enumerate(records, start=1):
            if isinstance(record, BadRecord):
                ctx.reject(
                    "malformed hash record",
                    f"{registered.path.name}, {unit} {record.line}: {record.reason}",
                    location=registered.path.name,
                    line=record.line,
                )
                continue
            good += 1
            batch.append({"source": ctx.target, "line": number, **asdict(record)})
            if len(batch) >= BATCH:
                writer.write_rows(batch)
                batch = []
        writer.write_rows(batch)
        if good == 0:
            raise InputError(
                f"{registered.path}: no valid hash in the file",
                "check its format: a CSV with a header, one hash a line, or VICS JSON",
            )
        ctx.counts["hashes"] = good


def _source(case: Case, name: str) -> SourceEvidence:
    source = load_source(case, name)
    if source is None or source.kind != KIND:
        raise CaseError(f"no hash set named {name!r} in this case", "see: rescue hashes list")
    return source


def import_hash_set(
    case: Case,
    path: Path,
    *,
    name: str | None = None,
    fmt: str | None = None,
    hash_type: str | None = None,
    origin: str = "",
    progress: Progress = NO_PROGRESS,
) -> RunSummary:
    """Register a hash set file (read-only, SHA-256 recorded) and load it into the lake."""
    if not path.is_file():
        raise InputError(f"hash set {path} is not a file")
    from rescue.media.hashsets import detect_format

    params = {"format": fmt or detect_format(path), "hash_type": hash_type, "origin": origin}
    set_name = name or path.stem
    register_source(case, set_name, KIND, {"hash_set": path}, params, progress)
    (summary,) = run_pipeline(case, only=["hashsets"], targets=[set_name], progress=progress)
    return summary


def export_hash_set(case: Case, name: str, out: Path) -> int:
    """Write one hash set of the case as VICS 2.0 JSON."""
    from rescue.media.hashsets import KnownHash, write_vics

    _source(case, name)
    engine = case.engine()
    try:
        rows = engine.query(
            "SELECT known_id, md5, sha1, sha256, pdq, category FROM known_hashes "
            "WHERE source = ? ORDER BY line",
            [name],
        ).to_pylist()
    finally:
        engine.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        return write_vics((KnownHash(**r) for r in rows), handle)
