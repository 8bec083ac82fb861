"""vPDQ: a video's PDQ hashes, one per sampled frame, through Meta's ``vpdq`` package.

``vpdq`` decodes the video with FFmpeg's libraries and PDQ-hashes one frame per
``seconds_per_hash`` (1 s by default, Meta's choice); matching compares the two videos' frame
hashes pairwise, so a clip of a known video is found too. ``vpdq`` has no wheels: it builds
from source against FFmpeg's development packages, so it is optional. Without it a video gets
its crypto hashes and the error ``VIDEO_UNAVAILABLE``.

``vpdq`` is asked for one decoding thread: ``hash_files`` already spreads files over every core,
and more threads per video would only compete with the other workers. Frames are never written
anywhere. A file FFmpeg cannot read (corrupt, truncated, not really a video) yields an error
reason, never an exception.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

VIDEO_UNAVAILABLE: Final = "video hashing unavailable"
SECONDS_PER_HASH: Final = 1.0


@dataclass(frozen=True, slots=True)
class FrameHash:
    hash: str  # 64 hex characters, Meta's order (as rescue.media.pdq)
    quality: int  # 0..100
    frame: int  # the frame's number in the video, from 0
    seconds: float  # its timestamp


@dataclass(frozen=True, slots=True)
class VideoHash:
    frames: tuple[FrameHash, ...]
    seconds_per_hash: float


def _vpdq() -> ModuleType | None:
    try:
        return importlib.import_module("vpdq")
    except ImportError:
        return None


def vpdq_available() -> bool:
    return _vpdq() is not None


def hash_video(
    path: Path, seconds_per_hash: float = SECONDS_PER_HASH
) -> tuple[VideoHash | None, str | None]:
    """(the video's vPDQ hash, None), or (None, why there is none)."""
    vpdq = _vpdq()
    if vpdq is None:
        return None, VIDEO_UNAVAILABLE
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash, thread_count=1)
    except Exception as error:  # vpdq raises a bare Exception for any unreadable video
        return None, f"corrupt or unreadable video ({error})"
    frames = tuple(
        FrameHash(
            hash=str(feature.hex),
            quality=int(feature.quality),
            frame=int(feature.frame_number),
            seconds=float(feature.timestamp),
        )
        for feature in features
    )
    if not frames:
        return None, "video has no frames"
    return VideoHash(frames, seconds_per_hash), None
