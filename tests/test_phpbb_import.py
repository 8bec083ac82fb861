"""Ingesting the synthetic phpBB forum: every row accounted for, structure kept, evidence
untouched. The ops-layer parts run on both SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.synth import SynthResult
from tests.lakehelp import ingest, rejects, rows, scalar

LAKE_TABLE = {
    "users": "accounts",
    "groups": "groups",
    "user_group": "memberships",
    "forums": "forums",
    "topics": "topics",
    "posts": "posts",
    "privmsgs": "messages",
    "privmsgs_to": "message_recipients",
    "attachments": "attachments",
    "sessions": "sessions",
    "sessions_keys": "session_keys",
    "login_attempts": "login_attempts",
    "log": "logs",
    "zebra": "contacts",
    "banlist": "bans",
    "config": "board_config",
    "profile_fields": "profile_fields",
}


def _fingerprints(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def ingested(case: Case, small_forum: SynthResult) -> Case:
    ingest(case, small_forum.dump_path, small_forum.files_dir, small_forum.avatars_dir)
    return case


def test_every_row_of_the_dump_is_accounted_for(ingested: Case, small_forum: SynthResult) -> None:
    stats = {r["phpbb_table"]: r for r in rows(ingested, "SELECT * FROM source_tables")}
    for table, written in small_forum.counts.items():
        got = stats[table]
        assert got["rows_read"] == written, table
        if got["status"] != "imported":
            assert got["status"] == "not needed" and got["rows_rejected"] == 0, table
            continue
        assert got["rows_loaded"] + got["rows_rejected"] == got["rows_read"], table
        if table in LAKE_TABLE:
            lake = scalar(ingested, f"SELECT count(*) FROM {LAKE_TABLE[table]}")
            assert lake == got["rows_loaded"], table
    assert stats["posts"]["rows_rejected"] == 0
    assert stats["users"]["rows_loaded"] == small_forum.counts["users"]


def test_anonymous_and_bots_are_kept_but_not_people(ingested: Case) -> None:
    anon = rows(ingested, "SELECT kind, is_person FROM accounts WHERE user_id = 1")
    assert anon == [{"kind": "anonymous", "is_person": False}]
    bots = rows(ingested, "SELECT username, is_person FROM accounts WHERE kind = 'bot'")
    assert len(bots) >= 10 and not any(b["is_person"] for b in bots)
    members = scalar(ingested, "SELECT count(*) FROM accounts WHERE is_person")
    assert members >= 150


def test_global_ids_carry_the_source(ingested: Case) -> None:
    bad = scalar(
        ingested,
        "SELECT count(*) FROM posts WHERE global_id <> 'forum:' || post_id "
        "OR account_id <> 'forum:' || poster_id OR source <> 'forum'",
    )
    assert bad == 0


def test_post_text_is_plain_and_quotes_are_structure(ingested: Case) -> None:
    marked = scalar(
        ingested,
        r"SELECT count(*) FROM posts WHERE regexp_matches(text, '<[tr]>|</?QUOTE|\[quote|&quot;')",
    )
    assert marked == 0
    quoted = rows(
        ingested,
        "SELECT q.author, q.post_id FROM (SELECT unnest(quotes) AS q FROM posts) LIMIT 50",
    )
    assert quoted, "the synthetic forum quotes other posts"
    authors = {r["author"] for r in rows(ingested, "SELECT username AS author FROM accounts")}
    assert all(q["author"] in authors for q in quoted)


def test_group_roles_and_memberships(ingested: Case) -> None:
    roles = {r["name"]: r["role"] for r in rows(ingested, "SELECT name, role FROM groups")}
    assert roles["ADMINISTRATORS"] == "administrator"
    assert roles["GLOBAL_MODERATORS"] == "moderator"
    admins = scalar(
        ingested,
        "SELECT count(*) FROM memberships m JOIN groups g USING (source, group_id) "
        "WHERE g.role = 'administrator'",
    )
    assert admins >= 1


def test_attachments_are_tied_to_their_files(ingested: Case, small_forum: SynthResult) -> None:
    atts = rows(
        ingested, "SELECT physical_filename, file, file_sha256, file_status FROM attachments"
    )
    assert atts
    for a in atts:
        path = small_forum.files_dir / a["physical_filename"]
        if a["file_status"] == "missing":
            assert not path.exists()
        else:
            assert a["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    truth = json.loads(small_forum.ground_truth_path.read_text())
    anomalies = {a["kind"] for a in truth["anomalies"]}
    assert {"missing_file", "unreferenced_file"} <= anomalies
    missing = rejects(ingested, "attachment file missing")
    assert len(missing) == sum(1 for a in truth["anomalies"] if a["kind"] == "missing_file")
    assert all(r["action"] == "noted" and r["line"] for r in missing)
    unreferenced = rejects(ingested, "file without attachment row")
    assert len(unreferenced) == sum(
        1 for a in truth["anomalies"] if a["kind"] == "unreferenced_file"
    )
    orphaned = "SELECT count(*) FROM files WHERE kind = 'attachment' AND attach_id IS NULL"
    assert scalar(ingested, orphaned) == 0
    kinds = {r["kind"] for r in rows(ingested, "SELECT DISTINCT kind FROM files")}
    assert {"attachment", "avatar", "unreferenced"} <= kinds


def test_avatars_are_matched_to_accounts(ingested: Case, small_forum: SynthResult) -> None:
    with_avatar = rows(
        ingested, "SELECT user_id, avatar_file FROM accounts WHERE avatar_file IS NOT NULL"
    )
    assert with_avatar
    for row in with_avatar:
        assert (small_forum.avatars_dir / row["avatar_file"]).is_file()
        assert row["avatar_file"].rsplit("_", 1)[1].split(".")[0] == str(row["user_id"])


def test_latin1_mojibake_is_repaired(ingested: Case) -> None:
    stats = rows(ingested, "SELECT * FROM source_tables WHERE phpbb_table = 'profile_fields_data'")[
        0
    ]
    assert stats["charset"] == "latin1"
    assert stats["rows_repaired"] > 0
    assert scalar(ingested, "SELECT count(*) FROM profile_values WHERE value LIKE '%Ã%'") == 0
    accented = scalar(
        ingested, "SELECT count(*) FROM profile_values WHERE regexp_matches(value, '[éèüöäåøñç]')"
    )
    assert accented > 0


def test_evidence_is_never_modified(case: Case, small_forum: SynthResult) -> None:
    before = _fingerprints(small_forum.out_dir)
    ingest(case, small_forum.dump_path, small_forum.files_dir, small_forum.avatars_dir)
    assert _fingerprints(small_forum.out_dir) == before


def test_compressed_dump_gives_the_same_tables(
    case: Case, small_forum: SynthResult, tmp_path: Path
) -> None:
    packed = tmp_path / "forum.sql.gz"
    with small_forum.dump_path.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    ingest(case, packed, small_forum.files_dir, small_forum.avatars_dir, source="packed")
    ingest(
        case, small_forum.dump_path, small_forum.files_dir, small_forum.avatars_dir, source="plain"
    )
    for table in ("accounts", "posts", "messages", "attachments", "logs"):
        a = rows(case, f"SELECT * EXCLUDE (source) FROM {table} WHERE source='packed' ORDER BY ALL")
        b = rows(case, f"SELECT * EXCLUDE (source) FROM {table} WHERE source='plain' ORDER BY ALL")
        if "global_id" in (a[0] if a else {}):
            for r in a + b:
                r.pop("global_id"), r.pop("account_id", None)
        if table == "accounts":
            for r in a + b:
                r.pop("account_id")
        assert a == b, table


def test_second_ingest_of_same_source_is_up_to_date(case: Case, small_forum: SynthResult) -> None:
    first = ingest(case, small_forum.dump_path, small_forum.files_dir, small_forum.avatars_dir)
    again = ingest(case, small_forum.dump_path, small_forum.files_dir, small_forum.avatars_dir)
    assert (first.status, again.status) == ("ok", "skipped")
