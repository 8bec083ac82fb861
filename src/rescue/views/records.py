"""The base of every record a view returns: plain, frozen, and a ``to_dict`` for JSON.

Fields hold only JSON's types (str, int, float, bool, None, tuples and nested records), and
times are ISO 8601 strings in UTC, so the JSON API serialises a record with ``to_dict()`` and
nothing else, and a template reads the same object.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Record:
    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every value, which made a persons page's
        # JSON cost more than its query. Fields hold only JSON types and records (above).
        return {name: _plain(getattr(self, name)) for name in self.__dataclass_fields__}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def json_list(text: str | None) -> list[Any]:
    """A JSON array the read model stores as text; an absent value is an empty list."""
    if not text:
        return []
    value = json.loads(text)
    return value if isinstance(value, list) else []


def inflate(data: bytes | None) -> str | None:
    """A text the read model stores deflated (``ModelTable.deflated``)."""
    return None if data is None else zlib.decompress(data).decode()
