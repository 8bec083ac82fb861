"""Hostile and broken files: every one gives a reason, none raises, none is decoded when it
claims too many pixels; Pillow's global settings are left alone; image modes are handled."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdq_samples import VECTORS, encoded, picture
from PIL import Image, ImageFile

from rescue.media.decode import (
    FORMATS,
    NOT_AN_IMAGE,
    TRUNCATED,
    Decoded,
    Limits,
    Rejected,
    decode,
)
from rescue.media.pdq import pdq_of_image, pdq_of_rgb


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few dozen bytes whose header claims width x height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)  # far fewer than claimed
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails any attempt to decode pixels: proves a refusal came from the header alone."""

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    yield


def _rejected(result: Decoded | Rejected) -> Rejected:
    assert isinstance(result, Rejected), result
    return result


def test_decompression_bomb_beyond_pillows_ceiling(no_decoding: None) -> None:
    bomb = png_claiming(100_000, 100_000)
    assert len(bomb) < 100
    reason = _rejected(decode(bomb)).reason
    assert reason.startswith("image too large: 10,000,000,000 pixels")


def test_decompression_bomb_below_pillows_ceiling_is_refused_by_our_limit(
    no_decoding: None,
) -> None:
    # 144 Mpx: above our limit (Pillow's warning threshold) but below Pillow's own refusal.
    result = _rejected(decode(png_claiming(12_000, 12_000)))
    assert result == Rejected("image too large: 12000x12000 pixels", "PNG", 12_000, 12_000)


def test_pixel_limit_is_ours_not_pillows_global(no_decoding: None) -> None:
    before = Image.MAX_IMAGE_PIXELS
    data = (VECTORS / "bridge-mods" / "aaa-orig.jpg").read_bytes()
    result = _rejected(decode(data, Limits(max_pixels=1_000_000)))
    assert result.reason == "image too large: 1600x1004 pixels"
    assert (result.format, result.width, result.height) == ("JPEG", 1600, 1004)
    assert before == Image.MAX_IMAGE_PIXELS


def test_file_size_limit() -> None:
    data = (VECTORS / "bridge-mods" / "aaa-orig.jpg").read_bytes()
    reason = _rejected(decode(data, Limits(max_file_bytes=1000))).reason
    assert reason == f"file too large to decode: {len(data)} bytes (limit 1000)"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"hello, this is a forum post saved as .jpg\n" * 10, NOT_AN_IMAGE),
        (bytes(range(256)) * 4, NOT_AN_IMAGE),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 60, NOT_AN_IMAGE),  # JPEG start, no header
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", NOT_AN_IMAGE),  # no Ghostscript
    ],
    ids=["empty", "text", "binary", "jpeg-magic-only", "eps"],
)
def test_not_images(data: bytes, reason: str) -> None:
    assert _rejected(decode(data)).reason == reason


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_images_are_refused(fmt: str, keep: float) -> None:
    image = picture(5, (700, 600))
    data = encoded(image.convert("P") if fmt == "GIF" else image, fmt)
    assert isinstance(decode(data), Decoded)
    result = _rejected(decode(data[: int(len(data) * keep)]))
    assert result.reason == TRUNCATED
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_formats_outside_the_list_are_not_opened() -> None:
    for fmt in ("PCX", "TGA", "PPM", "SGI"):
        data = encoded(picture(1, (64, 64), texture=False), fmt)
        assert _rejected(decode(data)).reason == NOT_AN_IMAGE, fmt
    assert "EPS" not in FORMATS


def _mutations() -> st.SearchStrategy[bytes]:
    jpeg = encoded(picture(9, (96, 80)), "JPEG", quality=80)
    png = encoded(picture(9, (96, 80)), "PNG")

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from([jpeg, png])))
        for _ in range(draw(st.integers(1, 8))):
            position = draw(st.integers(0, len(data) - 1))
            data[position] = draw(st.integers(0, 255))
        return bytes(data[: draw(st.integers(1, len(data)))])

    return mutate()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_mutations())
def test_corrupted_files_never_raise(data: bytes) -> None:
    result = decode(data)
    if isinstance(result, Decoded):
        pdq_of_rgb(result.rgb)  # whatever decoded is hashable
    else:
        assert result.reason


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=512))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(decode(data), Decoded | Rejected)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("1", "PNG"),
        ("L", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("PA", "WEBP"),
        ("RGB", "WEBP"),
        ("RGBA", "PNG"),
        ("CMYK", "JPEG"),
        ("CMYK", "TIFF"),
        ("YCbCr", "TIFF"),
        ("I", "TIFF"),
        ("F", "TIFF"),
        ("L", "GIF"),
        ("RGB", "BMP"),
    ],
)
def test_modes_hash_like_the_reference(mode: str, fmt: str) -> None:
    data = encoded(picture(3, (300, 200)).convert(mode), fmt)
    result = decode(data, full_resolution=True)
    assert isinstance(result, Decoded), result
    with Image.open(io.BytesIO(data)) as image:
        assert pdq_of_rgb(result.rgb) == pdq_of_image(image)  # Pillow's convert("RGB")


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    grey = np.asarray(picture(4, (300, 200)).convert("L"), dtype=np.uint16) * 257
    data = encoded(Image.fromarray(grey), "PNG")
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "I;16"
    result = decode(data)
    assert isinstance(result, Decoded)
    assert pdq_of_rgb(result.rgb) == pdq_of_image(Image.fromarray((grey >> 8).astype(np.uint8)))
    assert pdq_of_rgb(result.rgb).quality > 50  # not a white page


def test_exif_orientation_is_not_applied() -> None:
    # A camera's "rotate 90 when shown": the hash is of the stored pixels, and the rotated view
    # is found among the dihedral variants.
    image = picture(8, (400, 300))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encoded(image, "JPEG", quality=95, exif=exif.tobytes())
    result = decode(data)
    assert isinstance(result, Decoded)
    assert (result.width, result.height) == (400, 300)
    stored = pdq_of_rgb(result.rgb)
    with Image.open(io.BytesIO(data)) as opened:
        assert stored == pdq_of_image(opened)
        shown = pdq_of_image(opened.transpose(Image.Transpose.ROTATE_270))
    assert min(bin(int(shown.hash, 16) ^ int(v, 16)).count("1") for v in stored.dihedral) <= 31


def test_animated_gif_hashes_its_first_frame() -> None:
    frames = [picture(seed, (200, 150)).convert("P") for seed in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    result = decode(buffer.getvalue())
    assert isinstance(result, Decoded)
    with Image.open(io.BytesIO(buffer.getvalue())) as first:
        assert pdq_of_rgb(result.rgb) == pdq_of_image(first)


def test_too_small_for_pdq() -> None:
    data = encoded(picture(1, (4, 40), texture=False), "PNG")
    assert _rejected(decode(data)).reason == "image too small for PDQ: 4x40 pixels"
