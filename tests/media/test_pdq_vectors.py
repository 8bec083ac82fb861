"""PDQ against Meta's test vectors (shared/vectors/pdq; its README says what each CSV means).

- The full-resolution path reproduces pdqhash 0.2.8's figures exactly: every image, every
  dihedral variant, every quality.
- The fast path reproduces them within FAST_PATH_MAX_DISTANCE.
- Both paths keep Meta's conformance rule against the C++ reference (quality >= 80: <= 10 bits).
- Edited copies of the bridge photo match it, rotated and mirrored copies match through the
  dihedral variants, and unrelated pictures do not.
"""

from __future__ import annotations

import functools

import pytest
from pdq_samples import VECTORS, computed, rows
from PIL import Image

from rescue.media.decode import (
    FAST_PATH_MAX_DISTANCE,
    FAST_PATH_MAX_QUALITY_CHANGE,
    Decoded,
    decode,
)
from rescue.media.hashing import hash_file
from rescue.media.pdq import (
    DIHEDRAL_ORDER,
    PdqHash,
    _pdq_of_samples,
    dihedral_distance,
    hamming,
    pdq_of_image,
    pdq_of_reduced,
    pdq_of_rgb,
)
from rescue.synth import pdq as synth_pdq

MATCH = 31  # PDQ's usual match threshold (python-threatexchange, HMA)
CONFORMANCE = 10  # Meta's pdq/README.md: within 10 bits of the C++ reference at quality >= 80
COMPUTED = computed()
ORIGINAL = "bridge-mods/aaa-orig.jpg"


@functools.cache
def _full(relative: str) -> PdqHash:
    decoded = decode((VECTORS / relative).read_bytes(), full_resolution=True)
    assert isinstance(decoded, Decoded), decoded
    return pdq_of_rgb(decoded.rgb)


@functools.cache
def _fast(relative: str) -> PdqHash:
    decoded = decode((VECTORS / relative).read_bytes())
    assert isinstance(decoded, Decoded), decoded
    return pdq_of_reduced(decoded.rgb, decoded.width, decoded.height, decoded.reduction)


def test_vectors_are_beside_the_repository() -> None:
    assert (VECTORS / "README.md").is_file(), f"PDQ vectors not found at {VECTORS}"
    assert len(COMPUTED) == 32


@pytest.mark.parametrize("row", COMPUTED, ids=[r["file"] for r in COMPUTED])
def test_full_resolution_reproduces_pdqhash_exactly(row: dict[str, str]) -> None:
    with Image.open(VECTORS / row["file"]) as image:
        assert image.mode == row["source_mode"]
        from_image = pdq_of_image(image)
    assert (from_image.hash, from_image.quality) == (row["pdq_hex"], int(row["quality"]))
    assert _full(row["file"]) == from_image
    hashed = hash_file(VECTORS / row["file"], full_resolution=True)
    assert hashed.pdq == from_image
    assert (hashed.width, hashed.height) == (int(row["width"]), int(row["height"]))


@pytest.mark.parametrize("row", COMPUTED, ids=[r["file"] for r in COMPUTED])
def test_fast_path_reproduces_pdqhash_within_the_bound(row: dict[str, str]) -> None:
    full, fast = _full(row["file"]), _fast(row["file"])
    assert hamming(fast.hash, row["pdq_hex"]) <= FAST_PATH_MAX_DISTANCE
    for fast_variant, full_variant in zip(fast.dihedral, full.dihedral, strict=True):
        assert hamming(fast_variant, full_variant) <= FAST_PATH_MAX_DISTANCE
    assert abs(fast.quality - int(row["quality"])) <= FAST_PATH_MAX_QUALITY_CHANGE
    assert hash_file(VECTORS / row["file"]).pdq == fast


@pytest.mark.parametrize("row", COMPUTED, ids=[r["file"] for r in COMPUTED])
def test_fast_path_arithmetic_at_full_size_is_pdqhash(row: dict[str, str]) -> None:
    # Meta's blur and sampling as matrices, and the hand-over of the samples to pdqhash, checked
    # where no reduction blurs the comparison: at full size they must give pdqhash's figures.
    decoded = decode((VECTORS / row["file"]).read_bytes(), full_resolution=True)
    assert isinstance(decoded, Decoded)
    emulated = _pdq_of_samples(decoded.rgb, decoded.width, decoded.height, 1)
    assert hamming(emulated.hash, row["pdq_hex"]) <= 2  # float rounding near the median
    assert emulated.quality == int(row["quality"])


def test_fast_path_is_exact_where_it_does_not_reduce() -> None:
    small = [r for r in COMPUTED if min(int(r["width"]), int(r["height"])) < 512]
    assert small  # the crops, the shrunk copies, small.jpg, wee.jpg
    for row in small:
        assert _fast(row["file"]) == _full(row["file"]), row["file"]


def test_fast_path_reduces_the_large_images() -> None:
    decoded = decode((VECTORS / ORIGINAL).read_bytes())
    assert isinstance(decoded, Decoded)
    assert (decoded.width, decoded.height, decoded.reduction) == (1600, 1004, 2)
    assert decoded.rgb.shape == (502, 800, 3)


def test_dihedral_variants_reproduce_pdqhash_exactly() -> None:
    table = rows("computed_dihedral_pdqhash_0.2.8.csv")
    original = pdq_of_image(Image.open(VECTORS / table[0]["matching_file"]))
    assert tuple(r["variant"] for r in table) == DIHEDRAL_ORDER
    assert original.dihedral == tuple(
        r["pdq_hex_from_original_via_compute_dihedral"] for r in table
    )
    assert original.dihedral[0] == original.hash
    assert {int(r["quality"]) for r in table} == {original.quality}
    for row, variant in zip(table, original.dihedral, strict=True):
        # The variant against the hash of the physically rotated or mirrored file.
        physical = pdq_of_image(Image.open(VECTORS / row["matching_file"]))
        assert hamming(variant, physical.hash) == int(row["hamming_to_pdqhash_of_that_file"])


def test_python_threatexchange_figures_are_pdqhash_figures() -> None:
    signal = [r for r in rows("expected_hashes.csv") if "PdqSignal" in r["implementation"]]
    assert len(signal) >= 12
    for row in signal:
        assert _full(row["file"]).hash == row["pdq_hex"], row["file"]


@pytest.mark.parametrize("path", ["full", "fast"])
def test_conformance_with_the_cpp_reference(path: str) -> None:
    reference = [r for r in rows("expected_hashes.csv") if r["implementation"].startswith("cpp")]
    assert len(reference) == 9
    for row in reference:
        ours = _full(row["file"]) if path == "full" else _fast(row["file"])
        assert ours.quality >= 80
        assert hamming(ours.hash, row["pdq_hex"]) <= CONFORMANCE, row["file"]


@pytest.mark.parametrize("path", ["full", "fast"])
def test_other_implementations_stay_within_the_python_tolerance(path: str) -> None:
    # Java, pure Python and WASM decode differently; Meta's Python test allows 16 bits.
    for row in rows("expected_hashes.csv"):
        ours = _full(row["file"]) if path == "full" else _fast(row["file"])
        assert hamming(ours.hash, row["pdq_hex"]) <= 16, (row["file"], row["implementation"])


@pytest.mark.parametrize("path", ["full", "fast"])
def test_edited_bridges_match_the_original(path: str) -> None:
    hasher = _full if path == "full" else _fast
    original = hasher(ORIGINAL)
    for edited in sorted((VECTORS / "bridge-mods").iterdir()):
        relative = str(edited.relative_to(VECTORS))
        assert hamming(hasher(relative).hash, original.hash) <= MATCH, relative


@pytest.mark.parametrize("path", ["full", "fast"])
def test_rotated_and_mirrored_bridges_match_through_dihedral_hashes(path: str) -> None:
    hasher = _full if path == "full" else _fast
    original = hasher("reg-test-input/dih/bridge-1-original.jpg")
    for copy in sorted((VECTORS / "reg-test-input" / "dih").iterdir())[1:]:
        turned = hasher(str(copy.relative_to(VECTORS)))
        assert hamming(turned.hash, original.hash) > MATCH, copy.name  # not without them
        assert dihedral_distance(turned.hash, original.dihedral) <= MATCH, copy.name
        assert dihedral_distance(original.hash, turned.dihedral) <= MATCH, copy.name


@pytest.mark.parametrize("path", ["full", "fast"])
@pytest.mark.parametrize(
    "unrelated",
    [
        "misc-images/c.png",
        "misc-images/small.jpg",
        "misc-images/wee.jpg",
        "reg-test-input/pen-and-coaster.png",
    ],
)
def test_unrelated_pictures_do_not_match(path: str, unrelated: str) -> None:
    hasher = _full if path == "full" else _fast
    bridge = hasher(ORIGINAL)
    other = hasher(unrelated)
    assert min(dihedral_distance(v, bridge.dihedral) for v in other.dihedral) > MATCH


def test_modes_are_converted_like_the_reference() -> None:
    # The same photo stored as 1, L, P, PA, CMYK, YCbCr, I and F: all hash near the RGB original.
    original = _full(ORIGINAL)
    modes = sorted((VECTORS / "misc-images" / "modes").iterdir())
    assert len(modes) == 8
    for path in modes:
        relative = str(path.relative_to(VECTORS))
        assert hamming(_full(relative).hash, original.hash) <= 4, path.name
        assert hamming(_fast(relative).hash, original.hash) <= 4, path.name


def test_hex_order_is_the_synthetic_generators_order() -> None:
    with Image.open(VECTORS / ORIGINAL) as image:
        assert synth_pdq.pdq_hex(image) == (pdq_of_image(image).hash, 100)
        assert tuple(synth_pdq.pdq_dihedral_hex(image)) == pdq_of_image(image).dihedral


def test_hamming() -> None:
    zero, ones = "0" * 64, "f" * 64
    assert hamming(zero, ones) == 256
    assert hamming(zero, "0" * 63 + "1") == 1
    assert hamming(ones.upper(), ones) == 0
    for bad in ("", "0" * 63, "g" * 64, "0" * 65):
        with pytest.raises(ValueError, match="not a PDQ hash"):
            hamming(bad, zero)
    with pytest.raises(ValueError, match="no dihedral variants"):
        dihedral_distance(zero, [])
