"""A small reader for the generator's dumps, so tests can check rows without a database."""

from __future__ import annotations

import re
from collections.abc import Iterator

_UNESCAPE = {"0": "\0", "n": "\n", "r": "\r", "Z": "\x1a", "\\": "\\", "'": "'", '"': '"'}


def _values(body: str) -> Iterator[list[int | str]]:
    """Parses ``(..),(..)`` tuples of an extended INSERT."""
    i, n = 0, len(body)
    while i < n:
        assert body[i] == "(", body[i : i + 40]
        i += 1
        row: list[int | str] = []
        while True:
            if body[i] == "'":
                i += 1
                out = []
                while body[i] != "'":
                    if body[i] == "\\":
                        out.append(_UNESCAPE[body[i + 1]])
                        i += 2
                    else:
                        j = i
                        while body[j] not in "'\\":
                            j += 1
                        out.append(body[i:j])
                        i = j
                row.append("".join(out))
                i += 1
            else:
                j = i
                while body[j] not in ",)":
                    j += 1
                row.append(int(body[i:j]))
                i = j
            if body[i] == ")":
                i += 1
                break
            i += 1  # the comma between values
        yield row
        if i < n and body[i] == ",":
            i += 1


def rows(dump: str, table: str) -> list[list[int | str]]:
    """Every row of ``table`` (prefixed name) in dump order."""
    out: list[list[int | str]] = []
    pattern = re.compile(rf"^INSERT INTO `{re.escape(table)}` VALUES (.*);$", re.MULTILINE)
    for match in pattern.finditer(dump):
        out.extend(_values(match.group(1)))
    return out


def columns(dump: str, table: str) -> list[str]:
    block = re.search(rf"CREATE TABLE `{re.escape(table)}` \((.*?)\n\)", dump, re.DOTALL)
    assert block is not None
    return re.findall(r"^  `(\w+)`", block.group(1), re.MULTILINE)


def table_dicts(dump: str, table: str) -> list[dict[str, int | str]]:
    names = columns(dump, table)
    return [dict(zip(names, row, strict=True)) for row in rows(dump, table)]
