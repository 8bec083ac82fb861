"""Every attachment's hashes: MD5, SHA-1 and SHA-256 of its bytes, and PDQ (or vPDQ) of its
picture, so known material is recognised without anyone looking at it.

The crypto hashes come from one pass over the bytes; an image is then decoded from the same
bytes in memory (``rescue.media.decode``), so each image is read once (a video twice: once
for the crypto hashes, once by FFmpeg). What a file is comes from
its content, never its name (phpBB stores attachments without an extension): Pillow identifies
the images it may decode, and a short table of signatures recognises videos and images that
Pillow refused (a corrupt header, a format we do not decode), so those are reported as broken
images rather than as "other" files. Videos and files too large to decode are streamed in
chunks and never held in memory.

``hash_files`` spreads the files over a pool of processes (PDQ is CPU-bound C++ code holding
the GIL), in chunks so that small files do not drown in messaging, and yields results as they
complete. The pool starts its workers from a fresh "forkserver" process rather than by forking
the caller, which may be running threads (a Rich progress bar, a database driver); forking a
threaded process can deadlock the child. As with any non-forking pool, a script that calls
``hash_files`` with several workers needs the ``if __name__ == "__main__":`` guard.

A file whose content cannot be hashed perceptually still gets its crypto hashes and a reason
in ``error``. A file that cannot be *read* raises ``OSError``: that is missing or unreadable
evidence, a problem of the case and not of the file.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from PIL import Image

from rescue.media.decode import DEFAULT_LIMITS, FORMATS, NOT_AN_IMAGE, Decoded, Limits, decode
from rescue.media.pdq import PdqHash, pdq_of_reduced
from rescue.media.video import VideoHash, hash_video

HEAD_BYTES: Final = 512  # enough for every signature below (MPEG-TS needs 189)
CHUNK_BYTES: Final = 1 << 20
FILES_PER_TASK: Final = 8  # a task's files: enough to amortise messaging, few enough to balance

# ISO base media ("ftyp") brands that are still images, not videos.
_HEIF_BRANDS: Final = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
# Leading bytes of images, for files Pillow would not open.
_IMAGE_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"8BPS", "PSD"),
    (b"\xff\x0a", "JXL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JXL"),
)
# "BM" alone starts too many files; a BMP's DIB header then gives its own size, one of these.
_BMP_INFO_SIZES: Final = frozenset({12, 40, 52, 56, 64, 108, 124})
_VIDEO_SIGNATURES: Final = (
    (b"\x1a\x45\xdf\xa3", "mkv"),  # EBML: Matroska or WebM, told apart below
    (b"FLV\x01", "flv"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "wmv"),  # ASF
    (b"\x00\x00\x01\xba", "mpeg"),
    (b"\x00\x00\x01\xb3", "mpeg"),
)


@dataclass(frozen=True, slots=True)
class FileHashes:
    size: int  # bytes hashed
    md5: str  # lowercase hex
    sha1: str
    sha256: str
    media_type: str  # "image" | "video" | "other"
    format: (
        str | None
    )  # Pillow's name for images ("JPEG", "PNG", ...), "mp4", "webm", ... for videos
    width: int | None  # as stored, before any reduction for hashing
    height: int | None
    pdq: PdqHash | None
    error: str | None  # why there is no perceptual hash; None if there is one or none applies
    vpdq: VideoHash | None = None


def sniff(head: bytes) -> tuple[str, str] | None:
    """("image" | "video", format) from a file's first bytes, or None if unrecognised."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "image", "HEIF"
        if brand in _AVIF_BRANDS:
            return "image", "AVIF"
        if brand == b"qt  ":
            return "video", "mov"
        return "video", "3gp" if brand.startswith(b"3g") else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video", "mov"  # QuickTime without an ftyp box
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"AVI "):
        return ("image", "WEBP") if head[8:12] == b"WEBP" else ("video", "avi")
    if head[:4] == b"OggS" and b"\x80theora" in head:
        return "video", "ogv"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "video", "mpeg-ts"
    for signature, video_format in _VIDEO_SIGNATURES:
        if head.startswith(signature):
            if video_format == "mkv" and b"webm" in head[:64]:
                return "video", "webm"
            return "video", video_format
    for signature, image_format in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return "image", image_format
    if head[:2] == b"BM" and len(head) > 14 and head[14] in _BMP_INFO_SIZES:
        return "image", "BMP"
    return None


class _Digests:
    def __init__(self) -> None:
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self._sha256 = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self.size += len(data)
        self._md5.update(data)
        self._sha1.update(data)
        self._sha256.update(data)

    def stream(self, source: BinaryIO) -> None:
        while chunk := source.read(CHUNK_BYTES):
            self.update(chunk)

    def result(
        self,
        media_type: str,
        format: str | None = None,
        width: int | None = None,
        height: int | None = None,
        *,
        pdq: PdqHash | None = None,
        error: str | None = None,
        vpdq: VideoHash | None = None,
    ) -> FileHashes:
        return FileHashes(
            size=self.size,
            md5=self._md5.hexdigest(),
            sha1=self._sha1.hexdigest(),
            sha256=self._sha256.hexdigest(),
            media_type=media_type,
            format=format,
            width=width,
            height=height,
            pdq=pdq,
            error=error,
            vpdq=vpdq,
        )


def _header_only(path: Path) -> tuple[str | None, int | None, int | None]:
    """Format and size from an image's header, without decoding it (for oversized files)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(path, formats=FORMATS) as image:
                return image.format, image.width, image.height
        except Exception:  # not identifiable: the caller falls back to the signature
            return None, None, None


def hash_file(
    path: Path, limits: Limits = DEFAULT_LIMITS, *, full_resolution: bool = False
) -> FileHashes:
    """All hashes of one file. ``full_resolution`` gives the reference PDQ figure bit for bit
    (slower; see ``rescue.media.decode`` for the fast path's bound)."""
    digests = _Digests()
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
        digests.update(head)
        kind = sniff(head)
        if kind is not None and kind[0] == "video":
            digests.stream(stream)
            video, error = hash_video(path)
            return digests.result("video", kind[1], vpdq=video, error=error)
        if os.fstat(stream.fileno()).st_size > limits.max_file_bytes:
            digests.stream(stream)
            return _too_large(digests, path, kind, limits)
        data = head + stream.read()
        digests.update(data[len(head) :])
    if not data:
        return digests.result("other", error="empty file")
    decoded = decode(data, limits, full_resolution=full_resolution)
    if isinstance(decoded, Decoded):
        pdq = pdq_of_reduced(decoded.rgb, decoded.width, decoded.height, decoded.reduction)
        return digests.result("image", decoded.format, decoded.width, decoded.height, pdq=pdq)
    if decoded.reason != NOT_AN_IMAGE:
        fmt = decoded.format or (kind[1] if kind else None)
        return digests.result("image", fmt, decoded.width, decoded.height, error=decoded.reason)
    if kind is None:
        return digests.result("other")
    if kind[1] in FORMATS:
        return digests.result(
            "image", kind[1], error=f"corrupt image (unreadable {kind[1]} header)"
        )
    return digests.result("image", kind[1], error=f"unsupported image format: {kind[1]}")


def _too_large(
    digests: _Digests, path: Path, kind: tuple[str, str] | None, limits: Limits
) -> FileHashes:
    fmt, width, height = _header_only(path)
    if fmt is None and kind is None:
        return digests.result("other")
    error = f"file too large to decode: {digests.size} bytes (limit {limits.max_file_bytes})"
    return digests.result("image", fmt or (kind[1] if kind else None), width, height, error=error)


def _hash_chunk(
    chunk: list[tuple[int, Path]], limits: Limits, full_resolution: bool
) -> list[tuple[int, FileHashes]]:
    return [
        (index, hash_file(path, limits, full_resolution=full_resolution)) for index, path in chunk
    ]


def _chunks(paths: Sequence[Path], size: int) -> Iterator[list[tuple[int, Path]]]:
    for start in range(0, len(paths), size):
        stop = min(start + size, len(paths))
        yield [(index, Path(paths[index])) for index in range(start, stop)]


def default_workers() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def hash_files(
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    full_resolution: bool = False,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, FileHashes]]:
    """(index into ``paths``, hashes) for every file, in the order they complete.

    ``workers`` processes (default: every core this process may use); 1 hashes in this
    process. ``on_done`` is called after each file with the number of files done so far.
    Stopping the iteration early cancels the work not yet started.
    """
    count = workers if workers is not None else default_workers()
    if count < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    done = 0
    if count == 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            result = hash_file(path, limits, full_resolution=full_resolution)
            done += 1
            if on_done is not None:
                on_done(done)
            yield index, result
        return
    # Small batches still reach every worker: at least four chunks per worker when possible.
    chunks = _chunks(paths, max(1, min(FILES_PER_TASK, len(paths) // (4 * count))))
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has imported numpy, Pillow and pdqhash once, instead of
    # each importing them (about half a second each). Ignored if the server already runs.
    context.set_forkserver_preload(["rescue.media.hashing"])
    pool = ProcessPoolExecutor(max_workers=count, mp_context=context)
    try:
        pending: set[Future[list[tuple[int, FileHashes]]]] = set()
        # Keep every worker busy with one chunk queued behind it, without submitting the
        # whole list at once (a seized forum can have millions of attachments).
        for chunk in chunks:
            pending.add(pool.submit(_hash_chunk, chunk, limits, full_resolution))
            if len(pending) >= 2 * count:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                for index, result in future.result():
                    done += 1
                    if on_done is not None:
                        on_done(done)
                    yield index, result
                next_chunk = next(chunks, None)
                if next_chunk is not None:
                    pending.add(pool.submit(_hash_chunk, next_chunk, limits, full_resolution))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
