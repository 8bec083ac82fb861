"""Exact PDQ matching against known-hash lists: multi-index hashing (MIH) in numpy.

A seized file matches a known hash when their 256-bit PDQ hashes differ in at most ``threshold``
bits (Meta recommends 31). Evidence cannot lose matches, so this index is exact: it returns the
same pairs as a brute-force scan, every stored hash within the threshold and nothing else.

How (Norouzi, Punjani and Fleet, "Fast exact search in Hamming space with multi-index hashing").
The hash is cut into m = 16 disjoint chunks of 16 bits, chunk c being hex digits 4c to 4c + 3.
Each chunk has a table: the row ids sorted by that chunk's value, with a dense offset array over
its 65,536 values (CSR), so a bucket costs two array reads and no search. A query probes, in each
table, every value within τ_c bits of its own chunk, takes those buckets' rows as candidates and
checks each one on all 256 bits, so no false positive is ever returned.

Why nothing is missed (the generalised pigeonhole principle; Qin et al., GPH, ICDE 2018). If a
stored hash differed from the query in more than τ_c bits in *every* chunk, the two would be at
least Σ(τ_c + 1) bits apart. So with Σ(τ_c + 1) = r + 1, every hash within r bits agrees within
τ_c bits on at least one chunk c, where that table's probes find it. The formula: q, k =
divmod(r + 1, 16); the first k tables probe τ = q bits, the other 16 - k probe τ = q - 1, and
τ = -1 means the table is skipped. At r = 31 that is the classic ⌊r/m⌋ = 1 bit in all 16
tables; r = 0 needs one exact table, r = 20 five one-bit tables and eleven exact ones.

Cost. A table probing τ bits reads Σ_{j≤τ} C(16, j) buckets (1, 17, 137, 697 ...), so a query
reads N · Σ_c probes_c / 65,536 candidates from a bank of N: about 4,200 per query for a million
hashes at r = 31. Past 1/16 of the bank (r ≥ 51, far beyond any PDQ match) a linear scan beats
gathering rows one by one, and the index scans instead, exact either way. Queries run as numpy
passes over batches, never a Python loop per query. Memory: 32 bytes of words and 16 × 4 bytes
of row ids per hash, 96 bytes, plus 8 MiB of offsets; entries live in a Python list.

Serialisation is one ``.npz`` and no pickle: words, threshold, and the entries as a UTF-8 JSON
array (JSON values, or pass encode/decode; JSON turns tuples into lists). The tables are rebuilt
on load, about a second per million hashes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from math import comb
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["IndexMatch", "PdqIndex", "brute_force", "hex_to_words", "probe_radii", "words_to_hex"]

T = TypeVar("T")
Words = npt.NDArray[np.uint64]
Ints = npt.NDArray[np.int64]
Ids = npt.NDArray[np.int32]
Pairs = tuple[Ints, Ints, Ints]

HASH_BITS = 256
CHUNK_BITS = 16
N_CHUNKS = HASH_BITS // CHUNK_BITS
_PER_WORD = 64 // CHUNK_BITS
_BUCKETS = 1 << CHUNK_BITS
# Random row reads cost several times a streamed comparison: past this share of the bank per
# query, scanning it all is faster than gathering candidates.
_SCAN_SHARE = 1 / 16
# Candidates per numpy pass: 256 Ki keeps the temporary arrays near the cache (4x larger passes
# ran ~20% slower); much smaller ones pay Python overhead.
_BUDGET = 1 << 18
_HEX = re.compile(r"[0-9a-fA-F]{64}")
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class IndexMatch(Generic[T]):
    """A stored hash within the threshold of query number ``query`` in the batch."""

    query: int
    distance: int
    entry: T
    hash: str
    query_hash: str
    threshold: int

    def explain(self) -> str:
        q, h = self.query_hash, self.hash
        known = f"known {h[:4]}…{h[-2:]} (threshold {self.threshold})"
        return f"PDQ {q[:4]}…{q[-2:]} within {self.distance} bits of {known}"


def hex_to_words(hashes: Sequence[str]) -> Words:
    """Parse 64-hex-digit PDQ hashes into an (n, 4) uint64 array; word 0 is digits 0-15."""
    if isinstance(hashes, str):
        raise TypeError("hex_to_words takes a sequence of hashes, not a single string")
    for position, value in enumerate(hashes):
        if not isinstance(value, str) or len(value) != 64:
            raise ValueError(_bad_hash(position, value))
    try:
        raw = bytes.fromhex("".join(hashes))
    except ValueError:
        raw = b""
    if len(raw) != 32 * len(hashes):
        # fromhex names no item and skips whitespace: find the first bad one ourselves.
        position = next(i for i, h in enumerate(hashes) if not _HEX.fullmatch(h))
        raise ValueError(_bad_hash(position, hashes[position]))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def _bad_hash(position: int, value: object) -> str:
    shown = repr(value[:80]) if isinstance(value, str) else type(value).__name__
    return f"hash {position} is not a PDQ hash (64 hex digits): got {shown}"


def words_to_hex(words: Words) -> list[str]:
    return [row.tobytes().hex() for row in _as_words(words).astype(">u8")]


def _as_words(words: npt.ArrayLike) -> Words:
    array = np.asarray(words)
    if array.dtype != np.uint64 or array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"expected an (n, 4) uint64 array, got {array.dtype} {array.shape}")
    return np.ascontiguousarray(array)


def _chunk(words: Words, c: int) -> Ints:
    shift = np.uint64(CHUNK_BITS * (_PER_WORD - 1 - c % _PER_WORD))
    return ((words[:, c // _PER_WORD] >> shift) & np.uint64(_BUCKETS - 1)).astype(np.int64)


def probe_radii(threshold: int) -> tuple[int, ...]:
    """τ per table, with Σ(τ + 1) = threshold + 1: the exactness condition (module docstring)."""
    q, k = divmod(threshold + 1, N_CHUNKS)
    return tuple(q if c < k else q - 1 for c in range(N_CHUNKS))


def _scans(threshold: int) -> bool:
    probes = sum(comb(CHUNK_BITS, j) for t in probe_radii(threshold) for j in range(t + 1))
    return probes > _SCAN_SHARE * _BUCKETS


@cache
def _masks(tau: int) -> Ints:
    values = np.arange(_BUCKETS, dtype=np.int64)
    return values[np.bitwise_count(values) <= tau]


def _popcount(diff: Words) -> npt.NDArray[np.uint16]:
    counts = np.bitwise_count(diff)
    # Column adds into uint16: a 256-bit distance does not fit the uint8 counts.
    total = counts[:, 0].astype(np.uint16)
    for w in range(1, diff.shape[1]):
        total += counts[:, w]
    return total


def _ordered(parts: Sequence[tuple[npt.NDArray[Any], ...]]) -> Pairs:
    if not parts:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(3))  # type: ignore[return-value]
    q, rows, dist = (np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(3))
    order = np.lexsort((rows, dist, q))
    return q[order], rows[order], dist[order]


def brute_force(bank: Words, queries: Words, threshold: int) -> Pairs:
    """(query_idx, row, distance) for every pair within threshold, by (query, distance, row)."""
    bank, queries = _as_words(bank), _as_words(queries)
    columns = np.ascontiguousarray(bank.T)  # one contiguous array per word streams better
    step = max(1, _BUDGET // max(1, len(bank)))
    parts = []
    for start in range(0, len(queries), step):
        block = queries[start : start + step]
        dist = np.zeros((len(block), len(bank)), dtype=np.uint16)
        for w in range(4):
            dist += np.bitwise_count(block[:, w, None] ^ columns[w])
        q, rows = np.nonzero(dist <= threshold)
        parts.append((q + start, rows, dist[q, rows]))
    return _ordered(parts)


class PdqIndex(Generic[T]):
    """Exact index of PDQ hashes, each stored with an entry; one hash may carry many entries.

    Every ``add`` appends rows (a hash added twice is two rows, two entries); the tables are
    rebuilt on the next query, so add in batches. Queries read shared state: build (or query
    once) before sharing an index between threads.
    """

    def __init__(self, threshold: int = 31) -> None:
        self.threshold = threshold
        self._entries: list[T] = []
        # The words as two (n, 2) halves: candidates are checked on the front half first, and
        # 16 MiB per million hashes stays in cache far better than 32 (22 vs 35 ns a row).
        self._front: Words = np.zeros((0, 2), dtype=np.uint64)
        self._back: Words = np.zeros((0, 2), dtype=np.uint64)
        self._pending: list[Words] = []
        self._ids: list[Ids] = []
        self._offsets: list[Ints] = []

    @property
    def threshold(self) -> int:
        return self._threshold

    @threshold.setter
    def threshold(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= HASH_BITS:
            raise ValueError(f"threshold must be an int from 0 to {HASH_BITS}, got {value!r}")
        self._threshold = value

    @classmethod
    def build(cls, hashes: Sequence[str], entries: Sequence[T], threshold: int = 31) -> PdqIndex[T]:
        index = cls(threshold)
        index.add(hashes, entries)
        index._build()
        return index

    def add(self, hashes: Sequence[str], entries: Sequence[T]) -> None:
        if len(hashes) != len(entries):
            raise ValueError(f"{len(hashes)} hashes but {len(entries)} entries")
        self._add_words(hex_to_words(hashes), entries)

    def _add_words(self, words: Words, entries: Sequence[T]) -> None:
        if len(self._entries) + len(words) >= 2**31:
            raise ValueError("a PdqIndex holds fewer than 2**31 hashes (int32 row ids)")
        if len(words):
            self._pending.append(_as_words(words))
            self._entries.extend(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes of the hash words and tables (entries not counted); builds the tables."""
        self._build()
        arrays: list[npt.NDArray[Any]] = [self._front, self._back, *self._ids, *self._offsets]
        return sum(a.nbytes for a in arrays)

    def _build(self) -> None:
        if self._offsets and not self._pending:
            return
        words = np.concatenate([self._stored(), *self._pending])
        self._front, self._back = words[:, :2].copy(), words[:, 2:].copy()
        self._pending = []
        self._ids, self._offsets = [], []
        for c in range(N_CHUNKS):
            key = _chunk(words, c)
            # Stable sort of 16-bit keys is a radix sort in numpy: linear, and rows keep their
            # insertion order inside a bucket.
            self._ids.append(np.argsort(key.astype(np.uint16), kind="stable").astype(np.int32))
            offsets = np.zeros(_BUCKETS + 1, dtype=np.int64)
            np.cumsum(np.bincount(key, minlength=_BUCKETS), out=offsets[1:])
            self._offsets.append(offsets)

    def query(self, hashes: Sequence[str]) -> list[IndexMatch[T]]:
        """Every stored entry within the threshold of each hash, sorted by (query, distance)."""
        q, rows, dist = self.query_arrays(hex_to_words(hashes))
        stored = words_to_hex(self._stored(rows))
        return [
            IndexMatch(i, d, self._entries[r], h, hashes[i].lower(), self._threshold)
            for i, r, d, h in zip(q.tolist(), rows.tolist(), dist.tolist(), stored, strict=True)
        ]

    def query_arrays(self, words: Words) -> Pairs:
        """(query_idx, entry_idx, distance) for an (n, 4) uint64 batch, sorted like ``query``."""
        queries = _as_words(words)
        self._build()
        if not len(queries) or not len(self._front):
            return _ordered([])
        if _scans(self._threshold):
            return brute_force(self._stored(), queries, self._threshold)
        parts: list[Pairs] = []
        for c, tau in enumerate(probe_radii(self._threshold)):
            if tau >= 0:
                parts.extend(self._probe(c, _masks(tau), queries))
        q, rows, dist = _ordered(parts)
        # A pair close in several chunks is found in several tables: keep it once.
        _, first = np.unique(q * len(self._front) + rows, return_index=True)
        keep = np.sort(first)
        return q[keep], rows[keep], dist[keep]

    def _probe(self, c: int, masks: Ints, queries: Words) -> Iterator[Pairs]:
        ids, offsets, width = self._ids[c], self._offsets[c], len(masks)
        # Queries per batch so that the expected candidates fill one budget.
        batch = max(1, _BUDGET // (width * (1 + len(self._front) // _BUCKETS)))
        for start in range(0, len(queries), batch):
            block = queries[start : start + batch]
            buckets = (_chunk(block, c)[:, None] ^ masks).ravel()
            starts = offsets.take(buckets)
            counts = offsets.take(buckets + 1) - starts
            per_query = counts.reshape(len(block), width).sum(axis=1)
            ends = np.cumsum(per_query)
            lo = 0
            while lo < len(block):
                # Cut by real counts too: a crowded bucket (near-identical hashes) must not
                # blow one pass up.
                done = int(ends[lo - 1]) if lo else 0
                hi = max(lo + 1, int(np.searchsorted(ends, done + _BUDGET, side="right")))
                cut = slice(lo * width, hi * width)
                yield self._verify(ids, block[lo:hi], starts[cut], counts[cut], start + lo)
                lo = hi

    def _verify(self, ids: Ids, block: Words, starts: Ints, counts: Ints, first: int) -> Pairs:
        per_query = counts.reshape(len(block), -1).sum(axis=1)
        total = int(per_query.sum())
        # CSR expansion: candidate k of bucket b is ids[starts[b] + k - (candidates before b)].
        skip = np.cumsum(counts) - counts
        pos = np.repeat(starts - skip, counts) + np.arange(total, dtype=np.int64)
        rows = ids.take(pos)
        # take(axis=0) gathers rows ~7x faster than fancy indexing on a 2-D array.
        front = self._front.take(rows, axis=0)
        front ^= np.repeat(block[:, :2], per_query, axis=0)
        dist = _popcount(front)
        # The front half's distance is a lower bound: past the threshold, the pair is out.
        # Random pairs are out here with odds of about 1 - 1e-9 at 31 bits.
        hit = np.flatnonzero(dist <= self._threshold)
        local = np.searchsorted(np.cumsum(per_query), hit, side="right")
        rows, dist = rows[hit], dist[hit]
        dist += _popcount(self._back.take(rows, axis=0) ^ block[local, 2:])
        keep = dist <= self._threshold
        return local[keep] + first, rows[keep].astype(np.int64), dist[keep].astype(np.int64)

    def _stored(self, rows: Ints | None = None) -> Words:
        if rows is None:
            return np.concatenate([self._front, self._back], axis=1)
        return np.concatenate(
            [self._front.take(rows, axis=0), self._back.take(rows, axis=0)], axis=1
        )

    def serialize(self, path: Path, encode: Callable[[T], Any] | None = None) -> None:
        """Write one .npz (no pickle); entries must be JSON values, or pass ``encode``."""
        self._build()
        values = [encode(e) for e in self._entries] if encode else self._entries
        try:
            text = json.dumps(values, allow_nan=False, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"entries are not JSON values ({exc}); pass encode=") from exc
        with path.open("wb") as out:
            np.savez(
                out,
                format=np.int64(_FORMAT),
                threshold=np.int64(self._threshold),
                words=self._stored(),
                entries=np.frombuffer(text.encode(), dtype=np.uint8),
            )

    @classmethod
    def deserialize(cls, path: Path, decode: Callable[[Any], T] | None = None) -> PdqIndex[T]:
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format"])
                threshold = int(data["threshold"])
                words = _as_words(data["words"])
                values = json.loads(data["entries"].tobytes().decode())
        except KeyError as exc:
            raise ValueError(f"{path} is not a Rescue PDQ index (missing {exc})") from exc
        if version != _FORMAT:
            raise ValueError(f"{path}: index format {version}, this Rescue reads {_FORMAT}")
        if not isinstance(values, list) or len(values) != len(words):
            raise ValueError(f"{path}: entries do not line up with the {len(words)} hashes")
        index = cls(threshold)
        index._add_words(words, [decode(v) for v in values] if decode else values)
        return index
