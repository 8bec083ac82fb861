"""Attachment hashing speed: ``rescue.media.hashing`` against the plain PDQ loop.

The peer is what a script around the ``pdqhash`` package does (and what python-threatexchange's
``PdqSignal`` does per file): Pillow opens the file, converts it to RGB, and ``pdqhash.compute``
hashes every pixel. Against it, in the same run and on the same files: ``hash_files`` in this
process (``workers=1``: MD5, SHA-1, SHA-256, type detection, PDQ and its eight dihedral variants,
through the fast path) and ``hash_files`` on every core. The files are 1,000 generated abstract
1024x768 JPEGs (gradients, checkerboards, stripes, shapes, noise, blur). The figure that matters
per core is the second against the first; the last line is the largest distance seen between the
fast path's hash and the plain loop's (full-resolution) hash of the same file.

Usage: python -m bench.hashing [--count N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter
from rich.console import Console
from rich.table import Table

from rescue.media.hashing import default_workers, hash_files
from rescue.media.pdq import hamming
from rescue.synth.images import draw_picture

SIZE = (1024, 768)


def _picture(rng: random.Random) -> Image.Image:
    image = draw_picture(rng, 256, 1024).resize(SIZE, Image.Resampling.BILINEAR)
    if rng.random() < 0.7:  # sensor-like noise, so the files are not all flat colour
        noise = Image.effect_noise(SIZE, rng.uniform(8, 48)).convert("RGB")
        image = Image.blend(image, noise, rng.uniform(0.05, 0.25))
    if rng.random() < 0.4:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    return image


def generate(folder: Path, count: int, seed: int = 2026) -> list[Path]:
    """``count`` benign abstract 1024x768 JPEGs, without extension (as phpBB stores them)."""
    rng = random.Random(seed)
    paths = []
    for index in range(count):
        path = folder / f"{index:05d}_{rng.getrandbits(32):08x}"
        _picture(rng).save(path, "JPEG", quality=rng.randint(75, 95))
        paths.append(path)
    return paths


def plain_loop(paths: list[Path]) -> list[str]:
    """The peer: open, convert to RGB, ``pdqhash.compute`` on every pixel."""
    pdqhash: Any = importlib.import_module("pdqhash")
    hashes = []
    for path in paths:
        with Image.open(path) as image:
            bits, _quality = pdqhash.compute(np.asarray(image.convert("RGB")))
        hashes.append(bytes(np.packbits(np.asarray(bits, dtype=np.uint8))).hex())
    return hashes


def _timed_hash_files(paths: list[Path], workers: int) -> tuple[float, list[str | None]]:
    started = time.perf_counter()
    results = dict(hash_files(paths, workers=workers))
    seconds = time.perf_counter() - started
    return seconds, [r.pdq.hash if r.pdq else None for _, r in sorted(results.items())]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hashing", description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    args = parser.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="rescue-bench-hashing-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        existing = sorted(p for p in folder.iterdir() if p.is_file())
        if len(existing) >= args.count:
            paths = existing[: args.count]
        else:
            console.print(f"Generating {args.count:,} abstract 1024x768 JPEGs in {folder} ...")
            started = time.perf_counter()
            paths = generate(folder, args.count)
            console.print(f"  generated in {time.perf_counter() - started:.0f} s")
        _run(console, paths)


def _run(console: Console, paths: list[Path]) -> None:
    cores = default_workers()
    console.print(f"Hashing {len(paths):,} files; {cores} cores available")
    started = time.perf_counter()
    reference = plain_loop(paths)
    plain = time.perf_counter() - started
    one, fast = _timed_hash_files(paths, workers=1)
    every, fast_pool = _timed_hash_files(paths, workers=cores)
    if fast != fast_pool:
        raise SystemExit("hash_files gave different hashes with 1 and with all workers")
    distances = [hamming(a, b) for a, b in zip(reference, fast, strict=True) if b is not None]
    table = Table(title=f"PDQ hashing of {len(paths):,} JPEGs, 1024x768")
    table.add_column("run")
    table.add_column("images/s", justify="right")
    table.add_column("per core vs plain loop", justify="right")
    table.add_row(
        "plain loop (Pillow + pdqhash.compute), 1 process", f"{len(paths) / plain:.1f}", "1.0x"
    )
    table.add_row(
        "hash_files, workers=1 (+ crypto, + 8 dihedral hashes)",
        f"{len(paths) / one:.1f}",
        f"{plain / one:.1f}x",
    )
    table.add_row(
        f"hash_files, workers={cores}",
        f"{len(paths) / every:.1f}",
        f"{plain / every / cores:.1f}x",
    )
    console.print(table)
    console.print(
        f"Fast path vs full-resolution pdqhash: max distance {max(distances)} bits, "
        f"mean {sum(distances) / len(distances):.2f}, identical {distances.count(0)}"
        f"/{len(distances)}; images without a hash: {len(paths) - len(distances)}"
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
