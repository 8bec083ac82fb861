"""PDQ hashes through the ``pdqhash`` package, as 64 hex characters in Meta's order.

``pdqhash.compute`` returns 256 bits as a vector whose first element is bit 255 of Meta's
``Hash256`` (word 15, most significant bit first) and whose last is bit 0. Reading the vector
as one big-endian number and printing it as 64 hex digits therefore gives exactly what Meta's
``Hash256::format`` prints (words 15 down to 0, ``%04hx`` each) and what ThreatExchange and the
PDQ CSV lists use. ``pdqhash`` needs numpy, which it does not declare; both are imported on
first use so that importing the generator does not require them.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from PIL import Image


@functools.cache
def _modules() -> tuple[Any, Any]:
    try:
        numpy = importlib.import_module("numpy")
        pdqhash = importlib.import_module("pdqhash")
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            f"PDQ hashing needs the pdqhash package and numpy ({error}); install numpy"
        ) from error
    return numpy, pdqhash


def _bits_to_hex(bits: Any) -> str:
    numpy, _ = _modules()
    return bytes(numpy.packbits(numpy.asarray(bits, dtype=numpy.uint8))).hex()


def _rgb_array(image: Image.Image) -> Any:
    numpy, _ = _modules()
    return numpy.ascontiguousarray(numpy.asarray(image.convert("RGB"), dtype=numpy.uint8))


def pdq_hex(image: Image.Image) -> tuple[str, int]:
    """(hash as 64 hex chars, quality 0-100)."""
    _, pdqhash = _modules()
    bits, quality = pdqhash.compute(_rgb_array(image))
    return _bits_to_hex(bits), int(quality)


def pdq_dihedral_hex(image: Image.Image) -> list[str]:
    """The eight hashes of the image's rotations and flips, the original first."""
    _, pdqhash = _modules()
    vectors, _quality = pdqhash.compute_dihedral(_rgb_array(image))
    return [_bits_to_hex(v) for v in vectors]


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
