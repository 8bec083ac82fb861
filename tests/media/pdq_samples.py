"""Meta's PDQ test vectors and benign generated pictures, for the media hashing tests.

The vectors live in ``shared/vectors/pdq`` beside the repository (CI lays ``shared/`` next to
the checkout); their README says what each CSV holds. Generated pictures are abstract
(gradients, checkerboards, stripes, shapes), with noise and blur so that they have the texture
of a photograph, and are made from a seed: the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from PIL import Image, ImageFilter

from rescue.synth.images import draw_picture

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "pdq"


def rows(name: str) -> list[dict[str, str]]:
    with (VECTORS / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def computed() -> list[dict[str, str]]:
    """pdqhash 0.2.8 per image: file, source_mode, width, height, pdq_hex, quality."""
    return rows("computed_pdqhash_0.2.8.csv")


def picture(seed: int, size: tuple[int, int], texture: bool = True) -> Image.Image:
    rng = random.Random(seed)
    image = draw_picture(rng, 256, 1024).resize(size, Image.Resampling.BILINEAR)
    if texture:
        noise = Image.effect_noise(size, rng.uniform(8, 48)).convert("RGB")
        image = Image.blend(image, noise, rng.uniform(0.05, 0.3))
        if rng.random() < 0.5:
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    return image


def encoded(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()
