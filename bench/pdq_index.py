"""Known-hash matching at PDQ radius 31: Rescue's PdqIndex against two peers, one thread each.

The bank is 1,000,000 random 256-bit PDQ hashes (synthetic bit strings, no media). The queries are
100,000: 20,000 bank entries with 0 to 31 random bits flipped, which must all be found, and
80,000 random hashes, which in practice match nothing; shuffled together with a fixed seed.

Peers, each given the same bank and the first K queries of the same shuffled list:
  faiss IndexBinaryFlat.range_search   exact brute force; its pairs are the truth for recall.
  threatexchange PDQIndex              the index Meta's HMA uses: faiss IndexBinaryMultiHash
                                       (16 x 16-bit MIH, one flip) behind one query() per hash.
Rescue answers all 100,000 queries, through query_arrays (words in, int arrays out) and through
query (hex in, IndexMatch objects out). Recall is against the brute-force pairs on the queries
faiss ran, and against the planted pairs on every query each index ran.

One thread: faiss's OpenMP pool is set to 1; numpy's element-wise kernels, take, repeat and sort
never spawn threads (there is no BLAS call here). Memory is the resident-set growth while an index
is built (approximate: allocator slack included); for Rescue its exact array bytes are shown too.

Usage: python -m bench.pdq_index [--bank N] [--queries Q] [--planted P] [--flat K] [--hma K]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from rescue.media.index import PdqIndex, brute_force, words_to_hex

THRESHOLD = 31
Pairs = dict[tuple[int, int], int]  # (query, bank row) -> distance


@dataclass
class Run:
    name: str
    queries: int = 0
    build_s: float = 0.0
    memory: int = 0
    seconds: float = 0.0
    pairs: Pairs = field(default_factory=dict)
    note: str = ""

    @property
    def qps(self) -> float:
        return self.queries / self.seconds if self.seconds else 0.0


def _load_libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: memory figures include allocator slack
        return None


_LIBC = _load_libc()
_M_MMAP_THRESHOLD = -3


def _malloc_for(measuring: bool) -> None:
    """Keep one build's memory growth from hiding in another's leftovers, without slowing queries.

    glibc serves big arrays from a heap it keeps once they have been freed. While a build is
    measured, blocks over 128 KiB are mapped on their own and freed ones trimmed first; while
    queries are timed, 32 MiB (glibc's own ceiling) keeps their temporary arrays in the heap
    instead of faulting in fresh pages every pass (which halved Rescue's rate in a trial).
    """
    if _LIBC is not None:
        if measuring:
            _LIBC.malloc_trim(0)
        _LIBC.mallopt(_M_MMAP_THRESHOLD, 1 << 17 if measuring else 1 << 25)


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _timed(fn: Callable[[], Any], measuring: bool = False) -> tuple[Any, float, int]:
    """Result, wall seconds and resident-memory growth of one call."""
    gc.collect()
    _malloc_for(measuring)
    before, started = _rss(), time.perf_counter()
    result = fn()
    seconds, grown = time.perf_counter() - started, _rss() - before
    _malloc_for(False)
    return result, seconds, grown


def _workload(n_bank: int, n_queries: int, n_planted: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(2026)
    bank = rng.integers(0, 2**64, size=(n_bank, 4), dtype=np.uint64, endpoint=False)
    source = rng.choice(n_bank, size=n_planted, replace=False)
    flips = rng.integers(0, THRESHOLD + 1, size=n_planted)
    # A random permutation per row: its `flips` smallest values mark that many random bits.
    bits = np.argsort(rng.random((n_planted, 256)), axis=1) < flips[:, None]
    planted = bank[source] ^ np.packbits(bits, axis=1).view(">u8").astype(np.uint64)
    randoms = rng.integers(0, 2**64, size=(n_queries - n_planted, 4), dtype=np.uint64)
    order = rng.permutation(n_queries)
    queries = np.concatenate([planted, randoms])[order]
    # planted_row[i]: the bank row query i was made from, or -1 for a random query.
    planted_row = np.concatenate([source, np.full(n_queries - n_planted, -1)])[order]
    planted_dist = np.concatenate([flips, np.full(n_queries - n_planted, -1)])[order]
    return bank, queries, planted_row, planted_dist


def _rescue(bank_hex: list[str], queries: np.ndarray, query_hex: list[str]) -> list[Run]:
    entries = list(range(len(bank_hex)))
    index, build_s, memory = _timed(lambda: PdqIndex.build(bank_hex, entries, THRESHOLD), True)
    (q, rows, dist), seconds, _ = _timed(lambda: index.query_arrays(queries))
    pairs = dict(zip(zip(q.tolist(), rows.tolist(), strict=True), dist.tolist(), strict=True))
    arrays = Run("Rescue arrays", len(queries), build_s, memory, seconds, pairs)
    arrays.note = (
        f"query_arrays on (n, 4) uint64 words; {index.nbytes / len(index):.0f} B/hash of"
        " numpy arrays; hex: query() from hex strings to IndexMatch objects"
    )
    matches, seconds, _ = _timed(lambda: index.query(query_hex))
    found = {(m.query, m.entry): m.distance for m in matches}
    hexes = Run("Rescue hex", len(queries), build_s, memory, seconds, found)
    return [arrays, hexes]


def _faiss_flat(bank: np.ndarray, queries: np.ndarray) -> Run:
    import faiss

    faiss.omp_set_num_threads(1)
    as_bytes = [np.ascontiguousarray(a.astype(">u8")).view(np.uint8) for a in (bank, queries)]

    def build() -> Any:
        index = faiss.IndexBinaryFlat(256)
        index.add(as_bytes[0])
        return index

    index, build_s, memory = _timed(build, True)
    # range_search keeps distances strictly below the radius.
    (lims, dist, rows), seconds, _ = _timed(lambda: index.range_search(as_bytes[1], THRESHOLD + 1))
    q = np.repeat(np.arange(len(queries)), np.diff(lims).astype(np.int64))
    pairs = dict(zip(zip(q.tolist(), rows.tolist(), strict=True), dist.tolist(), strict=True))
    return Run("faiss flat", len(queries), build_s, memory, seconds, pairs)


def _threatexchange(bank_hex: list[str], query_hex: list[str]) -> Run:
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)
    entries = list(range(len(bank_hex)))

    def build() -> Any:
        return PDQIndex.build(zip(bank_hex, entries, strict=True))

    index, build_s, memory = _timed(build, True)
    assert index.get_match_threshold() == THRESHOLD
    results, seconds, _ = _timed(lambda: [index.query(h) for h in query_hex])
    pairs = {
        (q, m.metadata): int(m.similarity_info.distance)
        for q, matches in enumerate(results)
        for m in matches
    }
    note = "threatexchange PDQIndex: faiss IndexBinaryMultiHash, one query() per hash"
    return Run("HMA PDQIndex", len(query_hex), build_s, memory, seconds, pairs, note)


def _recall(
    run: Run, truth: Pairs, truth_queries: int, planted: tuple[np.ndarray, ...]
) -> list[str]:
    """Recall of the brute-force pairs (right distance too), pairs beyond them, planted found."""
    common = min(run.queries, truth_queries)
    want = {k: d for k, d in truth.items() if k[0] < common}
    got = {k: d for k, d in run.pairs.items() if k[0] < common}
    hit = sum(1 for k, d in want.items() if got.get(k) == d)
    rows, dists = (p[: run.queries] for p in planted)
    ran = np.flatnonzero(rows >= 0).tolist()
    found = sum(1 for i in ran if run.pairs.get((i, int(rows[i]))) == dists[i])
    return [
        f"{hit / max(1, len(want)):.3f}",
        f"{hit:,}/{len(want):,}",
        f"{len(got.keys() - want.keys())}",
        f"{found:,}/{len(ran):,}",
    ]


def _run_peer(console: Console, name: str, fn: Callable[[], Run]) -> Run:
    console.print(f"Timing {name} ...")
    try:
        return fn()
    except ImportError as exc:
        return Run(name, note=f"not run: {exc} (pip install faiss-cpu threatexchange)")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pdq_index")
    parser.add_argument("--bank", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=20_000)
    parser.add_argument("--flat", type=int, default=2_000, help="queries for faiss brute force")
    parser.add_argument("--hma", type=int, default=5_000, help="queries for threatexchange")
    args, _ = parser.parse_known_args(argv)  # other benchmarks share the command line
    console = Console()
    if not console.is_terminal:  # a log file: wide enough for the table
        console = Console(width=120)

    console.print(f"Bank of {args.bank:,} PDQ hashes, {args.queries:,} queries ...")
    bank, queries, *planted = _workload(args.bank, args.queries, args.planted)
    bank_hex, query_hex = words_to_hex(bank), words_to_hex(queries)

    console.print("Timing Rescue PdqIndex ...")
    runs = _rescue(bank_hex, queries, query_hex)
    flat = _run_peer(console, "faiss flat", lambda: _faiss_flat(bank, queries[: args.flat]))
    hma = _run_peer(
        console, "HMA PDQIndex", lambda: _threatexchange(bank_hex, query_hex[: args.hma])
    )
    runs += [flat, hma]

    truth, truth_queries = flat.pairs, flat.queries
    if not truth_queries:  # no faiss: Rescue's own numpy brute force is the reference
        truth_queries = min(args.flat, 200)
        q, rows, dist = brute_force(bank, queries[:truth_queries], THRESHOLD)
        truth = dict(zip(zip(q.tolist(), rows.tolist(), strict=True), dist.tolist(), strict=True))

    table = Table(title=f"PDQ radius {THRESHOLD}, bank of {args.bank:,}, one thread")
    columns = ("index", "queries", "build s", "B/hash", "queries/s", "x flat")
    for col in (*columns, "recall", "pairs", "extra", "planted"):
        table.add_column(col, justify="right")
    for run in runs:
        if not run.queries:
            table.add_row(run.name, *["-"] * 9)
            continue
        table.add_row(
            run.name,
            f"{run.queries:,}",
            f"{run.build_s:.1f}",
            f"{run.memory / args.bank:.0f}",
            f"{run.qps:,.0f}",
            f"{run.qps / flat.qps:.1f}" if flat.qps else "-",
            *_recall(run, truth, truth_queries, tuple(planted)),
        )
    console.print(table)
    reference = "faiss brute force" if flat.queries else "numpy brute force (faiss not run)"
    console.print(
        f"recall: brute-force pairs found with the right distance, on the first {truth_queries:,}"
        f" queries ({reference}); extra: pairs beyond them; planted: near-duplicates found"
        " among the queries each index ran. B/hash: resident memory growth while building."
    )
    for run in runs:
        if run.note:
            console.print(f"{run.name}: {run.note}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
