"""The CREATE TABLE templates are exactly what MariaDB prints for the tables they create."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from rescue.ingest.phpbb_schema import (
    KNOWN_TABLES,
    PHPBB_TABLES,
    create_table_sql,
    table_columns,
)

IMPORTED = {
    "users", "groups", "user_group", "forums", "topics", "posts", "privmsgs", "privmsgs_to",
    "attachments", "sessions", "sessions_keys", "login_attempts", "log", "zebra",
    "profile_fields", "profile_fields_data", "banlist", "config",
}  # fmt: skip


def mariadb(sql: str, database: str = "") -> str:
    command = ["mariadb", "-h127.0.0.1", "-uroot", "--batch", "--raw", "--skip-column-names"]
    result = subprocess.run(
        [*command, *([database] if database else [])],
        input=sql,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # A missing server is a failure, never a skip: the load test is the point of the format.
    assert result.returncode == 0, f"MariaDB at 127.0.0.1:3306 failed: {result.stderr}"
    return result.stdout


def test_imported_tables_are_the_documented_ones() -> None:
    assert set(PHPBB_TABLES) == IMPORTED
    assert set(PHPBB_TABLES) < KNOWN_TABLES
    assert {"acl_groups", "bbcodes", "search_wordmatch", "zebra"} <= KNOWN_TABLES


def test_templates_hold_only_the_prefix_placeholder() -> None:
    for table, template in PHPBB_TABLES.items():
        assert template.startswith("CREATE TABLE `{prefix}" + table + "` (\n")
        assert template.format(prefix="phpbb_") == create_table_sql(table)
        assert template.endswith(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin;")


def test_options_change_prefix_charset_and_auto_increment() -> None:
    sql = create_table_sql("users", prefix="forum_", charset="latin1", auto_increment=42)
    assert sql.startswith("CREATE TABLE `forum_users` (")
    assert sql.endswith(
        ") ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;"
    )
    with pytest.raises(KeyError):
        create_table_sql("acl_groups")
    with pytest.raises(ValueError):
        create_table_sql("users", charset="koi8r")


def test_real_phpbb_33_columns() -> None:
    users = {c.name for c in table_columns("users")}
    assert {"user_last_active", "reset_token", "user_actkey_expiration"} <= users
    assert "user_email_hash" not in users  # dropped by v330/remove_email_hash
    pf = [c.name for c in table_columns("profile_fields_data")]
    assert {"pf_phpbb_location", "pf_phpbb_occupation", "pf_phpbb_interests",
            "pf_phpbb_website", "pf_phpbb_facebook", "pf_phpbb_twitter",
            "pf_phpbb_youtube"} <= set(pf)  # fmt: skip
    assert "pf_phpbb_wlm" not in pf and "pf_phpbb_googleplus" not in pf
    assert "KEY `tid_post_time` (`topic_id`,`post_time`)" in PHPBB_TABLES["posts"]


def test_mariadb_prints_the_same_create_table() -> None:
    database = f"rescue_schema_{uuid.uuid4().hex[:12]}"
    mariadb(f"CREATE DATABASE `{database}`;")
    try:
        statements = [create_table_sql(t, charset="latin1" if t == "config" else "utf8mb3")
                      for t in sorted(PHPBB_TABLES)]  # fmt: skip
        mariadb("\n".join(statements), database)
        for table in sorted(PHPBB_TABLES):
            shown = mariadb(f"SHOW CREATE TABLE phpbb_{table};", database)
            printed = shown.split("\t", 1)[1].rstrip("\n") + ";"
            charset = "latin1" if table == "config" else "utf8mb3"
            assert printed == create_table_sql(table, charset=charset), table
    finally:
        mariadb(f"DROP DATABASE `{database}`;")
