"""Opening the operations database: SQLite in the case folder, or a shared PostgreSQL.

The schema is owned by Alembic (``rescue/ops/migrations``); opening a store upgrades it to the
newest revision, so a case made by an older Rescue keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from rescue.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
POOL_SIZE = 24


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while a pipeline run writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Store:
    """The operations database of one case."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _connect(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there already)."""
        if self.revision() == self.head():
            return
        from alembic import command

        command.upgrade(_alembic_config(self.engine), "head")

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config(self.engine)).get_current_head()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on an exception."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _connect(url: str) -> Engine:
    try:
        # 20 analysts at once is a normal day: a pool smaller than that opens and closes a
        # connection (and, on SQLite, sets its pragmas again) on many requests.
        engine = create_engine(url, future=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)
    except Exception as exc:  # an unknown driver or a malformed URL
        raise StoreError(
            f"cannot use database URL {_redact(url)}: {exc}",
            "use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB",
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise StoreError(
            f"cannot reach the operations database {_redact(url)}: {exc.orig}",
            "check that the server runs and RESCUE_DATABASE_URL is right",
        ) from exc
    return engine


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def open_store(url: str) -> Store:
    store = Store(url)
    store.upgrade()
    return store
