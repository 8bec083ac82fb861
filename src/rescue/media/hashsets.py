"""Reading and writing lists of known hashes: CSV with a header, plain lists, Project VIC JSON.

A hash set is reference data an agency or hotline shares: cryptographic hashes (MD5, SHA-1,
SHA-256) of known files and PDQ hashes for their near copies, each optionally with an id and a
category (e.g. UK A/B/C, or VICS categories), kept as opaque labels. Every record is validated;
a malformed one becomes a reject naming its line (CSV, plain) or its position (JSON), and the
rest of the file is read on.

Formats:
- CSV: a header names the columns (``md5``, ``sha1``, ``sha256``, ``pdq``, optional ``id``,
  ``category``; case-insensitive; other columns are ignored). A row needs at least one hash.
- plain: one hash a line; ``#`` starts a comment. The type follows from the length (32 MD5,
  40 SHA-1, 64 SHA-256), except that a 64-hex list of PDQ hashes must be declared as such.
- VICS JSON: Project VIC's OData export, version 1.x (``value[].Media[]``) or 2.0
  (``value[]``), with ``MD5``, ``SHA1``, ``SHA256``, ``MediaID``, ``Category``; ``PDQ`` is
  read and written as an extension field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rescue.errors import InputError

HASH_TYPES = ("md5", "sha1", "sha256", "pdq")
HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
_HEX = re.compile(r"^[0-9a-f]+$")
VICS_CONTEXT = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
)


@dataclass(frozen=True, slots=True)
class KnownHash:
    known_id: str | None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class BadRecord:
    line: int  # CSV/plain: the file's line; JSON: the record's position, counting from 1
    reason: str


def normalise(kind: str, value: str | None) -> str | None:
    """Lower-case hex of the right length, or None for an empty field; ValueError otherwise."""
    if value is None:
        return None
    text = value.strip().lower()
    if not text:
        return None
    if len(text) != HEX_LENGTH[kind] or not _HEX.match(text):
        raise ValueError(f"{kind} {value.strip()[:70]!r} is not {HEX_LENGTH[kind]} hex digits")
    return text


def detect_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "vics"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if any(name in re.split(r"[,;\t]", first) for name in (*HASH_TYPES, '"md5"', '"sha256"')):
        return "csv"
    return "plain"


def read_hash_set(
    path: Path, fmt: str | None = None, plain_type: str | None = None
) -> Iterator[KnownHash | BadRecord]:
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "plain":
        return _read_plain(path, plain_type)
    if fmt == "vics":
        return _read_vics(path)
    raise InputError(f"unknown hash set format {fmt!r}", "use csv, plain or vics")


def _record(
    line: int, known_id: str | None, category: str | None, hashes: dict[str, str | None]
) -> KnownHash | BadRecord:
    try:
        clean = {kind: normalise(kind, value) for kind, value in hashes.items()}
    except ValueError as exc:
        return BadRecord(line, str(exc))
    if not any(clean.values()):
        return BadRecord(line, "no hash in this record")
    return KnownHash(known_id=known_id or None, category=category or None, **clean)


def _read_csv(path: Path) -> Iterator[KnownHash | BadRecord]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        header = [h.strip().lower() for h in next(reader, [])]
        present = [k for k in HASH_TYPES if k in header]
        if not present:
            raise InputError(
                f"{path}: the header names no hash column (md5, sha1, sha256 or pdq)",
                "add a header line such as: id,md5,sha256,pdq,category",
            )
        index = {
            name: header.index(name) for name in (*present, "id", "category") if name in header
        }
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                yield BadRecord(line, f"{len(row)} fields where the header has {len(header)}")
                continue
            get = {name: row[i] for name, i in index.items()}
            yield _record(
                line,
                get.get("id", "").strip(),
                get.get("category", "").strip(),
                {k: get[k] for k in present},
            )


def _read_plain(path: Path, plain_type: str | None) -> Iterator[KnownHash | BadRecord]:
    by_length = {32: "md5", 40: "sha1", 64: plain_type or "sha256"}
    with path.open(encoding="utf-8-sig") as handle:
        for line, raw in enumerate(handle, start=1):
            text = raw.split("#", 1)[0].strip()
            if not text:
                continue
            kind = by_length.get(len(text))
            if kind is None:
                yield BadRecord(line, f"{text[:70]!r} has the length of no known hash")
                continue
            yield _record(line, None, None, {kind: text})


def _vics_media(doc: Any) -> Iterable[Any]:
    values = doc.get("value", []) if isinstance(doc, dict) else doc
    for item in values if isinstance(values, list) else []:
        if isinstance(item, dict) and isinstance(item.get("Media"), list):
            yield from item["Media"]  # VICS 1.x: cases holding media
        else:
            yield item  # VICS 2.0: media directly


def _read_vics(path: Path) -> Iterator[KnownHash | BadRecord]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc}", "check the export is complete"
        ) from exc
    for position, media in enumerate(_vics_media(doc), start=1):
        if not isinstance(media, dict):
            yield BadRecord(position, "a media record that is not an object")
            continue
        fields = {k.lower(): v for k, v in media.items()}
        yield _record(
            position,
            None if fields.get("mediaid") is None else str(fields["mediaid"]),
            None if fields.get("category") is None else str(fields["category"]),
            {k: _text(fields.get(k)) for k in HASH_TYPES},
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def write_vics(records: Iterable[KnownHash], out: io.TextIOBase | Any) -> int:
    """Write records as a VICS 2.0 media list; returns how many were written."""
    media = []
    for n, rec in enumerate(records, start=1):
        item: dict[str, Any] = {"MediaID": _media_id(rec.known_id, n)}
        if rec.category is not None:
            item["Category"] = int(rec.category) if rec.category.isdigit() else rec.category
        for kind, key in (("md5", "MD5"), ("sha1", "SHA1"), ("sha256", "SHA256"), ("pdq", "PDQ")):
            value = getattr(rec, kind)
            if value:
                item[key] = value.upper() if kind != "pdq" else value
        media.append(item)
    json.dump({"@odata.context": VICS_CONTEXT, "value": media}, out, indent=1)
    return len(media)


def _media_id(known_id: str | None, n: int) -> int | str:
    if known_id is None:
        return n
    return int(known_id) if known_id.isdigit() else known_id
