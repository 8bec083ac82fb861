"""The ingest stage: each registered forum source becomes the lake's forum tables."""

from __future__ import annotations

from typing import Any, ClassVar

from rescue.case import Case
from rescue.errors import CaseError
from rescue.evidence import SourceEvidence, check_unchanged, list_sources, load_source
from rescue.ingest.phpbb import PhpbbImporter
from rescue.lake.schemas import SCHEMAS
from rescue.stage import StageContext, fingerprint

OUTPUTS = (
    "accounts",
    "groups",
    "memberships",
    "forums",
    "topics",
    "posts",
    "messages",
    "message_recipients",
    "attachments",
    "files",
    "sessions",
    "session_keys",
    "login_attempts",
    "logs",
    "contacts",
    "profile_fields",
    "profile_values",
    "bans",
    "board_config",
    "source_tables",
)
assert set(OUTPUTS) <= set(SCHEMAS)

FORMATS = ("phpbb",)


class IngestStage:
    name: ClassVar[str] = "ingest"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = OUTPUTS

    def targets(self, case: Case) -> list[str]:
        return [s.name for s in list_sources(case, with_files=False) if s.kind in FORMATS]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        source = self._source(case, target)
        return {"format": source.kind, "prefix": source.params.get("prefix")}

    def input_fingerprint(self, case: Case, target: str) -> str:
        source = self._source(case, target)
        check_unchanged(source)
        return fingerprint(sorted((f.role, f.relpath, f.sha256) for f in source.files))

    def run(self, ctx: StageContext) -> None:
        source = self._source(ctx.case, ctx.target)
        PhpbbImporter(ctx, source, source.params.get("prefix")).run()

    def __init__(self) -> None:
        # One pipeline run asks for a source several times; its file list can be long.
        self._sources: dict[tuple[str, str], SourceEvidence] = {}

    def _source(self, case: Case, name: str) -> SourceEvidence:
        key = (case.info.id, name)
        if key not in self._sources:
            source = load_source(case, name)
            if source is None:
                raise CaseError(f"no source named {name!r} in this case")
            self._sources[key] = source
        return self._sources[key]
