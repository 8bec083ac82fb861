"""`CREATE TABLE` as mysqldump writes it: column names, types, binary columns, charsets.

The importer needs the column order of each table (INSERTs without a column list rely on it),
which columns hold bytes rather than text, and each table's character set (latin1 tables on
old boards hold double-encoded UTF-8 that must be repaired).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ColumnDef:
    name: str
    sql_type: str  # lower-case base type: "int", "varchar", "mediumtext", "blob", ...
    binary: bool  # holds bytes, not text: binary/varbinary/*blob/geometry or charset binary
    charset: str | None  # column-level CHARACTER SET if declared


@dataclass(frozen=True, slots=True)
class TableDef:
    name: str
    columns: tuple[ColumnDef, ...]
    charset: str | None  # the table's DEFAULT CHARSET
    line: int  # 1-based line of the CREATE TABLE
    database: str | None = None  # from the last USE, for dumps of several databases


_S_IDENT = r'(?:`(?:[^`]|``)*+`|"(?:[^"]|"")*+"|[\w$]++)'
_CREATE_TABLE = re.compile(
    r"CREATE\s++(?:OR\s++REPLACE\s++)?(?:TEMPORARY\s++)?TABLE\s++(?:IF\s++NOT\s++EXISTS\s++)?"
    rf"({_S_IDENT}(?:\s*+\.\s*+{_S_IDENT})?)\s*+\(",
    re.I,
)
_DEF_TOKEN = re.compile(
    r"""'(?:[^'\\]|\\.|'')*+'|"(?:[^"\\]|\\.|"")*+"|`(?:[^`]|``)*+`|[^'"`(),]++|.""", re.S
)
_S_STRING = re.compile(r"""'(?:[^'\\]|\\.|'')*+'|"(?:[^"\\]|\\.|"")*+\"""", re.S)
_COLUMN = re.compile(rf"\s*+({_S_IDENT})\s++([A-Za-z]++)")
_CHARSET = re.compile(r"\b(?:CHARACTER\s++SET|CHARSET)\s*+=?\s*+['\"]?(\w+)", re.I)
_COLLATE = re.compile(r"\bCOLLATE\s*+=?\s*+['\"]?(\w+)", re.I)
# Bare words that start an index or constraint line; mysqldump backquotes every column name.
_NOT_COLUMNS = frozenset(
    {"PRIMARY", "KEY", "INDEX", "UNIQUE", "CONSTRAINT", "FULLTEXT", "SPATIAL", "FOREIGN"}
    | {"CHECK", "PERIOD", "VECTOR"}
)
# Types whose values are bytes. Geometry is stored and dumped as WKB bytes.
_BINARY_TYPES = frozenset(
    {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point"}
    | {"linestring", "polygon", "multipoint", "multilinestring", "multipolygon"}
    | {"geometrycollection"}
)


def parse_create_table(text: str, line: int, database: str | None = None) -> TableDef | str | None:
    """The table a CREATE TABLE defines, a reason it cannot be read, or None for statements
    that define no columns (CREATE DATABASE, VIEW, TABLE ... LIKE)."""
    head = _CREATE_TABLE.match(text)
    if head is None:
        return None
    name = _s_ident(re.findall(_S_IDENT, head.group(1))[-1])
    items: list[str] = []
    depth, start = 1, head.end()
    for token in _DEF_TOKEN.finditer(text, head.end()):
        char = token.group()
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                items.append(text[start : token.start()])
                start = token.end()
                break
        elif char == "," and depth == 1:
            items.append(text[start : token.start()])
            start = token.end()
    else:
        return f"CREATE TABLE {name} without its closing parenthesis at line {line}"
    columns = tuple(c for c in map(_column, items) if c is not None)
    options = _S_STRING.sub("''", text[start:])
    charset = _CHARSET.search(options)
    collate = _COLLATE.search(options)
    table_charset = (
        charset.group(1).lower()
        if charset
        else collate.group(1).lower().split("_")[0]
        if collate
        else None
    )
    return TableDef(name, columns, table_charset, line, database)


def _column(item: str) -> ColumnDef | None:
    head = _COLUMN.match(item)
    if head is None:
        return None
    name = head.group(1)
    if name[0] not in '`"' and name.upper() in _NOT_COLUMNS:
        return None
    sql_type = head.group(2).lower()
    rest = _S_STRING.sub("''", item[head.end() :])  # a COMMENT cannot fake a CHARSET
    charset = _CHARSET.search(rest)
    collate = _COLLATE.search(rest)
    column_charset = charset.group(1).lower() if charset else None
    binary = (
        sql_type in _BINARY_TYPES
        or column_charset == "binary"
        or (collate is not None and collate.group(1).lower() == "binary")
    )
    return ColumnDef(_s_ident(name), sql_type, binary, column_charset)


def _s_ident(raw: str) -> str:
    if raw[:1] in ("`", '"'):
        return raw[1:-1].replace(raw[0] * 2, raw[0])
    return raw
