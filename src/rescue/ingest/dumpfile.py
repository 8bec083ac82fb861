"""Opening a dump file as evidence: read-only, decompressed on the fly, hashed as it is read.

The SHA-256 of the bytes actually read is compared with the one recorded at registration, so
what was imported is provably the registered evidence, without reading the file twice.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
from pathlib import Path
from typing import BinaryIO

MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz"}


class HashingReader(io.RawIOBase):
    """A read-only byte stream that hashes and counts what passes through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.sha256.update(buffer[:n])
            self.bytes_read += n
        return int(n or 0)

    def drain(self) -> None:
        """Read to the end, so the hash covers the whole file even if parsing stopped early."""
        while chunk := self._raw.read(4 * 2**20):
            self.sha256.update(chunk)
            self.bytes_read += len(chunk)

    def close(self) -> None:
        self._raw.close()
        super().close()


def compression_of(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(6)
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def open_dump(path: Path) -> tuple[BinaryIO, HashingReader]:
    """Return (decompressed stream, the hashing reader under it)."""
    raw = HashingReader(path.open("rb"))
    buffered = io.BufferedReader(raw, buffer_size=1 << 20)
    kind = compression_of(path)
    stream: BinaryIO | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile
    if kind == "gzip":
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")  # closed by the caller
    elif kind == "bzip2":
        stream = bz2.BZ2File(buffered, mode="rb")  # closed by the caller
    elif kind == "xz":
        stream = lzma.LZMAFile(buffered, mode="rb")  # noqa: SIM115 - closed by the caller
    else:
        stream = buffered
    return stream, raw  # type: ignore[return-value]
