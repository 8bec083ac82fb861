"""Shared fixtures: a case on every operations backend, and small synthetic forums.

PostgreSQL is not optional: when it cannot be reached the tests that need it fail, they are
never skipped. Each test gets a throwaway PostgreSQL database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from rescue.case import Case, init_case

if TYPE_CHECKING:
    from rescue.synth import SynthResult

PG_ADMIN = os.environ.get("RESCUE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test; its SQLAlchemy URL."""
    name = f"rescue_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ops.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture
def case(store_url: str, tmp_path: Path) -> Iterator[Case]:
    """A new case whose operations database is SQLite or PostgreSQL (each test runs on both)."""
    c = init_case(tmp_path / "case", name="Test operation", database_url=store_url)
    yield c
    c.close()


@pytest.fixture
def sqlite_case(tmp_path: Path) -> Iterator[Case]:
    c = init_case(tmp_path / "case", name="Test operation")
    yield c
    c.close()


@pytest.fixture(scope="session")
def small_forum(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A small synthetic phpBB forum shared by the tests of one worker; treat as read-only."""
    from rescue.synth import SynthConfig, generate

    return generate(
        tmp_path_factory.mktemp("forum"), SynthConfig(members=150, seed=13, posts_per_member=8)
    )


@pytest.fixture(scope="session")
def media_forum(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A small forum rich in attachments: every kind of picture and transform shows up."""
    from rescue.synth import SynthConfig, generate

    return generate(
        tmp_path_factory.mktemp("media-forum"),
        SynthConfig(members=120, seed=23, posts_per_member=6, attachment_rate=0.3),
    )
