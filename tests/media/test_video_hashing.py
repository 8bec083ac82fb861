"""vPDQ of generated test-pattern videos (ffmpeg's lavfi sources: no real footage).

Needs the ``vpdq`` package and the ``ffmpeg`` program, which ``make install`` provides; the
"video hashing unavailable" path (no vpdq) is covered in test_file_hashing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# `make install` builds vpdq and installs ffmpeg (scripts/system-deps.sh): here they must be
# present, so a broken install fails these tests instead of skipping them.
import vpdq  # noqa: F401

from rescue.media.hashing import hash_file
from rescue.media.pdq import hamming

assert shutil.which("ffmpeg"), "ffmpeg is missing: run scripts/system-deps.sh"


def _ffmpeg(*arguments: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *arguments],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def _pattern(source: str, seconds: int, out: Path, *encoding: str) -> None:
    """A generated test-pattern clip (ffmpeg's lavfi sources: no footage involved)."""
    _ffmpeg("-f", "lavfi", "-i", source, "-t", str(seconds), *encoding, str(out))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    source = "testsrc2=size=320x240:rate=10"
    clips = {name: folder / name for name in ("mp4", "webm", "small", "other", "cut")}
    _pattern(source, 4, clips["mp4"], "-pix_fmt", "yuv420p", "-f", "mp4")
    _pattern(source, 3, clips["webm"], "-c:v", "libvpx-vp9", "-f", "webm")
    # The same pattern re-encoded smaller and at a lower quality, as a re-poster would.
    _ffmpeg(
        "-i",
        str(clips["mp4"]),
        "-vf",
        "scale=160:120",
        "-crf",
        "35",
        "-f",
        "mp4",
        str(clips["small"]),
    )
    _pattern(
        "mandelbrot=size=320x240:rate=10", 4, clips["other"], "-pix_fmt", "yuv420p", "-f", "mp4"
    )
    clips["cut"].write_bytes(clips["mp4"].read_bytes()[:3000])
    return clips


def test_videos_get_a_frame_hash_per_second(clips: dict[str, Path]) -> None:
    for name, seconds, fmt in (("mp4", 4, "mp4"), ("webm", 3, "webm")):
        result = hash_file(clips[name])
        assert (result.media_type, result.format, result.error, result.pdq) == (
            "video",
            fmt,
            None,
            None,
        )
        assert result.vpdq is not None
        assert len(result.vpdq.frames) == seconds
        assert [round(f.seconds) for f in result.vpdq.frames] == list(range(seconds))
        assert all(len(f.hash) == 64 and 0 <= f.quality <= 100 for f in result.vpdq.frames)


def test_a_re_encoded_copy_matches_and_another_video_does_not(clips: dict[str, Path]) -> None:
    def frames(name: str) -> list[str]:
        result = hash_file(clips[name])
        assert result.vpdq is not None
        return [f.hash for f in result.vpdq.frames]

    original, copy, other = frames("mp4"), frames("small"), frames("other")
    assert all(min(hamming(c, o) for o in original) <= 31 for c in copy)
    assert all(min(hamming(c, o) for o in original) > 31 for c in other)


def test_a_cut_video_gives_a_reason(clips: dict[str, Path]) -> None:
    result = hash_file(clips["cut"])
    assert (result.media_type, result.vpdq) == ("video", None)
    assert result.error is not None and "video" in result.error
    assert result.sha256 and result.size == 3000
