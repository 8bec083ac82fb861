"""The dump is real mysqldump output: it loads into MariaDB unchanged, with the counted rows."""

from __future__ import annotations

import uuid

from test_schema import mariadb

from rescue.synth import SynthResult


def test_dump_loads_into_a_fresh_mariadb_database(forum: SynthResult) -> None:
    database = f"rescue_synth_{uuid.uuid4().hex[:12]}"
    mariadb(f"CREATE DATABASE `{database}`;")
    try:
        mariadb(forum.dump_path.read_text(encoding="utf-8"), database)
        for table, expected in forum.counts.items():
            found = mariadb(f"SELECT COUNT(*) FROM phpbb_{table};", database)
            assert int(found) == expected, table
        # The latin1 table holds the original UTF-8 bytes, as a badly migrated board does.
        raw = mariadb(
            "SELECT HEX(pf_phpbb_location) FROM phpbb_profile_fields_data "
            "WHERE pf_phpbb_location LIKE '%Ã%' LIMIT 1;",
            database,
        ).strip()
        assert raw, "expected a non-ASCII location"
        assert bytes.fromhex(raw).decode("utf-8").isprintable()
    finally:
        mariadb(f"DROP DATABASE `{database}`;")
