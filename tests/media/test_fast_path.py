"""The fast path's bound on generated pictures: within FAST_PATH_MAX_DISTANCE bits of the
full-resolution pdqhash figure (hash and every dihedral variant, quality >= 50), exact where
it does not reduce; and how it chooses the reduction."""

from __future__ import annotations

import functools
import io
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdq_samples import encoded, picture
from PIL import Image

from rescue.media.decode import (
    FAST_PATH_MAX_DISTANCE,
    FAST_PATH_MAX_QUALITY_CHANGE,
    MIN_HASHED_SIDE,
    Decoded,
    decode,
    reduction_for,
)
from rescue.media.pdq import (
    PdqHash,
    _axis_operator,
    _luma_as_rgb,
    dihedral_distance,
    hamming,
    pdq_of_image,
    pdq_of_reduced,
)


def _both(data: bytes) -> tuple[Decoded, PdqHash, PdqHash]:
    fast, full = decode(data), decode(data, full_resolution=True)
    assert isinstance(fast, Decoded) and isinstance(full, Decoded)
    assert full.reduction == 1
    fast_hash = pdq_of_reduced(fast.rgb, fast.width, fast.height, fast.reduction)
    return fast, fast_hash, pdq_of_reduced(full.rgb, full.width, full.height, 1)


def _assert_within_bound(fast: PdqHash, full: PdqHash) -> None:
    assert hamming(fast.hash, full.hash) <= FAST_PATH_MAX_DISTANCE
    for fast_variant, full_variant in zip(fast.dihedral, full.dihedral, strict=True):
        assert hamming(fast_variant, full_variant) <= FAST_PATH_MAX_DISTANCE
    assert abs(fast.quality - full.quality) <= FAST_PATH_MAX_QUALITY_CHANGE


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1024, 768), 2),
        ((1023, 511), 1),
        ((600, 512), 2),
        ((4000, 3000), 8),
        ((2048, 1536), 4),
        ((2047, 1536), 4),
        ((100_000, 4_000), 8),
        ((34, 42), 1),
    ],
)
def test_reduction_keeps_the_shorter_side_at_least_min_hashed_side(
    size: tuple[int, int], expected: int
) -> None:
    factor = reduction_for(*size)
    assert factor == expected
    assert factor == 1 or min(size) // factor >= MIN_HASHED_SIDE


def _generated() -> list[tuple[str, bytes]]:
    rng = random.Random(20261129)
    cases = []
    for index in range(36):
        width = rng.choice([rng.randint(520, 1400), rng.randint(1400, 2400), 4096])
        height = max(520, int(width * rng.uniform(0.5, 1.6))) if width < 4096 else 2100
        image = picture(1000 + index, (width, height), texture=index % 6 != 5)
        fmt = ("JPEG", "JPEG", "PNG", "WEBP")[index % 4]
        options = {"quality": rng.randint(60, 95)} if fmt != "PNG" else {"compress_level": 1}
        cases.append((f"{index}-{fmt}-{width}x{height}", encoded(image, fmt, **options)))
    return cases


GENERATED = _generated()


@functools.cache
def _generated_hashes(index: int) -> tuple[Decoded, PdqHash, PdqHash]:
    return _both(GENERATED[index][1])


@pytest.mark.parametrize("index", range(len(GENERATED)), ids=[name for name, _ in GENERATED])
def test_generated_pictures_stay_within_the_bound(index: int) -> None:
    decoded, fast, full = _generated_hashes(index)
    assert decoded.reduction > 1  # every case here is reduced
    if full.quality >= 50:
        _assert_within_bound(fast, full)


def test_generated_pictures_are_mostly_identical_and_never_near_the_bound() -> None:
    distances = []
    for index in range(len(GENERATED)):
        _, fast, full = _generated_hashes(index)
        distances.append(hamming(fast.hash, full.hash))
    assert max(distances) <= FAST_PATH_MAX_DISTANCE // 2  # measured: 4 at most
    assert sum(distances) / len(distances) < 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    width=st.integers(5, 511),
    height=st.integers(5, 700),
    fmt=st.sampled_from(["JPEG", "PNG"]),
)
def test_pictures_that_are_not_reduced_hash_exactly(
    seed: int, width: int, height: int, fmt: str
) -> None:
    data = encoded(picture(seed, (width, height)), fmt)
    decoded, fast, full = _both(data)
    assert decoded.reduction == 1
    assert fast == full
    with Image.open(io.BytesIO(data)) as image:
        assert pdq_of_image(image) == full


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    width=st.integers(512, 2200),
    aspect=st.floats(0.5, 1.5),
    quality=st.integers(50, 98),
)
def test_reduced_jpegs_stay_within_the_bound(
    seed: int, width: int, aspect: float, quality: int
) -> None:
    height = max(512, int(width * aspect))
    _, fast, full = _both(encoded(picture(seed, (width, height)), "JPEG", quality=quality))
    if full.quality >= 50:
        _assert_within_bound(fast, full)


def test_rotated_and_mirrored_copies_match_through_the_fast_path() -> None:
    image = picture(77, (1600, 1200))
    original = _both(encoded(image))[1]
    for turn in Image.Transpose:
        copy = _both(encoded(image.transpose(turn)))[1]
        assert dihedral_distance(copy.hash, original.dihedral) <= 31, turn.name


def test_axis_operator_is_metas_blur_and_sampling() -> None:
    # Rows sum to 1 (an average), and on a ramp each sample is the ramp near its position.
    for n in (5, 34, 64, 100, 1004, 1600, 4001):
        operator = _axis_operator(n)
        assert operator.shape == (64, n)
        np.testing.assert_allclose(operator.sum(axis=1), 1.0)
    # At 64 pixels the window is 1 and every pixel is sampled: the identity.
    np.testing.assert_allclose(_axis_operator(64), np.eye(64), atol=1e-12)


def test_luma_survives_the_hand_over_to_pdqhash() -> None:
    luma = np.random.default_rng(3).uniform(0, 255, (64, 64))
    luma[0, :4] = (0.0, 0.2, 254.8, 255.0)
    rgb = _luma_as_rgb(luma).astype(np.float64)
    back = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    error = np.abs(back - luma)
    assert error.max() < 0.06  # the extremes, where fewer offsets stay within 0..255
    assert error[(luma >= 3) & (luma <= 252)].max() < 0.02


def test_too_small_for_pdq_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        pdq_of_reduced(np.zeros((2, 2, 3), np.uint8), 4, 4, 2)
