"""A case: one operation's folder.

CASE_DIR/
  case.toml     name, authority, creation time, the operations database URL
  evidence/     copies of sources taken into the case (registered sources may also stay
                where they are; either way they are read-only and their SHA-256 recorded)
  lake/         the evidence lake: Parquet tables and their catalog
  exports/      what leaves the case (referral packages, exports)
  cache/        the web app's read model, rebuilt from the lake whenever it is missing or stale
  ops.db        the operations database, unless RESCUE_DATABASE_URL names a shared one
"""

from __future__ import annotations

import os
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from rescue.errors import CaseError, PipelineError
from rescue.lake.catalog import Catalog
from rescue.ops.db import Store, open_store

if TYPE_CHECKING:
    from rescue.engine.duckdb_engine import DuckDBEngine

DATABASE_ENV = "RESCUE_DATABASE_URL"
CASE_FILE = "case.toml"
SUBDIRS = ("evidence", "lake", "exports")
# Written into a new case.toml so an agency sees, and can change, what each stage uses.
DEFAULT_SETTINGS: dict[str, Any] = {
    "match": {"threshold": 31, "min_quality": 50},
    "geo": {"source": "geoip2fast"},
    "link": {
        "threshold_probability": 0.9,
        "deterministic_recall": 0.6,
        "max_accounts_per_ip": 8,
        "max_accounts_per_hard_id": 3,
        "min_posts_for_rhythm": 5,
    },
}


@dataclass(frozen=True)
class CaseInfo:
    id: str
    name: str
    authority: str
    created: str


class Case:
    def __init__(
        self,
        root: Path,
        info: CaseInfo,
        database_url: str,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.info = info
        self.database_url = database_url
        self._settings = settings or {}

    def settings(self, section: str) -> dict[str, Any]:
        """A stage's settings from ``[section]`` of case.toml (empty when absent)."""
        value = self._settings.get(section, {})
        if not isinstance(value, dict):
            raise CaseError(f"[{section}] in {self.root / CASE_FILE} is not a table of settings")
        return value

    @property
    def lake_dir(self) -> Path:
        return self.root / "lake"

    @property
    def evidence_dir(self) -> Path:
        return self.root / "evidence"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @cached_property
    def store(self) -> Store:
        return open_store(self.database_url)

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.lake_dir)

    def require_table(self, table: str) -> None:
        """Fail with what to do next when a stage's output is not in the lake yet."""
        if table not in self.catalog.load().tables:
            raise PipelineError(
                f"the case has no {table} table yet",
                "ingest a forum and run the stages: rescue run --case CASE_DIR",
            )

    def engine(self) -> DuckDBEngine:
        from rescue.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(self.catalog)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _default_url(root: Path) -> str:
    return f"sqlite:///{(root / 'ops.db').resolve()}"


def init_case(
    root: Path, *, name: str | None = None, authority: str = "", database_url: str | None = None
) -> Case:
    """Create a case folder and its operations database."""
    if (root / CASE_FILE).exists():
        raise CaseError(f"{root} is a case already", "open it with --case, or choose a new folder")
    if root.exists() and any(root.iterdir()):
        raise CaseError(f"{root} exists and is not empty", "choose a new or empty folder")
    url = database_url or os.environ.get(DATABASE_ENV) or _default_url(root)
    info = CaseInfo(
        id=uuid.uuid4().hex,
        name=name or root.name,
        authority=authority,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    root.mkdir(parents=True, exist_ok=True)
    for sub in SUBDIRS:
        (root / sub).mkdir(exist_ok=True)
    doc: dict[str, Any] = {"case": vars(info), **DEFAULT_SETTINGS}
    # Only an explicit URL is written down: the default follows the folder if it moves, and a
    # URL from the environment may carry credentials and is supplied again on every open.
    if database_url is not None:
        doc["database"] = {"url": database_url}
    case = Case(root, info, url, {k: dict(v) for k, v in DEFAULT_SETTINGS.items()})
    case.store  # noqa: B018 - create and migrate the database now, so init fails loudly
    (root / CASE_FILE).write_text(tomli_w.dumps(doc), encoding="utf-8")
    return case


def open_case(root: Path) -> Case:
    path = root / CASE_FILE
    if not path.exists():
        raise CaseError(
            f"no case at {root} ({CASE_FILE} not found)",
            "create one with: rescue case init CASE_DIR --name NAME",
        )
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        info = CaseInfo(**doc["case"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise CaseError(f"{path} is not a valid case file: {exc}") from exc
    url = os.environ.get(DATABASE_ENV) or doc.get("database", {}).get("url") or _default_url(root)
    settings = {k: v for k, v in doc.items() if k not in ("case", "database")}
    return Case(root.resolve(), info, url, settings)
