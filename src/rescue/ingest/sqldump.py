r"""Stream the tables and rows out of a MySQL/MariaDB `mysqldump` file, without a server.

Flow. `DumpReader` reads the stream in 1 MiB chunks into one buffer and takes statements off
its front; each is handled and dropped before the next, so memory is one statement and one
chunk whatever the size of the dump.

* Between statements, `--`/`#` comment lines, blank lines and mariadb-dump's sandbox line
  are skipped (and the "-- Dump completed" trailer noted). A `DELIMITER ;;` block, which
  mysqldump writes only for triggers, routines and events, is skipped to `DELIMITER ;`.
* An INSERT (nearly all of a dump) takes the fast way, `_fast_insert`: its rows are parsed
  up to the first `;` that ends a line, the way mysqldump ends every statement; if they
  end exactly there, that was the statement, found without a scan of its own.
* Any other statement, or an INSERT that did not parse that way, takes the exact way,
  `_split`: the statement ends at the first `;` outside strings, identifiers and comments,
  found by one possessive regex (`_RUN`) that resumes where it stopped when more data comes.
* `/*!40101 ... */` version comments are executed as the server would (that is where
  `SET NAMES` lives). `CREATE TABLE` gives a `TableDef`, `INSERT`/`REPLACE` an
  `InsertBatch` (values: `sqldump_values`), `SET NAMES`/`character_set_client` the charset;
  statements that are not data (DROP, LOCK, ALTER, SELECT...) are skipped.

Decisions.

* A chunk may end in the middle of a token. Scans never look past the last byte that cannot
  be half of a two-byte token (not a quote, backslash, `-`, `/`, `*` or `#`: `_set_limits`),
  so a split `\'`, `''` or `--` is never misread. The tests read every dump a byte at a time.
* Bad input is reported, never raised: a `DumpProblem` says what, where, and how many rows
  were lost, and reading goes on. A string that lost its closing quote (a zeroed disk block,
  a cut file) would swallow the statements after it, so after a syntax error the reader
  resumes at the first line of the failed statement that ends with `;` and is followed by a
  statement keyword, and the exact scan does not look further than 64 KiB past such a line.
  mysqldump writes `\n` for a newline in a string, so no genuine string of its output has one.
* Values come back as parsed: a BLOB that mariadb-dump wrote as a plain string is a `str`
  whose `to_bytes(value, batch.encoding)` is the stored bytes (`ColumnDef.binary` says which
  columns want that). Decimals become floats; BIT values are ints (MySQL's `b'101'`) or
  byte strings (mariadb-dump writes them raw), as in the dump.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rescue.ingest.sqldump_ddl import ColumnDef, TableDef, parse_create_table
from rescue.ingest.sqldump_values import (
    Row,
    Value,
    codec_for,
    describe_stop,
    invalid_bytes,
    parse_rows,
    slow_body,
    string_body,
    to_bytes,
)

__all__ = [
    "ColumnDef",
    "DumpProblem",
    "DumpReader",
    "InsertBatch",
    "TableDef",
    "Value",
    "invalid_bytes",
    "to_bytes",
]


@dataclass(frozen=True, slots=True)
class InsertBatch:
    table: str
    columns: tuple[str, ...] | None  # explicit column list (--complete-insert), else None
    rows: list[Row]  # as parsed; column counts are the caller's business
    line: int  # 1-based line where the statement starts
    verb: str  # "INSERT", "INSERT IGNORE" or "REPLACE"
    database: str | None = None
    encoding: str = "utf-8"  # codec the text was decoded with: `to_bytes(value, encoding)`


@dataclass(frozen=True, slots=True)
class DumpProblem:
    line: int
    table: str | None
    kind: str  # "syntax" | "truncated" | "too_long" | "charset"
    reason: str  # one sentence: what was found and where
    rows_lost: int  # best estimate of the statement's rows that were not yielded


Item = TableDef | InsertBatch | DumpProblem

_CHUNK = 1 << 20
# How far past a likely statement end a broken statement is scanned for its exact end:
# enough for a string with raw newlines (not mysqldump's) to end, little enough that a dump
# where statement after statement lost a quote is not scanned again and again to its end.
_GIVE_UP_AFTER = 64 << 10
# A statement whose first line is longer than this starts before its line end is read.
_FIRST_LINE_WAIT = 4096
# Bytes that may be the first half of a two-byte token: `\'`, `''`, `--`, `/*`, `*/`, ...
_SPECIAL = frozenset(b"'\"`\\-/*#")
_NORMAL, _STAR, _NL, _SEMI, _SLASH = 0, ord("*"), ord("\n"), ord(";"), ord("/")

# Everything up to the `;` that ends a statement, one complete token at a time.
_RUN = re.compile(
    rb"(?:[^'\"`;/#\-]++"
    rb"|'" + string_body(b"'") + rb"'|'" + slow_body(b"'") + rb"'"
    rb'|"' + string_body(b'"') + rb'"|"' + slow_body(b'"') + rb'"'
    rb"|`[^`]*+(?:``[^`]*+)*+`"
    rb"|/\*.*?\*/|--(?=\s)[^\n]*+\n|#[^\n]*+\n|-(?!-\s)|/(?!\*))*+",
    re.S,
)
# The rest of a string or identifier whose opening quote was in an earlier chunk.
_REST = {
    ord("'"): re.compile(rb"[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+'", re.S),
    ord('"'): re.compile(rb'[^"\\]*+(?:(?:\\.|"")[^"\\]*+)*+"', re.S),
    ord("`"): re.compile(rb"[^`]*+(?:``[^`]*+)*+`"),
}
_LEAD = re.compile(
    rb"(?:[ \t\r\n\f]++|--(?=\s)[^\n]*+(?:\n|\Z)|\#[^\n]*+(?:\n|\Z)|/\*M?!\d*+\\[^\n]*?\*/)*+"
)
_DELIMITER = re.compile(rb"(?i:DELIMITER)[ \t]++(\S++)[^\n]*+(?:\n|\Z)")
_DELIMITER_END = re.compile(rb"^[ \t]*+(?i:DELIMITER)[ \t]++;[ \t\r]*+(?:\n|\Z)", re.M)
# Whitespace and comments before the keyword; a version comment's opener is dropped so
# that its body is read as the statement, as the server does.
_NOISE = re.compile(
    rb"(?:\s++|/\*(?!M?!).*?\*/|--(?=\s)[^\n]*+(?:\n|\Z)|\#[^\n]*+(?:\n|\Z)|/\*M?!\d*+)*+", re.S
)
_KEYWORD = re.compile(rb"[A-Za-z]++")
_IDENT = rb'(?:`(?:[^`]|``)*+`|"(?:[^"]|"")*+"|[A-Za-z0-9_$\x80-\xff]++)'
_IDENT_RE = re.compile(_IDENT)
_INSERT_HEAD = re.compile(
    rb"(?i:(INSERT)(?:\s++(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY))?(\s++IGNORE)?"
    rb"|(REPLACE)(?:\s++(?:LOW_PRIORITY|DELAYED))?)(?:\s++(?i:INTO))?"
    rb"\s++(" + _IDENT + rb"(?:\s*+\.\s*+" + _IDENT + rb")?)"
    rb"\s*+(?:\(((?:" + _IDENT + rb"|[\s,])*+)\))?\s*+(?i:VALUES?)\s*+\("
)
_LINE_END = re.compile(rb";[ \t\r]*+\n")
_TABLE_HINT = re.compile(rb"(?i:INTO|TABLE)\s++(?:(?i:IF\s++NOT\s++EXISTS)\s++)?(" + _IDENT + rb")")
_RESYNC = re.compile(
    rb";[ \t]*+\r?\n(?=(?:INSERT|REPLACE|CREATE|DROP|LOCK|UNLOCK|ALTER|SET|USE|DELIMITER)\b"
    rb"|/\*!|--\s)",
    re.I,
)
_ROW_SEPARATORS = (b"),(", b"),\n(")

_CREATE_NAME = re.compile(r"TABLE\s++(?:IF\s++NOT\s++EXISTS\s++)?[`\"]?([\w$]+)", re.I)
_SET_CHARSET = re.compile(r"SET\s++(?:NAMES|CHARACTER\s++SET|CHARSET)\s++['\"]?(\w+)", re.I)
_ASSIGN = re.compile(r"(@{0,2}[\w.]+)\s*+:?=\s*+(@{0,2}[\w.]+|'[^']*')")
_USE = re.compile(rb"USE\s++(" + _IDENT + rb")", re.I)


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    line: int
    complete: bool  # ended by `;` (else by the end of the file)
    skipped: bytes | None = None  # too long: the first bytes, for the report
    separators: int = 0  # row separators seen in the skipped bytes


class DumpReader:
    """Iterate once over a dump: `TableDef`, `InsertBatch` and `DumpProblem` in file order."""

    def __init__(
        self,
        stream: typing.BinaryIO,
        *,
        name: str = "<dump>",
        max_statement_bytes: int = 256 * 2**20,
    ) -> None:
        self.name = name
        self.max_statement_bytes = max_statement_bytes
        self.encoding = "utf-8"  # mysqldump's default client charset is utf8mb4
        self.charset = "utf8mb4"  # the MySQL name behind `encoding`
        self.database: str | None = None
        self.lines_read = 0
        self.completed = False
        self._stream = stream
        self._buf = bytearray()
        self._eof = False
        self._limit = 0  # bytes of _buf that can be scanned without splitting a token
        self._line_limit = 0  # bytes of _buf that are whole lines
        self._counted = 0  # newlines of _buf before this offset are in lines_read
        self._saved: dict[str, str] = {}  # SET @saved_cs_client = @@character_set_client

    def __iter__(self) -> Iterator[Item]:
        self._fill(0)
        pos = 0
        while True:
            pos = self._skip_lead(pos)
            if self._eof and pos >= len(self._buf):
                break
            delimiter = _DELIMITER.match(self._buf, pos, self._line_limit)
            if delimiter is not None:
                pos = delimiter.end()
                if delimiter.group(1) != b";":
                    pos = self._skip_block(pos)
                continue
            pos, batch, line_end = self._fast_insert(pos)
            if batch is not None:
                yield batch
                continue
            span = self._split(pos, line_end)
            if span.skipped is not None:
                yield self._too_long(span)
                pos = span.end
                continue
            stmt = bytes(memoryview(self._buf)[span.start : span.end])
            resume = yield from self._statement(stmt, span.line, span.complete)
            pos = span.end if resume is None else span.start + resume
        self._count_lines(len(self._buf))
        if self._buf and self._buf[-1:] != b"\n":
            self.lines_read += 1

    # -- buffer ------------------------------------------------------------------------

    def _fill(self, keep: int) -> int:
        """Drop the bytes before `keep`, read one more chunk; returns the shift of offsets."""
        self._count_lines(keep)
        del self._buf[:keep]
        self._counted -= keep
        chunk = self._stream.read(_CHUNK)
        if chunk:
            self._buf += chunk
        else:
            self._eof = True
        self._set_limits()
        return keep

    def _set_limits(self) -> None:
        buf, end = self._buf, len(self._buf)
        if not self._eof:
            while end and buf[end - 1] in _SPECIAL:
                end -= 1
        self._limit = end
        self._line_limit = len(buf) if self._eof else buf.rfind(b"\n", 0, end) + 1

    def _count_lines(self, upto: int) -> int:
        if upto > self._counted:
            self.lines_read += self._buf.count(b"\n", self._counted, upto)
            self._counted = upto
        return self.lines_read

    # -- splitting ---------------------------------------------------------------------

    def _skip_lead(self, pos: int) -> int:
        while True:
            lead = _LEAD.match(self._buf, pos, self._line_limit)
            end = lead.end() if lead else pos
            if self._buf.find(b"-- Dump completed", pos, end) >= 0:
                self.completed = True
            pos = end
            if self._eof or pos < self._line_limit or self._limit - pos > _FIRST_LINE_WAIT:
                return pos
            pos -= self._fill(pos)

    def _skip_block(self, pos: int) -> int:
        while True:
            end = _DELIMITER_END.search(self._buf, pos, self._line_limit)
            if end is not None:
                return end.end()
            if self._eof:
                return len(self._buf)
            pos = self._line_limit - self._fill(self._line_limit)

    def _fast_insert(self, start: int) -> tuple[int, InsertBatch | None, int | None]:
        """Read an INSERT that ends where mysqldump ends it, at a ';' that ends a line.

        The rows are parsed up to the first such ';' without scanning for the end first: if
        they end exactly there, that was the statement. Anything else (a ';' and newline in
        a string, an error, a cut file) goes the exact way, `_split`, which is also given
        the end of that line if a statement starts on the next one (see `_split`).
        """
        head = _INSERT_HEAD.match(self._buf, start, self._limit)
        if head is None:
            return start, None, None
        search = head.end()
        while (end := _LINE_END.search(self._buf, search, self._limit)) is None:
            if self._eof or self._limit - start > self.max_statement_bytes:
                return start, None, None
            last = self._buf.rfind(b";", search, self._limit)
            search = last if last >= 0 else self._limit
            shift = self._fill(start)
            start, search = start - shift, search - shift
        if end.start() - start >= self.max_statement_bytes:
            return start, None, None
        stmt = bytes(memoryview(self._buf)[start : end.start() + 1])
        line = self._count_lines(start) + 1
        head = _INSERT_HEAD.match(stmt)
        assert head is not None  # it matched these bytes in the buffer
        rows, stop = parse_rows(stmt, head.end(), self.encoding)
        if stop is None:
            return end.start() + 1, self._batch(head, rows, line), None
        boundary = _RESYNC.match(self._buf, end.start())
        return start, None, end.start() + 1 if boundary else None

    def _split(self, start: int, line_end: int | None = None) -> _Span:
        """Find the `;` that ends the statement at `start`, or skip it if it is too long.

        `line_end` is set when the statement failed to parse up to a `;` at the end of a line
        followed by another statement. If the exact end is much further, the statement most
        likely lost a quote (mysqldump never writes a newline inside a string), so it is cut
        there rather than read until some far quote happens to close it.
        """
        span = _Span(start, start, self._count_lines(start) + 1, True)
        scan, state, dropped = start, _NORMAL, 0
        while True:
            give_up = None if line_end is None else line_end + _GIVE_UP_AFTER
            scan, state, done = self._scan(scan, state, give_up)
            if done or self._eof:
                span.start, span.end, span.complete = start, scan, done
                if span.skipped is None and dropped + scan - start > self.max_statement_bytes:
                    span.skipped = bytes(self._buf[start : start + 200])
                if span.skipped is not None:
                    span.separators += _count_separators(self._buf, start, scan)
                return span
            too_long = scan - start > self.max_statement_bytes
            if give_up is not None and line_end is not None and (too_long or scan >= give_up):
                span.start, span.end = start, line_end
                return span
            if span.skipped is None and too_long:
                span.skipped = bytes(self._buf[start : start + 200])
            if span.skipped is not None:  # too long: stop holding it, keep scanning
                span.separators += _count_separators(self._buf, start, scan)
                # Keep the last bytes that may begin a separator cut by the chunk end.
                counted = max(
                    self._buf.rfind(sep, start, scan) + len(sep) for sep in _ROW_SEPARATORS
                )
                keep = max(start, counted, scan - 3)
                dropped += keep - start
                start = keep
            shift = self._fill(start)
            start, scan = start - shift, scan - shift
            if line_end is not None:
                line_end -= shift

    def _scan(self, pos: int, state: int, end: int | None) -> tuple[int, int, bool]:
        """Advance to the end of the statement, or to `end`; `state` closes an open token."""
        buf, limit = self._buf, self._limit if end is None else min(self._limit, end)
        while pos < limit:
            if state == _NORMAL:
                run = _RUN.match(buf, pos, limit)
                pos = run.end() if run else pos
                if pos >= limit:
                    break
                opener = buf[pos]
                if opener == _SEMI:
                    return pos + 1, _NORMAL, True
                # A string or comment that is not closed within the buffer.
                if opener == _SLASH:
                    state, pos = _STAR, pos + 2
                elif opener in b"-#":
                    state, pos = _NL, pos + 1
                else:
                    state, pos = opener, pos + 1
            elif state in (_STAR, _NL):
                closer = b"*/" if state == _STAR else b"\n"
                found = buf.find(closer, pos, limit)
                if found < 0:
                    return limit, state, False
                state, pos = _NORMAL, found + len(closer)
            else:
                rest = _REST[state].match(buf, pos, limit)
                if rest is None:
                    return limit, state, False
                state, pos = _NORMAL, rest.end()
        return pos, state, False

    # -- statements --------------------------------------------------------------------

    def _statement(
        self, stmt: bytes, line: int, complete: bool
    ) -> Generator[Item, None, int | None]:
        """Handle one statement; returns where to resume in it after a resync, if needed."""
        noise = _NOISE.match(stmt)
        pos = noise.end() if noise else 0
        keyword = _KEYWORD.match(stmt, pos)
        if keyword is None:
            if not complete and pos < len(stmt):
                yield DumpProblem(line, None, "truncated", "the file ends inside a statement", 0)
            return None
        verb = keyword.group().upper()
        if verb in (b"INSERT", b"REPLACE"):
            return (yield from self._insert(stmt, pos, line, complete))
        if not complete:
            table = self._table_hint(stmt)
            reason = f"the file ends inside a {verb.decode()} statement"
            yield DumpProblem(line, table, "truncated", reason, 0)
        elif verb == b"CREATE":
            yield from self._create_table(stmt[pos:].decode(self.encoding, "surrogateescape"), line)
        elif verb == b"SET":
            yield from self._set(stmt[pos:].decode("ascii", "replace"), line)
        elif verb == b"USE" and (use := _USE.match(stmt, pos)) is not None:
            self.database = _ident(use.group(1), self.encoding)
        return None

    def _insert(
        self, stmt: bytes, pos: int, line: int, complete: bool
    ) -> Generator[Item, None, int | None]:
        head = _INSERT_HEAD.match(stmt, pos)
        if head is None:
            reason = f"INSERT without a VALUES list at {_where(stmt, pos, line)} is not supported"
            yield DumpProblem(line, self._table_hint(stmt), "syntax", reason, 0)
            return None
        rows, stop = parse_rows(stmt, head.end(), self.encoding)
        batch = self._batch(head, rows, line)
        table = batch.table
        if rows:
            yield batch
        if stop is None:
            if not complete:
                reason = "the file ends after the last row, before the closing ';'"
                yield DumpProblem(line, table, "truncated", reason, 0)
            return None
        at, what = describe_stop(stmt, stop)
        # From the start of the bad value: a string that lost its quote runs over lines.
        resume = _resync(stmt, stop)
        lost = 1 + _count_separators(stmt, stop, len(stmt) if resume is None else resume)
        reason = f"{what} at {_where(stmt, at, line)}"
        if not complete and resume is None and lost == 1:
            yield DumpProblem(line, table, "truncated", f"{reason}: the file ends there", lost)
        else:
            yield DumpProblem(line, table, "syntax", reason, lost)
        return resume

    def _batch(self, head: re.Match[bytes], rows: list[Row], line: int) -> InsertBatch:
        table, names = _names(head.group(4), head.group(5), self.encoding)
        verb = "REPLACE" if head.group(3) else "INSERT IGNORE" if head.group(2) else "INSERT"
        return InsertBatch(table, names, rows, line, verb, self.database, self.encoding)

    def _create_table(self, text: str, line: int) -> Iterator[Item]:
        found = parse_create_table(text, line, self.database)
        if isinstance(found, str):
            name = _CREATE_NAME.search(text)
            yield DumpProblem(line, name.group(1) if name else None, "syntax", found, 0)
        elif found is not None:
            yield found

    def _set(self, text: str, line: int) -> Iterator[Item]:
        names = _SET_CHARSET.match(text)
        if names is not None:
            yield from self._use_charset(names.group(1), line)
            return
        for target, value in _ASSIGN.findall(text):
            variable = target.lower()
            source = value.strip("'").lower()
            if variable.lstrip("@").removeprefix("session.") == "character_set_client":
                if source.startswith("@"):
                    source = self._saved.get(source, "default")
                yield from self._use_charset(source, line)
            elif variable[:1] == "@" and source.lstrip("@").endswith("character_set_client"):
                self._saved[variable] = self.charset

    def _use_charset(self, charset: str, line: int) -> Iterator[Item]:
        charset = charset.lower()
        codec = codec_for(charset)
        if codec is not None:
            self.charset, self.encoding = charset, codec
        elif charset not in ("default", "@@character_set_client"):
            reason = f"unsupported character set {charset!r}; text is still read as {self.charset}"
            yield DumpProblem(line, None, "charset", reason, 0)

    def _table_hint(self, stmt: bytes) -> str | None:
        hint = _TABLE_HINT.search(stmt, 0, 400)
        return _ident(hint.group(1), self.encoding) if hint else None

    def _too_long(self, span: _Span) -> DumpProblem:
        head = span.skipped or b""
        noise = _NOISE.match(head)
        keyword = _KEYWORD.match(head, noise.end() if noise else 0)
        insert = keyword is not None and keyword.group().upper() in (b"INSERT", b"REPLACE")
        table = self._table_hint(head)
        reason = f"statement longer than {self.max_statement_bytes} bytes skipped"
        return DumpProblem(
            span.line, table, "too_long", reason, span.separators + 1 if insert else 0
        )


@lru_cache(maxsize=256)
def _names(
    table: bytes, columns: bytes | None, encoding: str
) -> tuple[str, tuple[str, ...] | None]:
    """The table and column names of an INSERT: the same for each statement of a table."""
    names = None
    if columns is not None:
        names = tuple(_ident(column, encoding) for column in _IDENT_RE.findall(columns))
    return _ident(_IDENT_RE.findall(table)[-1], encoding), names


def _ident(raw: bytes, encoding: str) -> str:
    if raw[:1] in (b"`", b'"'):
        raw = raw[1:-1].replace(raw[:1] * 2, raw[:1])
    return raw.decode(encoding, "surrogateescape")


def _count_separators(data: bytes | bytearray, start: int, end: int) -> int:
    return sum(data.count(sep, start, end) for sep in _ROW_SEPARATORS)


def _resync(stmt: bytes, pos: int) -> int | None:
    found = _RESYNC.search(stmt, pos)
    return found.start() + 1 if found else None


def _where(stmt: bytes, pos: int, line: int) -> str:
    """'line L, column C' of a byte offset in a statement that starts on `line`."""
    newline = b"\n"
    column = pos - stmt.rfind(newline, 0, pos)
    return f"line {line + stmt.count(newline, 0, pos)}, column {column}"
