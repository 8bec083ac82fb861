"""A real mysqldump: the synthetic forum is loaded into the MariaDB server on this machine and
dumped again with MariaDB's own `mariadb-dump`, then ingested. Every row must be accounted for
and the values must equal what the server holds. MariaDB missing is a failure, not a skip."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.synth import SynthResult
from tests.lakehelp import ingest, rows

MARIADB = ["mariadb", "-uroot", "-h127.0.0.1", "--default-character-set=utf8mb4"]
pytestmark = pytest.mark.slow


def sql(query: str, database: str | None = None) -> list[list[str]]:
    cmd = [*MARIADB, "-N", "-B", "-e", query] + ([database] if database else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


@pytest.fixture(scope="module")
def server_db(small_forum: SynthResult) -> Iterator[str]:
    name = f"rescue_fx_{uuid.uuid4().hex[:10]}"
    sql(f"CREATE DATABASE {name}")
    try:
        with small_forum.dump_path.open("rb") as dump:
            subprocess.run([*MARIADB, name], stdin=dump, check=True, capture_output=True)
        yield name
    finally:
        sql(f"DROP DATABASE IF EXISTS {name}")


DUMP_MODES = {
    "default": [],
    "one-row-inserts": ["--skip-extended-insert", "--complete-insert", "--hex-blob"],
}


@pytest.fixture(params=list(DUMP_MODES))
def real_dump(request: pytest.FixtureRequest, server_db: str, tmp_path: Path) -> Path:
    out = tmp_path / f"mariadb-{request.param}.sql"
    with out.open("wb") as handle:
        subprocess.run(
            ["mariadb-dump", "-uroot", "-h127.0.0.1", *DUMP_MODES[request.param], server_db],
            stdout=handle,
            check=True,
        )
    return out


def test_mariadb_dump_imports_with_every_row_accounted_for(
    sqlite_case: Case, real_dump: Path, server_db: str, small_forum: SynthResult
) -> None:
    summary = ingest(sqlite_case, real_dump, small_forum.files_dir, small_forum.avatars_dir)
    assert summary.status == "ok"
    stats = {r["table_name"]: r for r in rows(sqlite_case, "SELECT * FROM source_tables")}
    server_tables = [t for (t,) in sql("SHOW TABLES", server_db)]
    assert server_tables
    for table in server_tables:
        (count,) = sql(f"SELECT COUNT(*) FROM `{table}`", server_db)[0]
        if int(count) == 0:
            continue
        got = stats[table]
        assert got["rows_read"] == int(count), table
        assert got["rows_loaded"] == int(count), table  # nothing in a clean dump is rejected
    skipped = [r for r in rows(sqlite_case, "SELECT * FROM rejects") if r["action"] == "skipped"]
    assert skipped == []


def test_values_equal_what_the_server_holds(
    sqlite_case: Case, real_dump: Path, server_db: str, small_forum: SynthResult
) -> None:
    ingest(sqlite_case, real_dump, small_forum.files_dir, small_forum.avatars_dir)
    server_posts = sql(
        "SELECT post_id, poster_id, poster_ip, post_time, post_subject FROM phpbb_posts "
        "ORDER BY post_id",
        server_db,
    )
    lake_posts = rows(
        sqlite_case,
        "SELECT post_id, poster_id, poster_ip, epoch(posted_at)::BIGINT AS t, subject "
        "FROM posts ORDER BY post_id",
    )
    assert len(server_posts) == len(lake_posts)
    for s, mine in zip(server_posts, lake_posts, strict=True):
        assert [int(s[0]), int(s[1]), s[2], int(s[3]), s[4]] == list(mine.values())
    server_users = sql(
        "SELECT user_id, username, user_email, user_timezone FROM phpbb_users ORDER BY user_id",
        server_db,
    )
    lake_users = rows(
        sqlite_case,
        "SELECT user_id, username, coalesce(email, '') AS e, coalesce(timezone, '') AS tz "
        "FROM accounts ORDER BY user_id",
    )
    assert [[int(u[0]), *u[1:]] for u in server_users] == [list(u.values()) for u in lake_users]


def test_latin1_table_through_mariadb_is_repaired_like_the_original(
    sqlite_case: Case, real_dump: Path, small_forum: SynthResult
) -> None:
    ingest(sqlite_case, real_dump, small_forum.files_dir, source="via_mariadb")
    ingest(sqlite_case, small_forum.dump_path, small_forum.files_dir, source="original")
    query = "SELECT user_id, field, value FROM profile_values WHERE source = ? ORDER BY ALL"
    via = rows(sqlite_case, query, ["via_mariadb"])
    original = rows(sqlite_case, query, ["original"])
    assert via and via == original
