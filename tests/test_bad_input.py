"""Bad input: each defect is a reject naming the table and line, and the import goes on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.pipeline import list_runs
from rescue.synth import SynthResult
from tests.lakehelp import ingest, rejects, rows, scalar


def _lines(dump: Path) -> list[bytes]:
    return dump.read_bytes().splitlines(keepends=True)


def _insert_after_table(lines: list[bytes], table: bytes, extra: bytes) -> tuple[list[bytes], int]:
    """Put ``extra`` right after the last INSERT into ``table``; return lines and its line no."""
    last = max(i for i, line in enumerate(lines) if line.startswith(b"INSERT INTO `" + table))
    return [*lines[: last + 1], extra, *lines[last + 1 :]], last + 2


def _ingest_with_extra(case: Case, forum: SynthResult, table: bytes, extra: bytes) -> int:
    """Ingest the forum with ``extra`` put after ``table``'s last INSERT; return its line."""
    lines, lineno = _insert_after_table(_lines(forum.dump_path), table, extra)
    forum.dump_path.write_bytes(b"".join(lines))
    ingest(case, forum.dump_path, forum.files_dir)
    return lineno


@pytest.fixture
def forum_copy(small_forum: SynthResult, tmp_path: Path) -> SynthResult:
    """A private copy the test may damage."""
    out = tmp_path / "forum"
    shutil.copytree(small_forum.out_dir, out)
    return SynthResult(
        out_dir=out,
        dump_path=out / small_forum.dump_path.name,
        files_dir=out / "files",
        avatars_dir=out / "avatars",
        known_hashes_path=out / "known_hashes.csv",
        ground_truth_path=out / "ground_truth.json",
        counts=small_forum.counts,
    )


def test_truncated_dump_keeps_what_came_before(sqlite_case: Case, forum_copy: SynthResult) -> None:
    data = forum_copy.dump_path.read_bytes()
    cut = data.index(b"INSERT INTO `phpbb_posts`") + 5000  # in the middle of a posts statement
    forum_copy.dump_path.write_bytes(data[:cut])
    summary = ingest(sqlite_case, forum_copy.dump_path, forum_copy.files_dir)
    assert summary.status == "ok"
    truncated = rejects(sqlite_case, "dump truncated")
    assert len(truncated) == 1 and truncated[0]["line"] > 0
    assert "phpbb_posts" in (truncated[0]["table_name"] or "")
    assert rejects(sqlite_case, "dump not completed")
    assert scalar(sqlite_case, "SELECT count(*) FROM posts") > 0
    # Tables dumped before the cut are complete (mysqldump writes them in name order).
    assert scalar(sqlite_case, "SELECT count(*) FROM forums") == forum_copy.counts["forums"]
    assert scalar(sqlite_case, "SELECT count(*) FROM logs") == forum_copy.counts["log"]


def test_row_with_wrong_column_count(sqlite_case: Case, forum_copy: SynthResult) -> None:
    lineno = _ingest_with_extra(
        sqlite_case,
        forum_copy,
        b"phpbb_posts",
        b"INSERT INTO `phpbb_posts` VALUES (990001,1,2,3);\n",
    )
    (bad,) = rejects(sqlite_case, "wrong column count")
    assert bad["line"] == lineno and bad["table_name"] == "phpbb_posts"
    assert "4 values for" in bad["detail"] and bad["record"] == "post_id=990001"
    assert scalar(sqlite_case, "SELECT count(*) FROM posts") == forum_copy.counts["posts"]
    stats = rows(sqlite_case, "SELECT * FROM source_tables WHERE phpbb_table = 'posts'")[0]
    assert stats["rows_read"] == forum_copy.counts["posts"] + 1 and stats["rows_rejected"] == 1


def test_unknown_table_is_counted_not_imported(sqlite_case: Case, forum_copy: SynthResult) -> None:
    extra = (
        b"CREATE TABLE `shop_orders` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB;\n"
        b"INSERT INTO `shop_orders` VALUES (1),(2),(3);\n"
    )
    data = forum_copy.dump_path.read_bytes()
    forum_copy.dump_path.write_bytes(data + extra)
    ingest(sqlite_case, forum_copy.dump_path, forum_copy.files_dir)
    (unknown,) = rejects(sqlite_case, "unknown table")
    assert unknown["table_name"] == "shop_orders" and unknown["rows"] == 3
    assert unknown["line"] == data.count(b"\n") + 4
    status = rows(sqlite_case, "SELECT * FROM source_tables WHERE table_name = 'shop_orders'")[0]
    assert (status["status"], status["rows_read"], status["rows_rejected"]) == ("unknown", 3, 3)


def test_invalid_bytes_are_kept_visible_and_reported(
    sqlite_case: Case, forum_copy: SynthResult
) -> None:
    lineno = _ingest_with_extra(
        sqlite_case,
        forum_copy,
        b"phpbb_config",
        b"INSERT INTO `phpbb_config` VALUES ('odd_value','caf\xe9 \xff ok',0);\n",
    )
    (bad,) = rejects(sqlite_case, "invalid bytes")
    assert bad["line"] == lineno and bad["action"] == "repaired"
    value = scalar(sqlite_case, "SELECT value FROM board_config WHERE name = 'odd_value'")
    assert value == "caf\ufffd \ufffd ok"


def test_missing_and_unreferenced_attachment_files(
    sqlite_case: Case, forum_copy: SynthResult
) -> None:
    referenced = sorted(
        p
        for p in forum_copy.files_dir.iterdir()
        if "_" in p.name and not p.name.startswith("thumb_")
    )
    victim = referenced[0]
    victim.unlink()
    (forum_copy.files_dir / "stray_upload.bin").write_bytes(b"no row names me")
    ingest(sqlite_case, forum_copy.dump_path, forum_copy.files_dir)
    missing = {r["record"] for r in rejects(sqlite_case, "attachment file missing")}
    gone = rows(
        sqlite_case, "SELECT attach_id FROM attachments WHERE physical_filename = ?", [victim.name]
    )
    assert {f"attach_id={g['attach_id']}" for g in gone} <= missing
    stray = [
        r
        for r in rejects(sqlite_case, "file without attachment row")
        if r["location"] == "stray_upload.bin"
    ]
    assert len(stray) == 1
    kind = scalar(sqlite_case, "SELECT kind FROM files WHERE file = 'stray_upload.bin'")
    assert kind == "unreferenced"


def test_a_file_that_is_no_dump_is_an_input_error(sqlite_case: Case, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sql"
    bogus.write_text("this is not SQL at all\n")
    with pytest.raises(InputError, match="no phpBB tables"):
        ingest(sqlite_case, bogus)
    (run,) = list_runs(sqlite_case)
    assert run.status == "failed" and "no phpBB tables" in (run.error or "")
    assert sqlite_case.catalog.row_counts() == {}


def test_syntax_error_inside_insert_loses_only_that_statement_tail(
    sqlite_case: Case, forum_copy: SynthResult
) -> None:
    lineno = _ingest_with_extra(
        sqlite_case,
        forum_copy,
        b"phpbb_zebra",
        b"INSERT INTO `phpbb_zebra` VALUES (1,2,1,0),(3,4,@@,0),(5,6,1,0);\n",
    )
    (bad,) = rejects(sqlite_case, "dump syntax")
    assert bad["line"] == lineno and bad["rows"] >= 1
    loaded = scalar(sqlite_case, "SELECT count(*) FROM contacts")
    assert loaded == forum_copy.counts["zebra"] + 1  # the row before the fault is kept
    assert bad["rows"] == 2  # and the two it spoiled are counted
