"""hash_file and hash_files: crypto hashes as hashlib's, type by content, errors as reasons,
the same results on one worker and on several."""

from __future__ import annotations

import hashlib
import pickle
import random
from pathlib import Path

import pytest
from pdq_samples import VECTORS, encoded, picture

from rescue.media import hashing, video
from rescue.media.decode import Limits
from rescue.media.hashing import FileHashes, hash_file, hash_files, sniff
from rescue.media.pdq import pdq_of_image
from rescue.media.video import VIDEO_UNAVAILABLE


def _crypto_matches(result: FileHashes, data: bytes) -> None:
    assert result.size == len(data)
    assert result.md5 == hashlib.md5(data).hexdigest()
    assert result.sha1 == hashlib.sha1(data).hexdigest()
    assert result.sha256 == hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A phpBB-like attachment folder: no extensions, images and other files mixed (read-only)."""
    tmp_path = tmp_path_factory.mktemp("files")
    rng = random.Random(4)
    made = []
    for index in range(14):
        size = (rng.randint(300, 1300), rng.randint(300, 1000))
        fmt = ("JPEG", "PNG", "WEBP", "GIF")[index % 4]
        image = picture(index, size)
        path = tmp_path / f"{index}_{rng.getrandbits(40):010x}"
        path.write_bytes(encoded(image.convert("P") if fmt == "GIF" else image, fmt))
        made.append(path)
    (tmp_path / "notes").write_text("not a picture\n" * 40)
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "cut").write_bytes(made[0].read_bytes()[:2000])
    return [*made, tmp_path / "notes", tmp_path / "empty", tmp_path / "cut"]


def test_crypto_hashes_equal_hashlibs(files: list[Path]) -> None:
    for path in files:
        _crypto_matches(hash_file(path), path.read_bytes())


def test_large_files_are_streamed_and_not_decoded(tmp_path: Path) -> None:
    data = (VECTORS / "bridge-mods" / "aaa-orig.jpg").read_bytes()
    path = tmp_path / "big"
    path.write_bytes(data)
    result = hash_file(path, Limits(max_file_bytes=len(data) - 1))
    _crypto_matches(result, data)
    assert (result.media_type, result.format, result.width, result.height) == (
        "image",
        "JPEG",
        1600,
        1004,
    )
    assert result.pdq is None
    assert result.error == f"file too large to decode: {len(data)} bytes (limit {len(data) - 1})"
    blob = tmp_path / "blob"
    blob.write_bytes(bytes(range(256)) * 5000)  # > 1 MiB chunk, not an image
    result = hash_file(blob, Limits(max_file_bytes=10))
    _crypto_matches(result, blob.read_bytes())
    assert (result.media_type, result.error) == ("other", None)


def test_type_comes_from_content_not_name(tmp_path: Path) -> None:
    image = tmp_path / "holiday.txt"
    image.write_bytes(encoded(picture(1, (300, 200)), "PNG"))
    text = tmp_path / "photo.jpg"
    text.write_text("plain text\n")
    assert (hash_file(image).media_type, hash_file(image).format) == ("image", "PNG")
    assert (hash_file(text).media_type, hash_file(text).format, hash_file(text).error) == (
        "other",
        None,
        None,
    )


def test_results_for_images_and_broken_files(files: list[Path]) -> None:
    results = {path.name: hash_file(path) for path in files}
    for path in files[:14]:
        result = results[path.name]
        assert result.media_type == "image" and result.error is None
        assert result.pdq is not None and len(result.pdq.dihedral) == 8
        assert result.format in ("JPEG", "PNG", "WEBP", "GIF")
    assert (results["notes"].media_type, results["notes"].pdq, results["notes"].error) == (
        "other",
        None,
        None,
    )
    assert (results["empty"].media_type, results["empty"].error) == ("other", "empty file")
    cut = results["cut"]
    assert (cut.media_type, cut.format, cut.pdq, cut.error) == (
        "image",
        "JPEG",
        None,
        "truncated image",
    )


def test_full_resolution_gives_the_reference_hash(files: list[Path]) -> None:
    from PIL import Image

    for path in files[:4]:
        with Image.open(path) as image:
            assert hash_file(path, full_resolution=True).pdq == pdq_of_image(image)


def test_images_pillow_refuses_are_still_images(tmp_path: Path) -> None:
    cases = {
        "heic": (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "HEIF"),
        "jpeg": (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "JPEG"),
        "psd": (b"8BPS\x00\x01" + b"\x00" * 64, "PSD"),
    }
    for name, (data, fmt) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = hash_file(path)
        assert (result.media_type, result.format, result.pdq) == ("image", fmt, None), name
        assert result.error is not None
    assert hash_file(tmp_path / "heic").error == "unsupported image format: HEIF"
    assert hash_file(tmp_path / "jpeg").error == "corrupt image (unreadable JPEG header)"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", ("video", "mp4")),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", ("video", "mov")),
        (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00", ("video", "3gp")),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", ("image", "AVIF")),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm",
            ("video", "webm"),
        ),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", ("video", "mkv")),
        (b"RIFF\x00\x10\x00\x00AVI LIST", ("video", "avi")),
        (b"RIFF\x00\x10\x00\x00WEBPVP8 ", ("image", "WEBP")),
        (b"FLV\x01\x05", ("video", "flv")),
        (b"\x00\x00\x01\xba\x44", ("video", "mpeg")),
        (b"\x47" + b"\x00" * 187 + b"\x47", ("video", "mpeg-ts")),
        (b"BM" + b"\x00" * 12 + b"\x28\x00\x00\x00", ("image", "BMP")),
        (b"BMW is not a bitmap", None),
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniff(head: bytes, expected: tuple[str, str] | None) -> None:
    assert sniff(head) == expected


def test_video_without_vpdq_keeps_its_crypto_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video, "_vpdq", lambda: None)
    path = tmp_path / "clip"
    data = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + bytes(range(256)) * 10
    path.write_bytes(data)
    result = hash_file(path)
    _crypto_matches(result, data)
    assert (result.media_type, result.format, result.pdq, result.vpdq) == (
        "video",
        "mp4",
        None,
        None,
    )
    assert result.error == VIDEO_UNAVAILABLE


def test_two_workers_give_the_same_results_as_one(files: list[Path]) -> None:
    done: list[int] = []
    one = list(hash_files(files, workers=1, on_done=done.append))
    two = list(hash_files(files, workers=2))
    assert [index for index, _ in one] == list(range(len(files)))
    assert sorted(two) == one
    assert done == list(range(1, len(files) + 1))


def test_stopping_early_and_bad_worker_counts(files: list[Path]) -> None:
    first = next(iter(hash_files(files, workers=2)))
    assert first[0] in range(len(files))
    with pytest.raises(ValueError, match="at least 1"):
        list(hash_files(files, workers=0))
    assert list(hash_files([], workers=2)) == []


def test_unreadable_evidence_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        hash_file(tmp_path / "missing")


def test_results_cross_process_boundaries(files: list[Path]) -> None:
    result = hash_file(files[0])
    assert pickle.loads(pickle.dumps(result)) == result


def test_default_workers_is_positive() -> None:
    assert hashing.default_workers() >= 1
