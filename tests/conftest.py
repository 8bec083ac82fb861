"""Shared fixtures: a case on every operations backend, and small synthetic forums.

PostgreSQL is not optional: when it cannot be reached the tests that need it fail, they are
never skipped. Each test gets a throwaway PostgreSQL database, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import settings

from rescue.case import Case, init_case, open_case

if TYPE_CHECKING:
    from rescue.synth import SynthResult

# Property tests draw the same examples on every run, so CI is repeatable: a red run always
# means a change broke something. HYPOTHESIS_PROFILE=explore draws new examples, for hunting.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

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


@pytest.fixture(scope="session")
def full_case(small_forum: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """``small_forum`` with its known-hash list, every stage run; treat as read-only."""
    from rescue.ingest.register import ingest_phpbb
    from rescue.media.hashset_stage import import_hash_set
    from rescue.pipeline import run_pipeline

    c = init_case(tmp_path_factory.mktemp("full") / "case", name="Synthetic operation")
    ingest_phpbb(c, small_forum.dump_path, files=small_forum.files_dir,
                 avatars=small_forum.avatars_dir, source="forum")  # fmt: skip
    import_hash_set(c, small_forum.known_hashes_path, name="known")
    run_pipeline(c)
    yield c
    c.close()


@pytest.fixture(scope="session")
def built_case_dir(full_case: Case, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``full_case`` copied, with one country's referral package built and sent."""
    from rescue.identity.reports import identity_summary
    from rescue.operation.package import build_packages
    from rescue.operation.referrals import mark_referral
    from rescue.operation.sign import generate_signing_key

    root = tmp_path_factory.mktemp("webcase") / "case"
    shutil.copytree(full_case.root, root)
    case = open_case(root)
    try:
        generate_signing_key(case)
        top = identity_summary(case)["countries"][0]["country"]
        for package in build_packages(case, countries=[top], created_by="test desk"):
            mark_referral(case, package.referral_id, "sent")
    finally:
        case.close()
    return root


@pytest.fixture
def web_case(built_case_dir: Path, tmp_path: Path) -> Iterator[Case]:
    """A private copy of the run case (lake, ops.db and all)."""
    target = tmp_path / "case"
    shutil.copytree(built_case_dir, target)
    case = open_case(target)
    yield case
    case.close()
