"""Tests for the mysqldump stream reader.

Every unit test reads its dump twice: whole, and through a stream that hands out a few bytes
per read, so that each construct is also seen cut at every possible place. The property test
renders random rows with an escaping function of its own (mysqldump's rules, written here
independently of the reader). The server test dumps a real MariaDB in several modes and
compares with what the server holds; MariaDB missing is a failure, never a skip.
"""

from __future__ import annotations

import io
import random
import subprocess
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rescue.ingest.sqldump import (
    ColumnDef,
    DumpProblem,
    DumpReader,
    InsertBatch,
    TableDef,
    Value,
    invalid_bytes,
    to_bytes,
)

Item = TableDef | InsertBatch | DumpProblem


class Trickle(io.RawIOBase):
    """A stream that returns at most `step` bytes per read, like a slow pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._step if size < 0 else min(size, self._step)
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk


def read_all(dump: bytes | str, limit: int = 2**28) -> tuple[list[Item], DumpReader]:
    data = dump.encode() if isinstance(dump, str) else dump
    reader = DumpReader(io.BytesIO(data), max_statement_bytes=limit)
    items = list(reader)
    for step in (1, 2, 3, 7, 64):  # every cut point of every token
        trickled = DumpReader(cast(BinaryIO, Trickle(data, step)), max_statement_bytes=limit)
        assert list(trickled) == items, f"reading {step} bytes at a time differs"
        assert (trickled.lines_read, trickled.completed) == (reader.lines_read, reader.completed)
    return items, reader


def read(dump: bytes | str, limit: int = 2**28) -> list[Item]:
    return read_all(dump, limit)[0]


def rows(dump: bytes | str) -> list[tuple[Value, ...]]:
    items = read(dump)
    assert not [i for i in items if isinstance(i, DumpProblem)]
    return [row for i in items if isinstance(i, InsertBatch) for row in i.rows]


def value(literal: str | bytes) -> Value:
    """The one value of `INSERT INTO t VALUES (<literal>);`."""
    raw = literal.encode() if isinstance(literal, str) else literal
    (row,) = rows(b"INSERT INTO `t` VALUES (" + raw + b");\n")
    (only,) = row
    return only


def problems(items: list[Item]) -> list[DumpProblem]:
    return [i for i in items if isinstance(i, DumpProblem)]


def batches(items: list[Item]) -> list[InsertBatch]:
    return [i for i in items if isinstance(i, InsertBatch)]


# -- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (r"'\0'", "\0"),
        (r"'\''", "'"),
        (r"'\"'", '"'),
        (r"'\b'", "\b"),
        (r"'\n'", "\n"),
        (r"'\r'", "\r"),
        (r"'\t'", "\t"),
        (r"'\Z'", "\x1a"),
        (r"'\\'", "\\"),
        (r"'\%'", "\\%"),  # MySQL keeps the backslash of \% and \_
        (r"'\_'", "\\_"),
        (r"'\q\x\a'", "qxa"),  # any other escaped character is itself
        (r"'\012'", "\x0012"),  # not octal
        ("'a\\\nb'", "a\nb"),  # an escaped raw newline
        (r"'it\'s \\ \"x\" \\\\'", 'it\'s \\ "x" \\\\'),
        (r"'\\\'\\'", "\\'\\"),
        (r"'\\\\\\\'x'", "\\\\\\'x"),  # seven backslashes then a quote: the slow path
        ("'it''s'", "it's"),
        ("''''", "'"),
        ("'a''''b'", "a''b"),
        (r"'x\'''y'", "x''y"),
        ("''", ""),
        ("'   '", "   "),
        ('"double ""quoted"" \\" \'"', 'double "quoted" " \''),
        ("'caf\u00e9 \u6771\u4eac \U0001f600'", "café 東京 😀"),
        ("'semi; colon'", "semi; colon"),
        (
            "'-- not a comment /* nor this */ # nor this'",
            "-- not a comment /* nor this */ # nor this",
        ),
    ],
)
def test_strings_and_escapes(literal: str, expected: str) -> None:
    assert value(literal) == expected


def test_null_is_not_the_string_null() -> None:
    assert rows("INSERT INTO t VALUES (NULL,'NULL',null,'null', NULL );\n") == [
        (None, "NULL", None, "null", None)
    ]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("0", 0),
        ("-17", -17),
        ("+5", 5),
        ("18446744073709551615", 18446744073709551615),
        ("-1.50", -1.5),
        ("0.1", 0.1),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e3", 1000.0),
        ("-2.5E-3", -0.0025),
        ("1.7976931348623157e308", 1.7976931348623157e308),
    ],
)
def test_numbers(literal: str, expected: float) -> None:
    parsed = value(literal)
    assert parsed == expected
    assert type(parsed) is type(expected)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (b"0x00FF1a", b"\x00\xff\x1a"),
        (b"0xABC", b"\x0a\xbc"),  # an odd number of digits has a leading zero
        (b"X'1F2e'", b"\x1f\x2e"),
        (b"x''", b""),
        (b"_binary '\\0\\'\\\\\xff\xfe\\Z'", b"\x00'\\\xff\xfe\x1a"),
        (b"_binary'raw \x80 bytes'", b"raw \x80 bytes"),
        (b"b'0101'", 5),
        (b"B'11111111'", 255),
        (b"b''", 0),
        (b"0b110", 6),
        (b"_utf8mb4'caf\xc3\xa9'", "café"),
        (b"_latin1'caf\xe9'", "café"),
    ],
)
def test_hex_binary_bit_and_introducers(literal: bytes, expected: Value) -> None:
    parsed = value(literal)
    assert parsed == expected
    assert type(parsed) is type(expected)


def test_every_byte_value_survives_binary_and_hex_literals() -> None:
    blob = bytes(range(256))
    escaped = (
        blob.replace(b"\\", b"\\\\").replace(b"'", b"\\'").replace(b"\0", b"\\0")
    )  # mysqldump escapes fewer bytes than it could: the rest go raw
    assert value(b"_binary '" + escaped + b"'") == blob
    assert value(b"0x" + blob.hex().encode()) == blob


def test_whitespace_between_tokens_and_rows_on_their_own_lines() -> None:
    dump = "INSERT INTO t VALUES\n( 1 ,\t'a' )\n,\n(2,'b'),\r\n(3 , NULL)\n;\n"
    assert rows(dump) == [(1, "a"), (2, "b"), (3, None)]


def test_multi_line_string_and_line_numbers() -> None:
    dump = (
        "INSERT INTO t VALUES (1,'first\nsecond;\nINSERT INTO x VALUES (9);\nthird');\n"
        "INSERT INTO t VALUES (2,'after');\n"
    )
    items = read(dump)
    assert [(b.line, b.rows) for b in batches(items)] == [
        (1, [(1, "first\nsecond;\nINSERT INTO x VALUES (9);\nthird")]),
        (5, [(2, "after")]),
    ]


def test_rows_of_different_lengths_are_returned_as_they_are() -> None:
    assert rows("INSERT INTO t VALUES (1),(2,'x'),(3,4,5);\n") == [(1,), (2, "x"), (3, 4, 5)]
    assert rows("INSERT INTO t VALUES (1,2),(3,4),(5);\n") == [(1, 2), (3, 4), (5,)]


def test_columns_of_mixed_kinds() -> None:
    # Rows of one width are converted a column at a time: each column mixes kinds here.
    dump = (
        "INSERT INTO t VALUES (1,'a',NULL,0x41,1.5,'x''y'),(NULL,NULL,'b',_binary 'B',2,''),"
        "(-3,'c\\n',7,X'43',-0.5e1,'\\\\\\\\\\''),(4,'d',NULL,NULL,NULL,b'11');\n"
    )
    assert rows(dump) == [
        (1, "a", None, b"A", 1.5, "x'y"),
        (None, None, "b", b"B", 2, ""),
        (-3, "c\n", 7, b"C", -5.0, "\\\\'"),
        (4, "d", None, None, None, 3),
    ]


def test_a_bad_token_in_a_later_row_is_found_where_it_is() -> None:
    dump = "INSERT INTO t VALUES (1,2),(3,4),(5,12abc),(7,8);\n"
    items = read(dump)
    assert items[0] == InsertBatch("t", None, [(1, 2), (3, 4)], 1, "INSERT")
    problem = items[1]
    assert isinstance(problem, DumpProblem)
    assert (problem.kind, problem.rows_lost) == ("syntax", 2)
    assert problem.reason == "expected ',' or ')' but found 'abc),(7,8);' at line 1, column 39"


# -- statements ----------------------------------------------------------------------------


def test_a_mariadb_dump_with_every_kind_of_statement() -> None:
    sandbox = "/*M!999999\\- enable the sandbox mode */ \n"  # with mariadb-dump's trailing space
    dump = (
        sandbox
        + r"""-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: 127.0.0.1    Database: forum
-- ------------------------------------------------------

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `forum` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
USE `forum`;

--
-- Table structure for table `posts`
--

DROP TABLE IF EXISTS `posts`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `posts` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `body` mediumtext DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

/* a plain comment
   over two lines; with a semicolon */
LOCK TABLES `posts` WRITE;
/*!40000 ALTER TABLE `posts` DISABLE KEYS */;
INSERT INTO `posts` VALUES
(1,'hello'),
(2,'world');
/*!40000 ALTER TABLE `posts` ENABLE KEYS */;
UNLOCK TABLES;
# a hash comment
SELECT 1;
GRANT ALL ON `forum`.* TO 'x'@'localhost';
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET character_set_client  = utf8mb3 */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`127.0.0.1`*/ /*!50003 TRIGGER tr BEFORE INSERT ON posts
FOR EACH ROW BEGIN
  INSERT INTO `log` VALUES ('not data; ;; really');
END */;;
DELIMITER ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
INSERT INTO `posts` VALUES (3,'after the trigger');
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2026-11-29  0:28:51
"""
    )
    items, reader = read_all(dump)
    lines = dump.splitlines()
    create, first, second = (
        lines.index(text) + 1
        for text in (
            "CREATE TABLE `posts` (",
            "INSERT INTO `posts` VALUES",
            "INSERT INTO `posts` VALUES (3,'after the trigger');",
        )
    )
    table = TableDef(
        "posts",
        (ColumnDef("id", "int", False, None), ColumnDef("body", "mediumtext", False, None)),
        "utf8mb4",
        create,
        "forum",
    )
    assert items == [
        table,
        InsertBatch("posts", None, [(1, "hello"), (2, "world")], first, "INSERT", "forum"),
        InsertBatch("posts", None, [(3, "after the trigger")], second, "INSERT", "forum"),
    ]
    assert (create, first, second) == (21, 32, 49)
    assert reader.completed
    assert reader.lines_read == dump.count("\n")
    assert reader.encoding == "utf-8"
    assert reader.database == "forum"


def test_a_dump_without_the_trailer_is_not_completed() -> None:
    items, reader = read_all("INSERT INTO t VALUES (1);\n-- Dump started\n")
    assert len(items) == 1
    assert not reader.completed
    assert reader.lines_read == 2


def test_the_trailer_at_the_very_end_without_newline() -> None:
    _, reader = read_all("INSERT INTO t VALUES (1);\n-- Dump completed on 2026-01-01")
    assert reader.completed
    assert reader.lines_read == 2


def test_statements_on_one_line_and_crlf_line_ends() -> None:
    dump = "SET NAMES latin1; INSERT INTO a VALUES (1); INSERT INTO b VALUES ('x');\r\n"
    dump += "INSERT INTO c VALUES (2);\r\nINSERT INTO d VALUES (3)  ;  \r\n"
    items = read(dump)
    assert [(b.table, b.rows, b.line, b.encoding) for b in batches(items)] == [
        ("a", [(1,)], 1, "cp1252"),
        ("b", [("x",)], 1, "cp1252"),
        ("c", [(2,)], 2, "cp1252"),
        ("d", [(3,)], 3, "cp1252"),
    ]


def test_column_list_verbs_and_quoted_identifiers() -> None:
    dump = (
        'INSERT INTO `we``ird` (`id`, `a``b`, plain, "dq") VALUES (1,2,3,4);\n'
        "INSERT IGNORE INTO `t` VALUES (1);\n"
        "INSERT  IGNORE  INTO t VALUES (2);\n"
        "REPLACE INTO `t` (`id`) VALUES (3),(4);\n"
        "insert into `db`.`t2` values (5);\n"
        "INSERT `t3` VALUE (6);\n"
    )
    got = [(b.table, b.columns, b.verb, b.rows) for b in batches(read(dump))]
    assert got == [
        ("we`ird", ("id", "a`b", "plain", "dq"), "INSERT", [(1, 2, 3, 4)]),
        ("t", None, "INSERT IGNORE", [(1,)]),
        ("t", None, "INSERT IGNORE", [(2,)]),
        ("t", ("id",), "REPLACE", [(3,), (4,)]),
        ("t2", None, "INSERT", [(5,)]),
        ("t3", None, "INSERT", [(6,)]),
    ]


def test_create_table_columns_charsets_and_binary() -> None:
    dump = """/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE `users` (
  `user_id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `user``name` varchar(255) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT '',
  `state` enum('a,b','c)d') DEFAULT 'a,b',
  `note` text COMMENT 'CHARACTER SET latin1, KEY (x)',
  `avatar` mediumblob,
  `hash` varbinary(64) DEFAULT NULL,
  `raw` varchar(10) CHARACTER SET binary DEFAULT NULL,
  `code` char(4) COLLATE binary,
  `bin_collated` varchar(10) COLLATE utf8mb4_bin,
  `score` decimal(10,2) NOT NULL DEFAULT 0.00,
  `place` point,
  `flags` bit(8),
  PRIMARY KEY (`user_id`),
  UNIQUE KEY `name` (`user``name`),
  KEY `state` (`state`,`score`),
  FULLTEXT KEY `note` (`note`),
  CONSTRAINT `fk` FOREIGN KEY (`user_id`) REFERENCES `other` (`id`),
  CONSTRAINT `ck` CHECK (`score` >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_general_ci COMMENT='CHARSET=utf8';
CREATE TABLE IF NOT EXISTS t2 (id bigint) ENGINE=MyISAM COLLATE=utf8mb3_general_ci;
CREATE TABLE `t3` (`id` int);
CREATE TABLE t4 LIKE t3;
"""
    tables = [i for i in read(dump) if isinstance(i, TableDef)]
    assert tables[0] == TableDef(
        "users",
        (
            ColumnDef("user_id", "int", False, None),
            ColumnDef("user`name", "varchar", False, "latin1"),
            ColumnDef("state", "enum", False, None),
            ColumnDef("note", "text", False, None),
            ColumnDef("avatar", "mediumblob", True, None),
            ColumnDef("hash", "varbinary", True, None),
            ColumnDef("raw", "varchar", True, "binary"),
            ColumnDef("code", "char", True, None),
            ColumnDef("bin_collated", "varchar", False, None),
            ColumnDef("score", "decimal", False, None),
            ColumnDef("place", "point", True, None),
            ColumnDef("flags", "bit", False, None),
        ),
        "latin1",
        2,
    )
    assert [(t.name, [c.name for c in t.columns], t.charset, t.line) for t in tables[1:]] == [
        ("t2", ["id"], "utf8mb3", 22),
        ("t3", ["id"], None, 23),
    ]


def test_delimiter_block_at_the_end_of_the_file_is_skipped() -> None:
    dump = "INSERT INTO t VALUES (1);\nDELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; END ;;\n"
    assert rows(dump) == [(1,)]


# -- character sets ------------------------------------------------------------------------


def test_latin1_dump_is_read_as_windows_1252() -> None:
    dump = b"/*!40101 SET NAMES latin1 */;\nINSERT INTO t VALUES ('caf\xe9 \x80 \x93quoted\x94');\n"
    items, reader = read_all(dump)
    (batch,) = batches(items)
    assert batch.rows == [("café € “quoted”",)]
    assert (batch.encoding, reader.encoding) == ("cp1252", "cp1252")
    assert to_bytes("café €", batch.encoding) == b"caf\xe9 \x80"


def test_character_set_client_is_saved_and_restored() -> None:
    dump = (
        "SET NAMES latin1;\n"
        "SET @saved_cs_client = @@character_set_client;\n"
        "SET character_set_client = utf8mb4;\n"
        "INSERT INTO t VALUES ('\u00e9');\n"
        "SET character_set_client = @saved_cs_client;\n"
    ).encode() + b"INSERT INTO t VALUES ('\xe9\x80');\nSET CHARACTER SET binary;\n"
    items, reader = read_all(dump + b"INSERT INTO t VALUES ('\xe9\x80');\n")
    assert [(b.rows, b.encoding) for b in batches(items)] == [
        ([("é",)], "utf-8"),
        ([("é€",)], "cp1252"),
        ([("\xe9\x80",)], "latin-1"),
    ]
    assert reader.encoding == "latin-1"


def test_an_unsupported_charset_is_reported_and_reading_goes_on() -> None:
    items = read("/*!40101 SET NAMES sjis */;\nINSERT INTO t VALUES ('x');\n")
    (problem,) = problems(items)
    assert (problem.kind, problem.line, problem.rows_lost) == ("charset", 1, 0)
    assert "sjis" in problem.reason
    assert batches(items)[0].rows == [("x",)]


def test_invalid_utf8_bytes_round_trip() -> None:
    raw = b"ok \xff\xfe \xc3( \xed\xa0\x80 caf\xc3\xa9"
    (row,) = rows(b"INSERT INTO t VALUES ('" + raw + b"','plain caf\xc3\xa9');\n")
    broken, plain = row
    assert isinstance(broken, str) and isinstance(plain, str)
    assert invalid_bytes(broken)
    assert not invalid_bytes(plain)
    assert not invalid_bytes("ascii only")
    assert to_bytes(broken) == raw
    assert to_bytes(plain) == "plain café".encode()


def test_a_blob_written_as_a_plain_string_gives_its_bytes_back() -> None:
    blob = bytes(range(256))
    escaped = blob.replace(b"\\", b"\\\\").replace(b"'", b"\\'").replace(b"\0", b"\\0")
    for names, codec in (("utf8mb4", "utf-8"), ("latin1", "cp1252"), ("binary", "latin-1")):
        dump = f"SET NAMES {names};\nINSERT INTO t VALUES ('".encode() + escaped + b"');\n"
        (batch,) = batches(read(dump))
        (text,) = batch.rows[0]
        assert isinstance(text, str)
        assert batch.encoding == codec
        assert to_bytes(text, batch.encoding) == blob


# -- bad input -----------------------------------------------------------------------------


def test_syntax_error_keeps_the_rows_before_it_and_reading_goes_on() -> None:
    dump = (
        "INSERT INTO `posts` VALUES (1,'a'),(2,'b'),(3,'c' oops),(4,'d'),(5,'e');\n"
        "INSERT INTO `posts` VALUES (6,'f');\n"
    )
    items = read(dump)
    assert items[0] == InsertBatch("posts", None, [(1, "a"), (2, "b")], 1, "INSERT")
    problem = items[1]
    assert isinstance(problem, DumpProblem)
    assert (problem.kind, problem.line, problem.table, problem.rows_lost) == (
        "syntax",
        1,
        "posts",
        3,
    )
    assert (
        problem.reason
        == "expected ',' or ')' but found \"oops),(4,'d'),(5,'e');\" at line 1, column 51"
    )
    assert items[2] == InsertBatch("posts", None, [(6, "f")], 2, "INSERT")


def test_a_lost_quote_does_not_swallow_the_statements_after_it() -> None:
    # A zeroed disk block ate the end of a row: its string never closes, so the statement
    # seems to go on until some later quote. Reading resumes at the next statement line.
    dump = (
        "INSERT INTO `posts` VALUES (1,'a'),(2,'cut here\0\0\0\0\n"
        "INSERT INTO `posts` VALUES (3,'c'),(4,'d');\n"
        "INSERT INTO `posts` VALUES (5,'e');\n"
        "INSERT INTO `users` VALUES (6,'f; g');\n"
    )
    items = read(dump)
    assert [(type(i).__name__, i.line) for i in items] == [
        ("InsertBatch", 1),
        ("DumpProblem", 1),
        ("InsertBatch", 3),
        ("InsertBatch", 4),
    ]
    problem = items[1]
    assert isinstance(problem, DumpProblem)
    assert problem.kind == "syntax"
    # An estimate: row 2 and row 4 are counted; row 3 began inside the runaway string.
    assert problem.rows_lost == 2
    assert [b.rows for b in batches(items)] == [[(1, "a")], [(5, "e")], [(6, "f; g")]]


def test_a_quote_lost_in_every_statement_costs_neither_time_nor_memory() -> None:
    # Each statement loses the closing quote of its last string, so exact quote matching
    # pairs every statement with the next. Each is reported and the reader never holds
    # more than a statement and the little it looks past its line for a far end.
    statement = b"INSERT INTO `t` VALUES " + b",".join(
        b"(%d,'it\\'s &amp; more')" % i for i in range(400)
    )
    broken = statement[:-2] + b"\\');\n"  # an escaped quote where the closing one was
    dump = broken * 200 + b"INSERT INTO `t` VALUES (1,'last');\n"
    read_rows, lost, kinds, last = 0, 0, set(), None
    started = time.process_time()
    tracemalloc.start()
    try:
        for item in DumpReader(io.BytesIO(dump)):  # not kept: only the reader's memory counts
            if isinstance(item, InsertBatch):
                read_rows, last = read_rows + len(item.rows), item
            elif isinstance(item, DumpProblem):
                lost, kinds = lost + item.rows_lost, kinds | {item.kind}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Each statement is read up to its broken row, or is lost whole with the one before it,
    # and every row is either read or counted lost (to a row per statement: an estimate).
    assert read_rows >= 100 * 399
    assert 200 * 400 - 200 <= read_rows + lost <= 200 * 400 + 1
    assert kinds == {"syntax"}
    assert last is not None and last.rows == [(1, "last")]
    assert peak < 4 * 2**20
    assert time.process_time() - started < 30  # about a second without tracemalloc


def test_truncated_inside_a_row() -> None:
    items = read("INSERT INTO `t` VALUES\n(1,'a'),\n(2,'b'),\n(3,'unfinished str")
    assert items[0] == InsertBatch("t", None, [(1, "a"), (2, "b")], 1, "INSERT")
    problem = items[1]
    assert isinstance(problem, DumpProblem)
    assert (problem.kind, problem.rows_lost, problem.table) == ("truncated", 1, "t")
    assert problem.reason.startswith("unterminated string starting at line 4, column 4")


def test_truncated_after_the_last_row_loses_nothing() -> None:
    items = read("INSERT INTO t VALUES (1),(2)\n")
    assert items[0] == InsertBatch("t", None, [(1,), (2,)], 1, "INSERT")
    problem = items[1]
    assert isinstance(problem, DumpProblem)
    assert (problem.kind, problem.rows_lost) == ("truncated", 0)


def test_truncated_between_rows_and_inside_other_statements() -> None:
    assert [(p.kind, p.rows_lost) for p in problems(read("INSERT INTO t VALUES (1),("))] == [
        ("truncated", 1)
    ]
    items = read("INSERT INTO t VALUES (1);\nCREATE TABLE `x` (\n  `id` int")
    assert [(p.kind, p.table, p.line) for p in problems(items)] == [("truncated", "x", 2)]
    assert read("INSERT INTO t VALUES (1);\n/* dangling") == [
        InsertBatch("t", None, [(1,)], 1, "INSERT"),
        DumpProblem(2, None, "truncated", "the file ends inside a statement", 0),
    ]


def test_insert_without_values_is_reported() -> None:
    items = read("INSERT INTO t SET a=1;\nINSERT INTO t VALUES (2);\n")
    assert [(p.kind, p.table, p.rows_lost) for p in problems(items)] == [("syntax", "t", 0)]
    assert batches(items)[0].rows == [(2,)]


def test_empty_row_and_garbage_values_are_syntax_errors() -> None:
    for bad in ("()", "(1,)", "(1 2)", "(1,2),,(3)", "(@x)", "(1,'a' 'b')"):
        items = read(f"INSERT INTO t VALUES {bad};\nINSERT INTO t VALUES (9);\n")
        assert [p.kind for p in problems(items)] == ["syntax"], bad
        assert batches(items)[-1].rows == [(9,)], bad


def test_a_statement_too_long_is_skipped_and_reported() -> None:
    long_insert = "INSERT INTO `big` VALUES " + ",".join(f"({i},'{'x' * 50}')" for i in range(40))
    dump = f"INSERT INTO t VALUES (1);\n{long_insert};\nINSERT INTO t VALUES (2);\n"
    items = read(dump, limit=500)
    assert [type(i).__name__ for i in items] == ["InsertBatch", "DumpProblem", "InsertBatch"]
    problem = items[1]
    assert isinstance(problem, DumpProblem)
    assert (problem.kind, problem.table, problem.line, problem.rows_lost) == (
        "too_long",
        "big",
        2,
        40,
    )
    assert "500 bytes" in problem.reason


def test_a_huge_statement_is_skipped_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.sql"
    with path.open("wb") as out:
        out.write(b"INSERT INTO `big` VALUES ")
        row = b"(1,'" + b"a\\'b;\\n" * 2000 + b"'),"
        for _ in range(2000):  # 30 MB on a single line
            out.write(row)
        out.write(b"(2,'end');\nINSERT INTO t VALUES (3);\n")
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            items = list(DumpReader(stream, max_statement_bytes=2 * 2**20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(type(i).__name__, getattr(i, "kind", None)) for i in items] == [
        ("DumpProblem", "too_long"),
        ("InsertBatch", None),
    ]
    assert peak < 8 * 2**20


# -- property: render random rows with mysqldump's rules, read them back ------------------


def escape(raw: bytes, style: str) -> bytes:
    """A quoted SQL string for `raw`, written independently of the reader."""
    out = bytearray(b"'")
    for byte in raw:
        char = bytes([byte])
        if char == b"'":
            out += b"''" if style == "doubled" else b"\\'"
        elif char == b"\\":
            out += b"\\\\"
        elif style == "minimal":  # only what is needed to close the string safely
            out += char
        else:  # mysql_real_escape_string, plus \t and \b when "verbose"
            special = {b"\0": b"\\0", b"\n": b"\\n", b"\r": b"\\r", b'"': b'\\"', b"\x1a": b"\\Z"}
            if style == "verbose":
                special |= {b"\t": b"\\t", b"\b": b"\\b", b"x": b"\\x"}
            out += special.get(char, char)
    return bytes(out + b"'")


def render(item: Value, style: str) -> bytes:
    if item is None:
        return b"NULL"
    if isinstance(item, bool):
        raise TypeError
    if isinstance(item, int):
        return str(item).encode()
    if isinstance(item, float):
        return repr(item).encode()
    if isinstance(item, str):
        return escape(item.encode(), style)
    if style == "hex":
        return b"0x" + item.hex().encode() if item else b"X''"
    return b"_binary " + escape(item, style)


values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet="ab'\"\\\n\r\0\x1a\t;(),-#/*` %_", max_size=40),
    st.binary(max_size=40),
)


@st.composite
def dumps(draw: st.DrawFn) -> tuple[bytes, list[tuple[Value, ...]]]:
    # Rows of one width, as a table has (read whole rows at a time), or of any width (read
    # value by value); values side by side as mysqldump writes them, or spaced.
    width = draw(st.integers(min_value=1, max_value=5))
    widths = st.integers(min_value=1, max_value=5) if draw(st.booleans()) else st.just(width)
    table_rows = draw(st.lists(widths.flatmap(lambda w: st.tuples(*[values] * w)), max_size=30))
    out, index = [b"/*!40101 SET NAMES utf8mb4 */;\n"], 0
    while index < len(table_rows):
        size = draw(st.integers(min_value=1, max_value=8))
        chunk = table_rows[index : index + size]
        index += size
        between_rows = draw(st.sampled_from([b",", b",\n", b" , "]))
        between_values = draw(st.sampled_from([b",", b",", b" , ", b",\n"]))
        rendered = [
            b"(" + between_values.join(render(v, draw(st.sampled_from(STYLES))) for v in row) + b")"
            for row in chunk
        ]
        out.append(b"INSERT INTO `t` VALUES " + between_rows.join(rendered) + b";\n")
    return b"".join(out), table_rows


STYLES = ["mysqldump", "doubled", "minimal", "verbose", "hex"]


@settings(max_examples=300, deadline=None)
@given(dump=dumps(), step=st.integers(min_value=1, max_value=50))
def test_random_rows_read_back_equal(
    dump: tuple[bytes, list[tuple[Value, ...]]], step: int
) -> None:
    data, expected = dump
    items = list(DumpReader(cast(BinaryIO, Trickle(data, step))))
    assert not problems(items)
    assert [row for batch in batches(items) for row in batch.rows] == expected


@settings(max_examples=150, deadline=None)
@given(
    dump=dumps(),
    damage=st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=3)), max_size=4),
    step=st.integers(min_value=1, max_value=50),
)
def test_damaged_dumps_never_stop_the_reader(
    dump: tuple[bytes, list[tuple[Value, ...]]], damage: list[tuple[int, bytes]], step: int
) -> None:
    data = bytearray(dump[0])
    for at, junk in damage:  # replace a byte, cut, or insert: quotes and all
        at %= len(data) + 1
        data[at : at + 1] = junk
    items = list(DumpReader(io.BytesIO(bytes(data))))
    assert items == list(DumpReader(cast(BinaryIO, Trickle(bytes(data), step))))
    assert all(isinstance(i, InsertBatch | DumpProblem) for i in items)


# -- a real server -------------------------------------------------------------------------

MARIADB = ["mariadb", "-uroot", "-h127.0.0.1", "--default-character-set=utf8mb4"]
TEXTS = [
    "plain",
    "it's a \"quote\" and a back\\slash \\' \\\\",
    "line one\nline two\r\nline three\ttabbed",
    "nul \0 and ctrl-z \x1a inside",
    "emoji 😀, 東京, данные, naïve",
    "NULL",
    "",
    "%_ like \\% \\_ patterns",
    "semi;\n-- dash comment\n/* block */ # hash ),( ;\n",
]
LATIN1_TEXTS = ["café", "€ 5", "“curly” – dash", "plain", 'it\'s \\ "q"']


def sql(query: str, database: str | None = None) -> list[list[str]]:
    cmd = [*MARIADB, "-N", "-B", "-e", query, *([database] if database else [])]
    try:
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"MariaDB at 127.0.0.1:3306 is needed for this test: {exc}")
    return [line.split("\t") for line in done.stdout.splitlines()]


def hex_text(text: str, charset: str) -> str:
    codec = "cp1252" if charset == "latin1" else "utf-8"
    return f"CONVERT(X'{text.encode(codec).hex()}' USING {charset})"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    name = f"rescue_sqldump_{uuid.uuid4().hex[:12]}"
    sql(f"CREATE DATABASE `{name}`")
    try:
        sql(
            "CREATE TABLE tricky (id INT PRIMARY KEY, txt TEXT, vc VARCHAR(200), n BIGINT,"
            " d DECIMAL(14,4), f DOUBLE, b BLOB, vb VARBINARY(300), bt BIT(8))"
            " DEFAULT CHARSET=utf8mb4;"
            "CREATE TABLE lat (id INT PRIMARY KEY, txt VARCHAR(100)) DEFAULT CHARSET=latin1",
            name,
        )
        numbers = [(-9223372036854775808, "-12345678.1234", "1.5"), (0, "0.5", "-0.25")]
        numbers += [(42, "-0.0001", "1e20"), (None, None, None)]
        inserts = []
        for i, text in enumerate([*TEXTS, None]):
            n, d, f = numbers[i % len(numbers)]
            blob = bytes(range(256)) if i % 2 == 0 else bytes([i, 0, 39, 92, 10, 26, 255])
            txt = "NULL" if text is None else hex_text(text, "utf8mb4")
            vc = "NULL" if text is None else hex_text(text[:200], "utf8mb4")
            inserts.append(
                f"({i},{txt},{vc},{'NULL' if n is None else n},{d or 'NULL'},{f or 'NULL'},"
                f"X'{blob.hex()}',X'{blob[::-1].hex()}',b'{i % 256:08b}')"
            )
        sql("INSERT INTO tricky VALUES " + ",".join(inserts), name)
        lat = ",".join(f"({i},{hex_text(t, 'latin1')})" for i, t in enumerate(LATIN1_TEXTS))
        sql(f"INSERT INTO lat VALUES {lat},({len(LATIN1_TEXTS)},NULL)", name)
        yield name
    finally:
        sql(f"DROP DATABASE IF EXISTS `{name}`")


def server_rows(database: str, table: str, columns: dict[str, str]) -> dict[int, dict[str, Value]]:
    """What the server holds: text as str, binary as bytes, numbers as numbers."""
    exprs = []
    for column, kind in columns.items():
        if kind == "text":
            exprs.append(f"HEX(CONVERT({column} USING utf8mb4))")
        elif kind == "bytes":
            exprs.append(f"HEX(CAST({column} AS BINARY))")  # BIT too, with its leading 0
        else:
            exprs.append(column)
    result: dict[int, dict[str, Value]] = {}
    for line in sql(f"SELECT id, {', '.join(exprs)} FROM {table}", database):
        row: dict[str, Value] = {}
        for (column, kind), cell in zip(columns.items(), line[1:], strict=True):
            if cell == "NULL":
                row[column] = None
            elif kind == "text":
                row[column] = bytes.fromhex(cell).decode("utf-8")
            elif kind == "bytes":
                row[column] = bytes.fromhex(cell)
            elif kind == "int":
                row[column] = int(cell)
            else:
                row[column] = float(cell)
        result[int(line[0])] = row
    return result


TRICKY = {"txt": "text", "vc": "text", "n": "int", "d": "float", "f": "float"}
TRICKY |= {"b": "bytes", "vb": "bytes", "bt": "bytes"}
DUMP_MODES = {
    "default": [],
    "hex-blob": ["--hex-blob"],
    "skip-extended-insert": ["--skip-extended-insert"],
    "complete-insert": ["--complete-insert"],
    "compact": ["--compact"],
    "latin1": ["--default-character-set=latin1"],
}


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(DUMP_MODES))
def test_mariadb_dump_reads_back_what_the_server_holds(server: str, mode: str) -> None:
    tables = ["lat"] if mode == "latin1" else ["tricky", "lat"]
    done = subprocess.run(
        ["mariadb-dump", "-uroot", "-h127.0.0.1", *DUMP_MODES[mode], server, *tables],
        check=True,
        capture_output=True,
    )
    reader = DumpReader(io.BytesIO(done.stdout))
    items = list(reader)
    assert not problems(items)
    assert reader.completed == (mode != "compact")
    defs = {i.name: i for i in items if isinstance(i, TableDef)}
    assert defs["lat"].charset == "latin1"
    got: dict[str, dict[int, dict[str, Value]]] = {"tricky": {}, "lat": {}}
    for batch in batches(items):
        names = batch.columns or tuple(c.name for c in defs[batch.table].columns)
        assert batch.columns == (names if mode == "complete-insert" else None)
        if mode == "skip-extended-insert":
            assert len(batch.rows) == 1
        binary = {c.name for c in defs[batch.table].columns if c.binary} | {"bt"}
        for row in batch.rows:
            record = dict(zip(names, row, strict=True))
            for column in binary & set(record):
                cell = record[column]
                record[column] = to_bytes(cell, batch.encoding) if isinstance(cell, str) else cell
            got[batch.table][int(record.pop("id"))] = record  # type: ignore[arg-type]
    if mode != "latin1":
        assert [c.binary for c in defs["tricky"].columns] == [False] * 6 + [True, True, False]
        assert got["tricky"] == server_rows(server, "tricky", TRICKY)
    else:
        assert {b.encoding for b in batches(items)} == {"cp1252"}
    assert got["lat"] == server_rows(server, "lat", {"txt": "text"})


# -- memory and speed ----------------------------------------------------------------------

WORDS = [
    *("the", "meeting", "moved", "to", "thursday", "because", "of", "weather", "in", "the"),
    *("usual", "folder", "ok", "see", "you", "it's", '"draft"', "café", "naïve", "東京"),
    *("данные", "😀", "thanks;", "a\\b"),
]


def write_post_dump(path: Path, size: int, seed: int = 1) -> int:
    """A mysqldump of forum-post rows of about `size` bytes; returns the number of rows."""
    rng = random.Random(seed)

    # Pools of escaped texts, drawn from for each row: escaping every row is too slow.
    def text(paragraphs: int, words: int) -> bytes:
        return escape(
            "\n\n".join(" ".join(rng.choices(WORDS, k=words)) for _ in range(paragraphs)).encode(),
            "mysqldump",
        )

    subjects = [text(1, rng.randint(2, 8)) for _ in range(100)]
    posts = [text(rng.randint(1, 4), rng.randint(10, 60)) for _ in range(300)]
    written, number = 0, 0
    with path.open("wb") as out:
        out.write(b"/*!40101 SET NAMES utf8mb4 */;\n")
        while written < size:
            rows_text = []
            for _ in range(500):
                number += 1
                rows_text.append(
                    b"(%d,%d,%s,%s,%s,%.2f)"
                    % (
                        number,
                        rng.randint(1, 900),
                        rng.choice(subjects),
                        rng.choice(posts),
                        b"NULL" if number % 3 else b"7",
                        rng.random() * 100,
                    )
                )
            statement = b"INSERT INTO `posts` VALUES " + b",".join(rows_text) + b";\n"
            out.write(statement)
            written += len(statement)
        out.write(b"-- Dump completed on 2026-01-01  0:00:00\n")
    return number


@pytest.mark.slow
def test_memory_stays_flat_on_a_large_dump(tmp_path: Path) -> None:
    path = tmp_path / "posts.sql"
    expected = write_post_dump(path, 50 * 2**20)
    tracemalloc.start()
    try:
        count = 0
        with path.open("rb") as stream:
            reader = DumpReader(stream)
            for item in reader:
                assert isinstance(item, InsertBatch)
                count += len(item.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == expected
    assert reader.completed
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB for a 50 MiB dump"
