r"""Value tokenising for `sqldump`: the rows of one INSERT statement, and the byte helpers.

Speed comes from keeping Python away from each byte and, where it can, from each value:

* Rows after the first are matched whole by a regex made for their width (`_row_pattern`),
  all of them in one `findall`, then converted a column at a time with `map(int, ...)`,
  `map(bytes.decode, ...)` and `zip`, which run in C. A row that does not fit (another
  width, spaces, an error) sends the statement value by value (`_VALUE`, one match per
  value and the separator after it), which is slower and says where it went wrong.
* A string body is `[^']*` with lookbehinds at each quote (`string_body`): the textbook
  `[^'\]*(?:\.[^'\]*)*` costs the regex engine a loop turn per escape, and posts are full
  of `\n`. Three times faster on such text.
* A string with backslashes goes through Python's C `escape_decode` when all its escapes
  mean the same in Python and MySQL (`\n \r \t \\ \' \" \b \0`); only the rest are split
  and mapped here.

Text is decoded with the client character set of the dump and `errors="surrogateescape"`,
so a byte that is not valid in that charset survives as a lone surrogate U+DC80..U+DCFF:
`invalid_bytes` tells whether that happened and `to_bytes` gives the original bytes back.
Escapes are undone on the bytes, before decoding, as MySQL does.
"""

from __future__ import annotations

import re
from binascii import unhexlify
from codecs import escape_decode
from functools import lru_cache
from itertools import repeat

Value = None | int | float | str | bytes
Row = tuple[Value, ...]

# MySQL character set -> Python codec. MySQL's latin1 is Windows-1252, not ISO-8859-1.
# Charsets where 0x5C can be the second byte of a character (sjis, cp932, big5, gbk,
# gb18030) are missing on purpose: the statement splitter would read that byte as a
# backslash, so the reader reports them as unsupported rather than corrupt the text.
_CODECS = {
    "utf8": "utf-8",
    "utf8mb3": "utf-8",
    "utf8mb4": "utf-8",
    "latin1": "cp1252",
    "binary": "latin-1",
    "ascii": "ascii",
    "latin2": "iso8859-2",
    "latin5": "iso8859-9",
    "latin7": "iso8859-13",
    "greek": "iso8859-7",
    "hebrew": "iso8859-8",
    "cp1250": "cp1250",
    "cp1251": "cp1251",
    "cp1256": "cp1256",
    "cp1257": "cp1257",
    "cp850": "cp850",
    "cp852": "cp852",
    "cp866": "cp866",
    "koi8r": "koi8-r",
    "koi8u": "koi8-u",
    "euckr": "euc-kr",
    "ujis": "euc-jp",
    "eucjpms": "euc-jp",
    "gb2312": "gb2312",
}


def codec_for(charset: str) -> str | None:
    """The Python codec for a MySQL character set name, or None if it is not supported."""
    return _CODECS.get(charset.lower().strip("'\"`"))


_ESCAPES = {
    b"0": b"\0",
    b"b": b"\b",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"Z": b"\x1a",
    # MySQL keeps the backslash of \% and \_ (they only matter inside LIKE patterns).
    b"%": b"\\%",
    b"_": b"\\_",
}
_ESCAPE_SPLIT = re.compile(rb"\\(.)", re.S)
# Escapes that Python's escape_decode reads otherwise than MySQL (`\Z`, `\x41`, an octal
# `\012`, backslash-newline...) or warns about. Not aligned on escape pairs, so it may flag
# a harmless `\\q`: that only costs the slow path.
_NOT_PYTHON_ESCAPE = re.compile(rb"\\(?:[^nrt\\'\"b0]|0[0-7])")


def unquote_string(raw: bytes, quote: bytes = b"'") -> bytes:
    """The bytes of a string literal's body (the part between the quotes)."""
    doubled = quote + quote
    if b"\\" not in raw:
        return raw.replace(doubled, quote) if quote in raw else raw
    if doubled in raw:
        return _split_unescape(raw, quote)
    return _unescape(raw)


def _unescape(raw: bytes) -> bytes:
    """Undo the backslash escapes of a body that has no doubled quote."""
    if _NOT_PYTHON_ESCAPE.search(raw) is None:
        return escape_decode(raw)[0]
    return _split_unescape(raw, b"'")


def _split_unescape(raw: bytes, quote: bytes) -> bytes:
    # split() puts each escaped character at the odd indexes; every other `\x` is `x`.
    parts = _ESCAPE_SPLIT.split(raw)
    parts[1::2] = [_ESCAPES.get(c, c) for c in parts[1::2]]
    doubled = quote + quote
    if doubled in raw:
        parts[::2] = [p.replace(doubled, quote) for p in parts[::2]]
    return b"".join(parts)


def string_body(quote: bytes, *, doubled: bool = True) -> bytes:
    """A string body in which only escaped and doubled quotes cost the engine a loop turn.

    `[^']*` runs over everything else, escapes included; at a quote, lookbehinds decide
    whether it is escaped (exactly one or three backslashes before it), doubled, or the end
    (none or two). Four or more backslashes before a quote make it fail, and so does a
    doubled quote when `doubled` is false: `slow_body` then takes over.
    """
    q = re.escape(quote)
    run = b"[^" + q + b"]*+"
    escaped = rb"(?:(?<=(?<!\\)\\)|(?<=(?<!\\)\\\\\\))" + q + run
    even = rb"(?:(?<!\\)|(?<=(?<!\\)\\\\))"
    turns = escaped + (b"|" + even + q + q + run if doubled else b"")
    return run + b"(?:" + turns + b")*+" + even


def slow_body(quote: bytes) -> bytes:
    """The textbook string body: exact for any input, one engine loop turn per escape."""
    q = re.escape(quote)
    return b"[^" + q + rb"\\]*+(?:(?:\\.|" + q + q + b")[^" + q + rb"\\]*+)*+"


_WS = rb"[ \t\r\n]*+"
_SLOW_SQ, _SLOW_DQ = slow_body(b"'"), slow_body(b'"')


def _rare_literals(group: bytes) -> bytes:
    """Hex, bit, introduced and double-quoted literals; `group` is b"(" or b"(?:"."""
    return (
        b"0x" + group + rb"[0-9A-Fa-f]++)"  # 1 hex number (mysqldump --hex-blob)
        rb"|[xX]'" + group + rb"[0-9A-Fa-f]*+)'"  # 2 hex string
        rb"|[bB]'" + group + rb"[01]*+)'"  # 3 bit string
        rb"|0b" + group + rb"[01]++)"  # 4 bit number
        rb"|_"
        + group
        + rb"[A-Za-z0-9]++)"
        + _WS
        + b"'"
        + group
        + _SLOW_SQ
        + b")'"  # 5, 6
        + b'|"'
        + group
        + _SLOW_DQ
        + b')"'  # 7 double-quoted string
    )


_OTHER = re.compile(_rare_literals(b"("), re.S)
_FAST_SQ = string_body(b"'", doubled=False)
_ALTERNATIVES = (
    rb"(')(" + _FAST_SQ + rb")'"  # quote mark, body
    rb"|([-+]?[0-9]++)"  # integer (with a '.' or 'e' after it the separator fails: float)
    rb"|([Nn][Uu][Ll][Ll])"
    rb"|'(" + _SLOW_SQ + rb")'"  # a string the fast body gave up on: never empty
    rb"|([-+]?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][-+]?[0-9]++)?)"  # float
    rb"|(" + _rare_literals(b"(?:") + rb")"
)
_VALUE_ONLY = re.compile(_WS + rb"(?:" + _ALTERNATIVES + rb")", re.S)
_AFTER_ROW = _WS + rb"(?:," + _WS + rb"\(|;|\Z)"  # another row, or the end
# One match per value and the separator after it: ',' another value, '),(' another row,
# ');' (or ')' at the end of a cut file) the end. Anything else is one byte of junk.
_VALUE = re.compile(
    _WS + rb"(?:(?:" + _ALTERNATIVES + rb")" + _WS + rb"(,|\)" + _AFTER_ROW + rb")|(.))", re.S
)
_SEPARATOR = 7  # index in a _VALUE.findall item
# A value in a row as mysqldump writes them, without spaces: a string body, or any other
# literal as one token that `_column` checks and converts.
_CELL = (
    rb"(?:'(" + _FAST_SQ + rb")'"
    rb"|((?:_[A-Za-z0-9]++[ \t]*+|[xXbB])?'" + _SLOW_SQ + rb"'|[^'\",()\s]++))"
)
_INTEGERS = re.compile(rb"-?[0-9]++(?:\n-?[0-9]++)*+")
_INTEGERS_OR_NULL = re.compile(rb"(?:-?[0-9]++|NULL)(?:\n(?:-?[0-9]++|NULL))*+")
_COMMA, _OPEN = b",", ord("(")


def parse_rows(data: bytes, pos: int, encoding: str) -> tuple[list[Row], int | None]:
    """Parse the rows of a VALUES list, from `pos` just after the first row's '('.

    Returns the rows and None when the list ends the data (at its ';', or at a ')' that ends
    a cut file), else the rows before the problem and the offset of the value where it is.
    The first row is read value by value: it is all there is with --skip-extended-insert,
    and it tells how many values the next rows should have to be read whole.
    """
    row: list[Value] = []
    for match in _VALUE.finditer(data, pos):  # contiguous: the junk group takes any byte
        groups = match.groups(b"")
        separator = groups[_SEPARATOR]
        if not separator:
            break
        row.append(_value(groups, encoding))
        if separator == _COMMA:
            continue
        if separator[-1] != _OPEN:
            if match.end() == len(data):
                return [tuple(row)], None
            break
        rows = _whole_rows(data, match.end(), len(row), encoding)
        if rows is not None:
            rows.insert(0, tuple(row))
            return rows, None
        break
    return _value_by_value(data, pos, encoding)  # slower, and says where it went wrong


@lru_cache(maxsize=256)
def _row_pattern(width: int) -> re.Pattern[bytes]:
    """A row of `width` values and what follows it; from the first misfit on, all as junk."""
    cells = b",".join([_CELL] * width)
    return re.compile(cells + rb"\)(" + _AFTER_ROW + rb")|([\s\S]++)")


def _whole_rows(data: bytes, pos: int, width: int, encoding: str) -> list[Row] | None:
    """The rows one regex match each, converted a column at a time; None if any misfits.

    Three times faster than value by value on rows of many small values (most tables of a
    forum), because `map(int, ...)`, `map(bytes.decode, ...)` and `zip` run in C.
    """
    items = _row_pattern(width).findall(data, pos)
    columns = list(zip(*items, strict=True))
    if not items or columns[-1][-1]:
        return None  # a row of another width, spaces in a row, an error: see value by value
    separators = columns[-2]  # "),(" but the last, which ends the list
    if b"".join(separators).count(b"(") != len(items) - 1 or b"(" in separators[-1]:
        return None
    try:
        values = [_column(columns[i], columns[i + 1], encoding) for i in range(0, 2 * width, 2)]
    except ValueError:  # a token that is not a literal: value by value says where
        return None
    return list(zip(*values, strict=True))


def _column(texts: tuple[bytes, ...], tokens: tuple[bytes, ...], encoding: str) -> list[Value]:
    if not any(tokens):  # plain strings only
        if b"\\" in b"".join(texts):
            return [_text(text, encoding) for text in texts]
        return list(map(bytes.decode, texts, repeat(encoding), repeat("surrogateescape")))
    if all(tokens):
        joined = b"\n".join(tokens)
        if _INTEGERS.fullmatch(joined):
            return list(map(int, tokens))
        if _INTEGERS_OR_NULL.fullmatch(joined):
            return [None if token == b"NULL" else int(token) for token in tokens]
    return [
        _token(token, encoding) if token else _text(text, encoding)
        for text, token in zip(texts, tokens, strict=True)
    ]


def _text(raw: bytes, encoding: str) -> str:
    if b"\\" in raw:
        raw = _unescape(raw)  # plain string bodies have no doubled quotes
    return raw.decode(encoding, "surrogateescape")


def _token(token: bytes, encoding: str) -> Value:
    match = _VALUE_ONLY.fullmatch(token)
    if match is None:
        raise ValueError(token)
    return _value(match.groups(b""), encoding)


def _value(groups: tuple[bytes, ...], encoding: str) -> Value:
    """The value of one `_ALTERNATIVES` match, from its groups (b"" when not matched)."""
    quote, text, integer, null, slow, real, other = groups[:7]
    if quote:
        return _text(text, encoding)
    if integer:
        return int(integer)
    if null:
        return None
    if real:
        return float(real)
    if slow:
        return unquote_string(slow).decode(encoding, "surrogateescape")
    return _other(other, encoding)


def _value_by_value(data: bytes, pos: int, encoding: str) -> tuple[list[Row], int | None]:
    rows: list[Row] = []
    row: list[Value] = []
    items = _VALUE.findall(data, pos)
    for index, item in enumerate(items):
        separator = item[_SEPARATOR]
        if not separator:  # junk
            return rows, _offset(data, pos, index)
        row.append(_value(item, encoding))
        if separator != _COMMA:
            rows.append(tuple(row))
            if separator[-1] != _OPEN:
                return rows, None if index == len(items) - 1 else _offset(data, pos, index + 1)
            row = []
    return rows, len(data)


def _offset(data: bytes, pos: int, index: int) -> int:
    for number, match in enumerate(_VALUE.finditer(data, pos)):
        if number == index:
            return match.start()
    return len(data)


def _other(token: bytes, encoding: str) -> Value:
    match = _OTHER.fullmatch(token)
    assert match is not None  # the same alternatives matched it a moment ago
    kind, text = match.lastindex, match.group(match.lastindex or 0)
    if kind == 1:
        return unhexlify(b"0" + text if len(text) % 2 else text)
    if kind == 2:
        return unhexlify(text)
    if kind in (3, 4):
        return int(text or b"0", 2)
    if kind == 6:
        # `_binary '...'` is exact bytes; `_latin1 '...'` names the charset of the bytes.
        charset = match.group(5).decode("ascii").lower()
        raw = unquote_string(text)
        return (
            raw
            if charset == "binary"
            else raw.decode(codec_for(charset) or encoding, "surrogateescape")
        )
    return unquote_string(text, b'"').decode(encoding, "surrogateescape")


def describe_stop(data: bytes, pos: int) -> tuple[int, str]:
    """Where a VALUES list went wrong (offset) and what was found there."""
    value = _VALUE_ONLY.match(data, pos)
    if value is not None:
        at = _skip_ws(data, value.end())
        return at, f"expected ',' or ')' but found {_excerpt(data, at)}"
    at = _skip_ws(data, pos)
    if at >= len(data):
        return at, "statement ends inside a row"
    if data[at] in b"'\"":
        return at, "unterminated string starting"
    return at, f"unexpected {_excerpt(data, at)}"


def _skip_ws(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in b" \t\r\n":
        pos += 1
    return pos


def _excerpt(data: bytes, pos: int) -> str:
    if pos >= len(data):
        return "the end of the statement"
    return repr(data[pos : pos + 24].decode("utf-8", "replace"))


_SURROGATE = re.compile("[\udc80-\udcff]")


def invalid_bytes(s: str) -> bool:
    """True if `s` carries bytes that were not valid in the charset it was decoded from."""
    return not s.isascii() and _SURROGATE.search(s) is not None


def to_bytes(s: str, encoding: str = "utf-8") -> bytes:
    """The exact bytes `s` was decoded from; `encoding` is the batch's `encoding`.

    Also how to get a BLOB back when the dump wrote it as a plain string (mariadb-dump does
    without --hex-blob): `ColumnDef.binary` tells the caller which columns want it.
    """
    return s.encode(encoding, "surrogateescape")
