"""Turning an attachment's bytes into RGB pixels for PDQ: fast, bounded, and never crashing.

**Speed.** PDQ blurs the whole image before sampling it at 64x64 points, and that blur, run on
every pixel, is most of the cost of hashing a photo (Meta's own C++ hasher shrinks any image
larger than 512x512 first, ``pdq/cpp/io/pdqio.cpp``). The fast path decodes a reduced image,
1/2, 1/4 or 1/8 per side: the strongest reduction that leaves the shorter side at least
``MIN_HASHED_SIDE`` (256) pixels, so images whose shorter side is under 512 pixels are not
reduced at all. JPEGs are reduced while they are decoded (libjpeg's DCT scaling through
Pillow's ``draft``), which also skips most of the decoding work; other formats are decoded in
full and box-averaged with ``reduce``. ``rescue.media.pdq.pdq_of_reduced`` then computes, from
the reduced pixels, the 64x64 samples Meta's code would take from the full-size image, and
hashes those: hashing the small image directly would drift up to 22 bits.

**The bound we keep** (``FAST_PATH_MAX_DISTANCE``): for any image of PDQ quality >= 50, the
fast path's hash and each of its eight dihedral variants are **within 8 bits** of the
full-resolution ``pdqhash`` figures of the same file, and its quality within 5; an image that is
not reduced is hashed bit for bit as ``pdqhash`` does. Measured: at most 2 bits on Meta's
reference images, and at most 8 bits from Meta's C++ reference hashes (``pdqhash`` itself is
2-8 bits from them; Meta's conformance rule allows 10); at most 4 bits (mean about 1, quality
within 2) on some 1,500 generated abstract images with sharp edges, noise and blur, which are
harder than photographs. A match is declared at 31 bits or fewer. Below quality 50 a picture
is too featureless for its bits to be stable under any change and no bound is promised; such
hashes are not matched on anyway. ``full_resolution=True`` decodes in full and calls
``pdqhash`` on every pixel, for the reference figure bit for bit (a hash list for others, a
re-check near the threshold). The tests assert the bound on the reference images and on
generated ones (``tests/media/test_fast_path.py``).

**Safety.** Only the formats a forum attachment plausibly has are opened (``FORMATS``): Pillow's
rarer decoders, and EPS, which runs Ghostscript, are never reached. A file larger than
``Limits.max_file_bytes`` is not decoded, and the pixel count is read from the header and
checked against ``Limits.max_pixels`` before any pixel is decoded, so a decompression bomb (a
small file claiming a huge canvas) costs nothing. ``Image.MAX_IMAGE_PIXELS`` is global state
and is left alone; Pillow's own check (which refuses more than twice that) stays in force
behind ours. ``ImageFile.LOAD_TRUNCATED_IMAGES`` stays False: a truncated file is refused, not
hashed from a partly grey picture. Every failure becomes a ``Rejected`` with a reason for a
person; Pillow's warnings (malformed EXIF and the like) are silenced while decoding, because
the only outcomes that matter are pixels or a reason (Python's warning filters are
process-wide, so decode in worker processes, as ``hash_files`` does, rather than in threads).

**Modes and orientation.** Pixels are converted to RGB the way the reference figures were made
(Pillow ``convert("RGB")``: alpha dropped without compositing, palettes expanded, CMYK and
YCbCr converted, 32-bit I and F clipped to 0-255), except 16-bit greyscale (I;16), which is
scaled to 8 bits instead of clipped to white. EXIF orientation is not applied, as Meta's hashers
do not apply it: a file's hash is the hash of its stored pixels, and a copy saved the other
way round is found through the dihedral variants. Of an animated or multi-page file the first
frame is hashed.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFile, UnidentifiedImageError

from rescue.media.pdq import MIN_HASHABLE_SIDE

# Pillow's names of the formats we decode: what forum software accepts as image attachments.
# MPO (multi-picture JPEG from cameras) opens through "JPEG" and reports itself as "MPO".
FORMATS: Final = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "AVIF")

# The fast path never reduces the shorter side below this (see the module docstring): at 256
# pixels each of PDQ's 64 sampling cells still spans four or more reduced pixels.
MIN_HASHED_SIDE: Final = 256
# The bound the fast path keeps, in bits, against the full-resolution figure (quality >= 50).
FAST_PATH_MAX_DISTANCE: Final = 8
FAST_PATH_MAX_QUALITY_CHANGE: Final = 5
MAX_REDUCTION: Final = 8  # the smallest scale libjpeg's DCT scaling offers is 1/8


NOT_AN_IMAGE: Final = "not an image"
TRUNCATED: Final = "truncated image"


@dataclass(frozen=True, slots=True)
class Limits:
    # Files are held in memory to be decoded; cameras and phones write images well under this,
    # so a larger "image" is pathological or hostile. Larger files still get crypto hashes.
    max_file_bytes: int = 128 * 1024 * 1024
    # Pillow's own decompression-bomb threshold (it warns above it, refuses above twice it):
    # about 90 megapixels, 270 MB of RGB, more than any camera attachment.
    max_pixels: int = 89_478_485


DEFAULT_LIMITS: Final = Limits()


@dataclass(frozen=True, slots=True)
class Decoded:
    format: str  # Pillow's name: "JPEG", "PNG", ...
    width: int  # as stored in the file
    height: int
    reduction: int  # 1, 2, 4 or 8: the hashed pixels are this many times smaller per side
    rgb: NDArray[np.uint8]  # H x W x 3, never written anywhere


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str  # for a person: "truncated image", "image too large: 40000x40000 pixels", ...
    format: str | None = None
    width: int | None = None
    height: int | None = None


def reduction_for(width: int, height: int) -> int:
    """The fast path's reduction factor: the largest of 1, 2, 4, 8 keeping the shorter side
    at least ``MIN_HASHED_SIDE`` pixels."""
    factor = 1
    while factor < MAX_REDUCTION and min(width, height) // (2 * factor) >= MIN_HASHED_SIDE:
        factor *= 2
    return factor


def _riff_size(data: bytes) -> int:
    return int.from_bytes(data[4:8], "little") + 8


def _failure_reason(error: Exception) -> str:
    text = str(error)
    if isinstance(error, EOFError) or "truncated" in text.lower():
        return TRUNCATED
    if isinstance(error, Image.DecompressionBombError):
        found = re.search(r"\((\d+) pixels\)", text)
        pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        return f"image too large: {pixels}, over Pillow's decompression-bomb limit"
    if isinstance(error, MemoryError):
        return "out of memory while decoding"
    return f"corrupt image ({type(error).__name__}: {text})"[:300]


class _UnsupportedModeError(Exception):
    pass


def _to_rgb(image: Image.Image) -> NDArray[np.uint8]:
    if image.mode.startswith("I;16"):
        # 16-bit greyscale: keep the top 8 bits (convert("RGB") would clip it to white).
        grey = (np.asarray(image).astype(np.uint16) >> 8).astype(np.uint8)
        return np.repeat(grey[:, :, np.newaxis], 3, axis=2)
    try:
        rgb = image.convert("RGB")
    except ValueError as error:  # Pillow: "conversion from La to RGB not supported"
        raise _UnsupportedModeError(image.mode) from error
    return np.asarray(rgb, dtype=np.uint8)


def _decode_open(image: Image.Image, limits: Limits, full_resolution: bool) -> Decoded | Rejected:
    fmt = image.format or "unknown"
    width, height = image.size
    if width * height > limits.max_pixels:
        return Rejected(f"image too large: {width}x{height} pixels", fmt, width, height)
    if min(width, height) < MIN_HASHABLE_SIDE:
        return Rejected(f"image too small for PDQ: {width}x{height} pixels", fmt, width, height)
    reduction = 1 if full_resolution else reduction_for(width, height)
    if reduction > 1:
        # JPEG decodes straight to 1/reduction (DCT scaling); for other formats draft does
        # nothing and the decoded pixels are box-averaged below.
        image.draft(None, (width // reduction, height // reduction))
    try:
        image.load()
        rgb = _to_rgb(image)
    except _UnsupportedModeError:
        return Rejected(f"unsupported image mode: {image.mode}", fmt, width, height)
    except Exception as error:  # any decoder failure: see decode()
        return Rejected(_failure_reason(error), fmt, width, height)
    if rgb.shape[1] == width and reduction > 1:
        rgb = np.asarray(Image.fromarray(rgb).reduce(reduction), dtype=np.uint8)
    return Decoded(fmt, width, height, round(width / rgb.shape[1]), rgb)


def decode(
    data: bytes, limits: Limits = DEFAULT_LIMITS, *, full_resolution: bool = False
) -> Decoded | Rejected:
    """RGB pixels for PDQ (reduced unless ``full_resolution``), or why there are none."""
    if not data:
        return Rejected("empty file")
    if len(data) > limits.max_file_bytes:
        return Rejected(
            f"file too large to decode: {len(data)} bytes (limit {limits.max_file_bytes})"
        )
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and _riff_size(data) > len(data):
        # libwebp reports a cut-short file only as "could not create decoder object".
        return Rejected(TRUNCATED, "WEBP")
    # A file that fails to decode may fail in any of Pillow's decoders, with any exception
    # type (OSError, SyntaxError, struct.error, IndexError, ...): this is the boundary where all
    # of them become a reason, so one hostile attachment cannot stop a run.
    # Another library in the process may have switched truncated-image loading on (WeasyPrint
    # does on import): evidence hashing must refuse a cut-short file whatever ran before.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                return _decode_open(image, limits, full_resolution)
        except UnidentifiedImageError:
            return Rejected(NOT_AN_IMAGE)
        except Exception as error:  # incl. DecompressionBombError: Pillow's own ceiling
            return Rejected(_failure_reason(error))
