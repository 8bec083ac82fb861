"""The PDQ index is exact: the same pairs as brute force, at every distance and threshold."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rescue.media import index as index_module
from rescue.media.index import (
    IndexMatch,
    PdqIndex,
    brute_force,
    hex_to_words,
    probe_radii,
    words_to_hex,
)

Words = npt.NDArray[np.uint64]
ZERO = "0" * 64
ONES = "f" * 64


def _random(rng: np.random.Generator, n: int) -> Words:
    return rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64, endpoint=False)


def _pack(bits: npt.NDArray[np.bool_]) -> Words:
    """(n, 256) bools, bit 0 first as in the hex string, to (n, 4) words."""
    return np.packbits(bits, axis=1).view(">u8").astype(np.uint64)


def _flip(rng: np.random.Generator, words: Words, k: int) -> Words:
    """Each row with exactly k distinct random bits flipped."""
    # A random permutation per row: its k smallest values sit at k random positions.
    bits = np.argsort(rng.random((len(words), 256)), axis=1) < k
    return words ^ _pack(bits)


def _flip_per_chunk(rng: np.random.Generator, word: Words, counts: list[int]) -> Words:
    """One row with counts[c] bits flipped inside 16-bit chunk c (hex digits 4c to 4c+3)."""
    bits = np.zeros((1, 256), dtype=bool)
    for c, k in enumerate(counts):
        bits[0, 16 * c + rng.choice(16, size=k, replace=False)] = True
    return word ^ _pack(bits)


def _python_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def _index(bank: Words, threshold: int) -> PdqIndex[int]:
    return PdqIndex.build(words_to_hex(bank), list(range(len(bank))), threshold)


def _same(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    assert [a.tolist() for a in got] == [b.tolist() for b in want]


# --- the exactness condition ------------------------------------------------------------------


@pytest.mark.parametrize("threshold", range(257))
def test_probe_radii_meet_the_pigeonhole_bound(threshold: int) -> None:
    radii = probe_radii(threshold)
    assert len(radii) == 16
    assert sum(t + 1 for t in radii) == threshold + 1
    assert max(radii) - min(radii) <= 1 and min(radii) >= -1


def test_meta_threshold_probes_one_bit_in_every_table() -> None:
    assert probe_radii(31) == (1,) * 16
    assert probe_radii(0) == (0,) + (-1,) * 15


@pytest.mark.parametrize("threshold", range(51))
def test_worst_case_spread_is_found_and_one_more_bit_is_not(threshold: int) -> None:
    """A pair as far as allowed in every chunk but one is found only through that one table."""
    rng = np.random.default_rng(threshold)
    radii = probe_radii(threshold)
    query = _random(rng, 1)
    for c in (c for c, tau in enumerate(radii) if tau >= 0):
        counts = [tau + 1 for tau in radii]
        counts[c] = radii[c]
        near = _flip_per_chunk(rng, query, counts)
        counts[c] = radii[c] + 1
        far = _flip_per_chunk(rng, query, counts)
        index = _index(np.concatenate([near, far]), threshold)
        _, rows, dist = index.query_arrays(query)
        assert (rows.tolist(), dist.tolist()) == ([0], [threshold]), f"table {c}"


# --- index against brute force ----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_queries=st.integers(0, 12),
    n_random=st.integers(0, 300),
    n_copies=st.integers(0, 20),
    threshold=st.integers(0, 64),
)
def test_index_returns_exactly_the_brute_force_pairs(
    seed: int, n_queries: int, n_random: int, n_copies: int, threshold: int
) -> None:
    rng = np.random.default_rng(seed)
    queries = _random(rng, n_queries)
    # Near-duplicates planted around every query at every distance 0..40, random filler,
    # and exact copies of bank rows: one hash, several entries.
    planted = [_flip(rng, queries, k) for k in range(41)]
    bank = np.concatenate([*planted, _random(rng, n_random)])
    if len(bank):
        bank = np.concatenate([bank, bank[rng.integers(0, len(bank), n_copies)]])
    bank = bank[rng.permutation(len(bank))]
    got = _index(bank, threshold).query_arrays(queries)
    want = brute_force(bank, queries, threshold)
    _same(got, want)
    assert len(want[0]) >= n_queries * min(threshold + 1, 41)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), threshold=st.integers(0, 256))
def test_brute_force_agrees_with_python_integers(seed: int, threshold: int) -> None:
    rng = np.random.default_rng(seed)
    bank = np.concatenate([_random(rng, 20), _flip(rng, _random(rng, 20), threshold // 2)])
    queries = _random(rng, 5)
    q, rows, dist = brute_force(bank, queries, threshold)
    bank_hex, query_hex = words_to_hex(bank), words_to_hex(queries)
    want = sorted(
        (i, d, r)
        for i, qh in enumerate(query_hex)
        for r, bh in enumerate(bank_hex)
        if (d := _python_distance(qh, bh)) <= threshold
    )
    assert list(zip(q.tolist(), dist.tolist(), rows.tolist(), strict=True)) == want


@pytest.mark.parametrize("threshold", [0, 1, 7, 15, 16, 30, 31, 32, 47, 50, 51, 64, 100, 255])
def test_distance_at_threshold_matches_and_one_more_does_not(threshold: int) -> None:
    rng = np.random.default_rng(threshold)
    query = _random(rng, 1)
    bank = np.concatenate([_flip(rng, query, threshold), _flip(rng, query, threshold + 1)])
    q, rows, dist = _index(bank, threshold).query_arrays(query)
    assert (q.tolist(), rows.tolist(), dist.tolist()) == ([0], [0], [threshold])


def test_complement_is_256_bits_away_not_zero() -> None:
    """Per-word counts are uint8: a full 256-bit distance must not wrap to 0."""
    bank = [ONES]
    assert PdqIndex.build(bank, ["x"]).query([ZERO]) == []
    (match,) = PdqIndex.build(bank, ["x"], threshold=256).query([ZERO])
    assert match.distance == 256


@pytest.mark.parametrize("budget", [7, 200])
def test_crowded_buckets_are_split_across_passes(
    monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    """Near-identical hashes crowd a bucket; a small pass budget forces every cut path."""
    monkeypatch.setattr(index_module, "_BUDGET", budget)
    rng = np.random.default_rng(5)
    base = _random(rng, 3)
    bank = np.concatenate([_flip(rng, np.repeat(base, 40, axis=0), k % 6) for k in range(5)])
    queries = np.concatenate([base, _flip(rng, base, 20), _random(rng, 4)])
    _same(_index(bank, 31).query_arrays(queries), brute_force(bank, queries, 31))


def test_empty_bank_and_empty_queries() -> None:
    empty: PdqIndex[str] = PdqIndex()
    assert len(empty) == 0
    assert empty.query([ZERO]) == []
    assert [len(a) for a in empty.query_arrays(hex_to_words([ZERO]))] == [0, 0, 0]
    one = PdqIndex.build([ZERO], ["a"])
    assert one.query([]) == []
    assert all(a.dtype == np.int64 for a in one.query_arrays(np.zeros((0, 4), np.uint64)))


def test_single_hash_finds_itself() -> None:
    (match,) = PdqIndex.build([ZERO], ["a"]).query([ZERO])
    assert (match.query, match.distance, match.entry, match.hash) == (0, 0, "a", ZERO)


# --- interface --------------------------------------------------------------------------------


def test_one_hash_carries_many_entries_across_adds() -> None:
    index: PdqIndex[str] = PdqIndex()
    index.add([ZERO, ONES], ["case-1", "other"])
    assert [m.entry for m in index.query([ZERO])] == ["case-1"]
    index.add([ZERO], ["case-2"])  # after a query: the tables are rebuilt
    assert len(index) == 3
    assert [m.entry for m in index.query([ZERO])] == ["case-1", "case-2"]


def test_matches_are_sorted_by_query_then_distance_and_explain_themselves() -> None:
    rng = np.random.default_rng(7)
    queries = _random(rng, 2)
    bank = np.concatenate([_flip(rng, queries, 12), _flip(rng, queries, 3)])
    index = PdqIndex.build(words_to_hex(bank), ["q0-far", "q1-far", "q0-near", "q1-near"])
    query_hex = [h.upper() for h in words_to_hex(queries)]
    matches = index.query(query_hex)
    assert [(m.query, m.distance, m.entry) for m in matches] == [
        (0, 3, "q0-near"),
        (0, 12, "q0-far"),
        (1, 3, "q1-near"),
        (1, 12, "q1-far"),
    ]
    first = matches[0]
    assert isinstance(first, IndexMatch)
    assert first.hash == words_to_hex(bank[2:3])[0]
    assert first.query_hash == query_hex[0].lower()
    assert first.explain() == (
        f"PDQ {first.query_hash[:4]}…{first.query_hash[-2:]} within 3 bits of known "
        f"{first.hash[:4]}…{first.hash[-2:]} (threshold 31)"
    )


def test_threshold_lives_on_the_index_and_is_checked() -> None:
    index = PdqIndex.build([ZERO], [1], threshold=31)
    near = "0" * 60 + "000f"
    assert [m.distance for m in index.query([near])] == [4]
    index.threshold = 3
    assert index.query([near]) == []
    for bad in (-1, 257, True, 31.0):
        with pytest.raises(ValueError, match="threshold"):
            PdqIndex(bad)  # type: ignore[arg-type]


def test_add_needs_one_entry_per_hash() -> None:
    with pytest.raises(ValueError, match="2 hashes but 1 entries"):
        PdqIndex[str]().add([ZERO, ONES], ["a"])


def test_query_arrays_rejects_wrong_shapes() -> None:
    index = PdqIndex.build([ZERO], [1])
    with pytest.raises(ValueError, match="uint64"):
        index.query_arrays(np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        index.query_arrays(np.zeros((2, 3), dtype=np.uint64))


def test_memory_is_about_96_bytes_per_hash() -> None:
    rng = np.random.default_rng(0)
    index = _index(_random(rng, 10_000), 31)
    fixed = 16 * 65_537 * 8
    assert index.nbytes - fixed == 10_000 * (32 + 16 * 4)


# --- serialisation ----------------------------------------------------------------------------


def test_serialize_round_trip_gives_identical_results(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    queries = _random(rng, 50)
    bank = np.concatenate([_flip(rng, queries, k) for k in range(0, 40, 3)])
    entries = [{"known_id": f"k{i}", "set": "ĳsland ✓"} for i in range(len(bank))]
    index = PdqIndex.build(words_to_hex(bank), entries, threshold=24)
    path = tmp_path / "known.pdqindex"
    index.serialize(path)
    loaded: PdqIndex[dict[str, str]] = PdqIndex.deserialize(path)
    assert path.exists() and loaded.threshold == 24 and len(loaded) == len(index)
    assert loaded.query(words_to_hex(queries)) == index.query(words_to_hex(queries))


@dataclass(frozen=True)
class Known:
    known_id: str
    category: int


def test_serialize_non_json_entries_through_encode_and_decode(tmp_path: Path) -> None:
    index = PdqIndex.build([ZERO, ZERO], [Known("a", 1), Known("b", 2)])
    path = tmp_path / "i.npz"
    with pytest.raises(ValueError, match="pass encode="):
        index.serialize(path)
    index.serialize(path, encode=lambda k: [k.known_id, k.category])
    loaded = PdqIndex.deserialize(path, decode=lambda v: Known(*v))
    assert [m.entry for m in loaded.query([ZERO])] == [Known("a", 1), Known("b", 2)]


def test_deserialize_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    with path.open("wb") as out:
        np.savez(out, words=np.zeros((1, 4), np.uint64))
    with pytest.raises(ValueError, match="not a Rescue PDQ index"):
        PdqIndex.deserialize(path)
    with path.open("wb") as out:
        np.savez(
            out,
            format=np.int64(99),
            threshold=np.int64(31),
            words=np.zeros((1, 4), np.uint64),
            entries=np.frombuffer(json.dumps([1]).encode(), np.uint8),
        )
    with pytest.raises(ValueError, match="format 99"):
        PdqIndex.deserialize(path)


def test_empty_index_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.npz"
    PdqIndex[int](threshold=10).serialize(path)
    loaded: PdqIndex[int] = PdqIndex.deserialize(path)
    assert (len(loaded), loaded.threshold, loaded.query([ZERO])) == (0, 10, [])


# --- hex parsing ------------------------------------------------------------------------------


def test_hex_round_trip_is_big_endian_and_lowercase() -> None:
    words = hex_to_words(["0123456789ABCDEF" + "0" * 47 + "1"])
    assert words.dtype == np.uint64 and words.shape == (1, 4)
    assert words[0, 0] == 0x0123456789ABCDEF and words[0, 3] == 1
    assert words_to_hex(words) == ["0123456789abcdef" + "0" * 47 + "1"]
    assert hex_to_words([]).shape == (0, 4)


@pytest.mark.parametrize(
    "bad",
    [
        "0" * 63,
        "0" * 65,
        "",
        "g" + "0" * 63,
        "0" * 31 + " " + "0" * 32,
        "0x" + "0" * 62,
        "٣" + "0" * 63,
        None,
        b"0" * 64,
    ],
)
def test_bad_hex_is_rejected_naming_its_position(bad: object) -> None:
    with pytest.raises(ValueError, match="hash 2 is not a PDQ hash"):
        hex_to_words([ZERO, ONES, bad, ZERO])  # type: ignore[list-item]


def test_hex_parsing_wants_a_list_not_one_string() -> None:
    with pytest.raises(TypeError, match="sequence of hashes"):
        hex_to_words(ZERO)
    with pytest.raises(ValueError, match="hash 0"):
        PdqIndex().query(["nope"])
