"""Writes a dump the way MariaDB's mysqldump does, streaming rows table by table.

Rows arrive in whatever order the simulation produces them (posts before the topics they
update, attachments while posts are written), but mysqldump writes tables in name order. Each
table therefore streams its INSERT statements to its own temporary file, and ``finish``
concatenates them behind the right structure blocks: memory stays constant whatever the size.

Formatting follows mysqldump: extended INSERTs cut before ``net_buffer_length`` (1 MiB), strings
escaped as ``mysql_real_escape_string`` does (``\\0 \\' \\" \\n \\r \\Z \\\\``, tabs left alone),
numbers bare. Tables listed as latin1 get ``DEFAULT CHARSET=latin1`` and hold UTF-8 text that
was stored through a latin1 connection (mojibake), as mysqldump prints it over utf8mb4.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TextIO

from rescue.ingest.phpbb_schema import create_table_sql, table_columns

NET_BUFFER_LENGTH = 1_046_528  # mysqldump's default; one INSERT statement stays below it
# Backslash first, so the backslashes added for the others are not doubled again.
_ESCAPES = (
    ("\\", "\\\\"), ("\0", "\\0"), ("'", "\\'"), ('"', '\\"'), ("\n", "\\n"),
    ("\r", "\\r"), ("\x1a", "\\Z"),
)  # fmt: skip
_SERVER = "10.11.6-MariaDB-0+deb12u1"
_HEADER = f"""-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: forum
-- ------------------------------------------------------
-- Server version\t{_SERVER}

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
"""
_FOOTER = """/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

"""
# MySQL's latin1 is cp1252, except that its five holes map to the C1 controls.
_CP1252_HOLES = {0x81: "\x81", 0x8D: "\x8d", 0x8F: "\x8f", 0x90: "\x90", 0x9D: "\x9d"}

Value = int | str


def escape(text: str) -> str:
    # Chained replace() with a membership test is several times faster than translate() here.
    for char, replacement in _ESCAPES:
        if char in text:
            text = text.replace(char, replacement)
    return text


def sql_value(value: Value) -> str:
    if type(value) is int:
        return str(value)
    return "'" + escape(str(value)) + "'"


def mojibake(text: str) -> str:
    """UTF-8 text as it reads after being stored through a latin1 connection."""
    raw = text.encode("utf-8")
    if raw.isascii():
        return text
    return "".join(
        _CP1252_HOLES[b] if b in _CP1252_HOLES else bytes([b]).decode("cp1252") for b in raw
    )


class TableSink:
    """Extended INSERTs of one table, streamed to a temporary file."""

    def __init__(self, name: str, stream: TextIO, latin1: bool) -> None:
        self.name = name
        self.rows = 0
        self.max_id = 0
        self._stream = stream
        self._latin1 = latin1
        self._statement = f"INSERT INTO `{name}` VALUES "
        self._length = 0  # characters in the open statement; 0 when none is open

    def add(self, values: Sequence[Value]) -> None:
        if self._latin1:
            values = [mojibake(v) if isinstance(v, str) else v for v in values]
        row = (
            "("
            + ",".join([str(v) if isinstance(v, int) else f"'{escape(v)}'" for v in values])
            + ")"
        )
        if self._length and self._length + len(row) + 2 > NET_BUFFER_LENGTH:
            self._stream.write(";\n")
            self._length = 0
        if self._length:
            self._stream.write(",")
            self._length += 1
        else:
            self._stream.write(self._statement)
            self._length = len(self._statement)
        self._stream.write(row)
        self._length += len(row)
        self.rows += 1
        first = values[0]
        if isinstance(first, int) and first > self.max_id:
            self.max_id = first

    def close(self) -> None:
        if self._length:
            self._stream.write(";\n")
            self._length = 0
        self._stream.close()


class DumpWriter:
    """Collects table sinks and assembles ``forum.sql`` (or ``.gz``) in mysqldump order."""

    def __init__(
        self, path: Path, prefix: str, latin1_tables: Sequence[str], compress: bool
    ) -> None:
        self.path = path
        self._prefix = prefix
        self._latin1 = set(latin1_tables)
        self._compress = compress
        self._tmp = tempfile.TemporaryDirectory(prefix=".synth-", dir=path.parent)
        self._sinks: dict[str, TableSink] = {}

    def table(self, table: str) -> TableSink:
        if table not in self._sinks:
            stream = (Path(self._tmp.name) / table).open("w", encoding="utf-8", newline="\n")
            self._sinks[table] = TableSink(self._prefix + table, stream, table in self._latin1)
        return self._sinks[table]

    def counts(self) -> dict[str, int]:
        return {table: sink.rows for table, sink in sorted(self._sinks.items())}

    def finish(self, dump_time: int, auto_increment_tables: Sequence[str]) -> None:
        """Writes the dump; ``auto_increment_tables`` print their next id as mysqldump does."""
        for sink in self._sinks.values():
            sink.close()
        target = self.path.open("wb")
        raw: gzip.GzipFile | IO[bytes] = target
        if self._compress:
            # mtime=0 and no file name in the header keep the archive byte-identical per seed.
            raw = gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0, compresslevel=6)
        try:
            raw.write(_HEADER.encode())
            for table in sorted(self._sinks, key=lambda t: self._prefix + t):
                self._write_table(raw, table, auto_increment_tables)
            stamp = dt.datetime.fromtimestamp(dump_time, dt.UTC)
            done = f"{stamp:%Y-%m-%d} {stamp.hour:2d}:{stamp:%M:%S}"
            raw.write((_FOOTER + f"-- Dump completed on {done}\n").encode())
        finally:
            raw.close()
            target.close()  # GzipFile leaves the file it was given open
            self._tmp.cleanup()

    def _write_table(
        self, raw: gzip.GzipFile | IO[bytes], table: str, auto_increment_tables: Sequence[str]
    ) -> None:
        sink = self._sinks[table]
        name = sink.name
        charset = "latin1" if table in self._latin1 else "utf8mb3"
        next_id = sink.max_id + 1 if table in auto_increment_tables else None
        create = create_table_sql(table, self._prefix, charset, next_id)
        raw.write(
            f"""
--
-- Table structure for table `{name}`
--

DROP TABLE IF EXISTS `{name}`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
{create}
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `{name}`
--

LOCK TABLES `{name}` WRITE;
/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;
""".encode()
        )
        with (Path(self._tmp.name) / table).open("rb") as data:
            shutil.copyfileobj(data, raw, 1 << 20)
        raw.write(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n".encode())


def row(table: str, values: dict[str, Value]) -> tuple[Value, ...]:
    """A row in column order from named values; unnamed columns take their defaults."""
    columns = table_columns(table)
    unknown = set(values) - {c.name for c in columns}
    if unknown:
        raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
    return tuple(values.get(c.name, "" if c.default is None else c.default) for c in columns)
