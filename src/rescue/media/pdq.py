"""PDQ hashes of decoded pixels, through Meta's C++ code in the ``pdqhash`` package.

A hash is 64 lowercase hex characters in Meta's order: the first character holds bits 255-252
and the last bits 3-0, exactly what Meta's ``Hash256::format``, ThreatExchange and hash-list
CSVs print, and what ``rescue.synth.pdq`` produces (the tests hold the two together).
``pdqhash`` returns each hash as a vector of 256 bits whose first element is bit 255, so packing
the vector most-significant-bit first gives those characters.

Every hash comes with its eight dihedral variants, computed in the same call
(``compute_dihedral`` filters the image once and derives the variants from the 16x16 DCT by
sign changes and transposes, so they cost almost nothing). A rotated or mirrored copy of a known
picture is found by comparing the copy's hash with all eight variants of the known one (or the
known hash with all eight of the copy's): see ``dihedral_distance``.

**Hashing a reduced image as if it were full size** (``pdq_of_reduced``, the fast path). PDQ
blurs the full-size luma with two passes of a box filter whose window grows with the image
(``computeJaroszFilterWindowSize``: about 1/128 of the side), samples the blurred image at 64x64
points, and takes the DCT of those samples. Running that blur on every pixel is most of the cost
of hashing a photo. Hashing a smaller decode of the image instead gives another hash, up to 22
bits away (the windows, their phase and the sampling points all change with the size), and
breaks Meta's conformance rule on its own bridge photo. So we do not hash the small image: we
compute, from it, the 64x64 samples that Meta's code would compute from the full-size image.
Blur and sampling are linear and separable, so along each axis they are one 64 x N matrix,
built from Meta's own window and edge rules (``_axis_operator``); composed with a cubic
interpolation from the reduced grid back to the full one, it becomes a sparse 64 x n matrix,
and the samples are two small sparse products. The reduced image loses only detail finer than
two to eight pixels, which the blur removes anyway, so the samples hardly change: the hashes
stay within a few bits of the full-size ``pdqhash`` figure (bound and tests:
``rescue.media.decode``). The tests also run this arithmetic at full size, where it must give
``pdqhash``'s own hashes.

The samples then go through ``pdqhash`` itself for the DCT, the median threshold, the quality
and the dihedral variants: handed a 64x64 image, Meta's code blurs with a window of 1 and
samples every pixel, i.e. takes it as it is. Only the hand-over needs care, because ``pdqhash``
takes 8-bit RGB and computes luma as 0.299 R + 0.587 G + 0.114 B: each sample is written as an
RGB triple near its value whose luma is within 0.02 of it (0.06 at the very ends of the range;
``_luma_as_rgb``), far below what moves a bit.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image

# The order of PdqHash.dihedral, which is the order in which Meta's
# pdqDihedralHash256esFromFloatLuma fills its outputs. Each variant is (close to) the hash of
# the picture after a Pillow transpose: ROTATE_90 (counter-clockwise), ROTATE_180, ROTATE_270,
# FLIP_TOP_BOTTOM ("flipx", flipped across the x axis), FLIP_LEFT_RIGHT ("flipy"), TRANSPOSE
# ("flip_plus1") and TRANSVERSE ("flip_minus1"). Close, not equal: the variants are derived
# from the DCT, and Meta's blur is not exactly symmetric, so a physically transposed copy
# hashes a few bits away (up to 8 on Meta's bridge photo).
DIHEDRAL_ORDER: Final = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)

# Below this many pixels in either dimension Meta's code returns an all-zero hash of quality
# 0, which would match every other such "hash"; callers refuse such images instead.
MIN_HASHABLE_SIDE: Final = 5

_HEX_DIGITS: Final = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A PDQ hash, its quality and its eight dihedral variants (``DIHEDRAL_ORDER``)."""

    hash: str  # 64 lowercase hex characters, Meta's order
    quality: int  # 0..100; Meta's guidance: below 50 the picture is too featureless to trust
    dihedral: tuple[str, ...]  # 8 hashes, DIHEDRAL_ORDER; dihedral[0] == hash


def _bits_to_hex(bits: Any) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return bytes(packed).hex()


def pdq_of_rgb(rgb: NDArray[np.uint8]) -> PdqHash:
    """Hash an H x W x 3 uint8 array (RGB), as ``pdqhash.compute_dihedral`` does.

    Raises ValueError for an array that is not H x W x 3 uint8 or is smaller than
    ``MIN_HASHABLE_SIDE`` in either dimension.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an H x W x 3 uint8 array, got {rgb.shape} {rgb.dtype}")
    height, width = rgb.shape[0], rgb.shape[1]
    if min(height, width) < MIN_HASHABLE_SIDE:
        raise ValueError(f"image too small for PDQ: {width}x{height} pixels")
    # The binding reads the buffer directly: it must be C-contiguous.
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    variants = tuple(_bits_to_hex(vector) for vector in vectors)
    return PdqHash(hash=variants[0], quality=int(quality), dihedral=variants)


def pdq_of_image(image: Image.Image) -> PdqHash:
    """The full-resolution PDQ hash of a Pillow image: the reference figures, bit for bit.

    The image is converted to RGB with Pillow (alpha dropped, palettes expanded, CMYK and
    YCbCr converted), which is what python-threatexchange does before calling ``pdqhash``.
    No EXIF rotation is applied (Meta's hashers apply none either).
    """
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return pdq_of_rgb(rgb)


_LUMA: Final = (0.299, 0.587, 0.114)  # pdqhash's coefficients, applied in this order
# Channel offsets -3..3 around a grey base: their lumas are spaced at most 0.038 apart.
_OFFSETS: Final = np.array(
    [(r, g, b) for r in range(-3, 4) for g in range(-3, 4) for b in range(-3, 4)], dtype=np.int64
)
_STEP: Final = 1 / 4096  # resolution of the table mapping a fraction to its best offset


def _axis_operator(n: int) -> NDArray[np.float64]:
    """64 x n: Meta's blur (two passes of box1DFloat) then decimateFloat, along n pixels."""
    window = (n + 2 * 64 - 1) // (2 * 64)  # computeJaroszFilterWindowSize(n, 64)
    half = (window + 2) // 2
    index = np.arange(n)
    lo = np.maximum(0, index - (window - half))  # box1DFloat's window, shortened at the edges
    hi = np.minimum(n - 1, index + half - 1)
    count = (hi - lo + 1).astype(np.float64)
    samples = ((np.arange(64) + 0.5) * n / 64).astype(np.int64)
    # Sample r after two passes = mean over k in window(r) of (mean over window(k) of input):
    # accumulate each inner window as +w / -w at its ends, then a running sum.
    inner = lo[samples][:, None] + np.arange(window)[None, :]
    valid = inner <= hi[samples][:, None]
    inner = np.minimum(inner, n - 1)
    weight = valid / (count[samples][:, None] * count[inner])
    rows = np.broadcast_to(np.arange(64)[:, None], inner.shape)
    ends = np.zeros((64, n + 1))
    np.add.at(ends, (rows, lo[inner]), weight)
    np.add.at(ends, (rows, hi[inner] + 1), -weight)
    operator = np.cumsum(ends, axis=1)[:, :n]
    operator[np.abs(operator) < 1e-9] = 0.0  # rounding residue of the running sum, not weight
    return operator


def _keys_cubic(distance: NDArray[np.float64]) -> NDArray[np.float64]:
    """Keys' cubic convolution kernel (a = -0.5, as Pillow's and most bicubic resizers)."""
    d = np.abs(distance)
    near = (1.5 * d - 2.5) * d * d + 1
    far = ((-0.5 * d + 2.5) * d - 4) * d + 2
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


# An axis operator as a sparse matrix: for each of the 64 samples, the reduced pixels it
# reads and their weights (zero-padded to the longest row). Each sample reads only a few
# pixels, and dense products would go through BLAS, whose threads fight the worker processes.
_Sparse = tuple[NDArray[np.int64], NDArray[np.float32]]


@functools.lru_cache(maxsize=256)
def _reduced_operator(full: int, reduced: int, factor: int) -> _Sparse:
    """The axis operator of a ``full``-pixel axis, applied to its 1/factor decode.

    Full-size pixel m lies at (m + 0.5) / factor - 0.5 on the reduced grid (a reduced pixel
    covers ``factor`` full ones, by DCT scaling or box averaging); its value is interpolated
    there from four neighbours (Keys' cubic, clamped at the edges). Linear interpolation
    blurs a little more, which costs up to 10 points of PDQ quality on small images.
    """
    operator = _axis_operator(full)
    position = (np.arange(full) + 0.5) / factor - 0.5
    left = np.floor(position).astype(np.int64)
    dense = np.zeros((reduced, 64))
    for offset in (-1, 0, 1, 2):
        share = _keys_cubic(position - (left + offset))
        np.add.at(dense, np.clip(left + offset, 0, reduced - 1), operator.T * share[:, None])
    width = int((dense != 0).sum(axis=0).max())
    index = np.zeros((64, width), dtype=np.int64)
    weight = np.zeros((64, width), dtype=np.float32)
    for sample in range(64):
        (pixels,) = np.nonzero(dense[:, sample])
        index[sample, : len(pixels)] = pixels
        weight[sample, : len(pixels)] = dense[pixels, sample]
    return index, weight


@functools.cache
def _offset_table() -> NDArray[np.int64]:
    """For each fraction f in [-3, 3] (step _STEP): the channel offsets whose luma is nearest."""
    lumas = _OFFSETS.astype(np.float64) @ np.array(_LUMA)
    targets = np.arange(-3, 3 + _STEP, _STEP)
    order = np.argsort(lumas)
    sorted_lumas = lumas[order]
    right = np.clip(np.searchsorted(sorted_lumas, targets), 1, len(lumas) - 1)
    nearer_left = targets - sorted_lumas[right - 1] < sorted_lumas[right] - targets
    return _OFFSETS[order[np.where(nearer_left, right - 1, right)]]


def _luma_as_rgb(luma: NDArray[np.float64]) -> NDArray[np.uint8]:
    """An RGB image whose pdqhash luma (0.299 R + 0.587 G + 0.114 B) is ``luma`` within 0.02
    (0.06 below 3 and above 252, where fewer offsets stay within 0..255)."""
    base = np.clip(np.floor(luma), 3, 252)  # grey base; offsets up to 3 stay within 0..255
    rest = np.clip(np.rint((luma - base + 3) / _STEP).astype(np.int64), 0, int(6 / _STEP))
    rgb: NDArray[np.int64] = base.astype(np.int64)[..., None] + _offset_table()[rest]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def pdq_of_reduced(rgb: NDArray[np.uint8], width: int, height: int, factor: int) -> PdqHash:
    """The PDQ hash of a ``width`` x ``height`` image, from its 1/``factor`` decode ``rgb``.

    ``factor`` 1 hashes ``rgb`` with ``pdqhash`` directly (bit for bit the reference figure).
    Otherwise the 64x64 samples Meta's code would take from the full-size image are computed
    from the reduced one (see the module docstring) and hashed by ``pdqhash``.
    """
    if factor == 1:
        return pdq_of_rgb(rgb)
    return _pdq_of_samples(rgb, width, height, factor)


def _pdq_of_samples(rgb: NDArray[np.uint8], width: int, height: int, factor: int) -> PdqHash:
    """The fast path's arithmetic (run at factor 1 too by the tests, against pdqhash)."""
    if min(width, height) < MIN_HASHABLE_SIDE:
        raise ValueError(f"image too small for PDQ: {width}x{height} pixels")
    row_index, row_weight = _reduced_operator(height, rgb.shape[0], factor)
    column_index, column_weight = _reduced_operator(width, rgb.shape[1], factor)
    pixels = rgb.astype(np.float32)
    luma = pixels[:, :, 0] * _LUMA[0] + pixels[:, :, 1] * _LUMA[1] + pixels[:, :, 2] * _LUMA[2]
    rows = np.einsum("sk,skx->sx", row_weight, luma[row_index])  # 64 x reduced width
    samples = np.einsum("tk,stk->st", column_weight, rows[:, column_index])  # 64 x 64
    return pdq_of_rgb(_luma_as_rgb(samples.astype(np.float64)))


def _check_hex(value: str) -> None:
    if len(value) != 64 or not _HEX_DIGITS.issuperset(value.lower()):
        raise ValueError(f"not a PDQ hash (64 hex characters): {value!r}")


def hamming(a: str, b: str) -> int:
    """The number of differing bits between two PDQ hashes given as 64 hex characters."""
    _check_hex(a)
    _check_hex(b)
    return (int(a, 16) ^ int(b, 16)).bit_count()


def dihedral_distance(query: str, variants: Sequence[str]) -> int:
    """The smallest distance from ``query`` to any of a picture's dihedral variants.

    This is how a rotated or mirrored copy is matched: the copy's hash is close to one of the
    original's eight variants (and the original's hash close to one of the copy's).
    """
    if not variants:
        raise ValueError("no dihedral variants given")
    return min(hamming(query, variant) for variant in variants)
