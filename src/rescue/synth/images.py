"""Benign generated pictures: gradients, checkerboards, stripes and shapes, and their edits.

Every picture is abstract and drawn from the run's RNG. ``transform`` makes the edits a
re-poster makes (resize, small crop, flip or rotation, JPEG re-encode), which change every byte
but keep the PDQ hash close; flips and rotations keep it close only up to PDQ's dihedral
variants, which is how matchers handle them.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

TRANSFORMS = ("resize", "crop", "jpeg", "flip", "rotate")
DIHEDRAL_TRANSFORMS = frozenset({"flip", "rotate"})


@dataclass(frozen=True)
class Encoded:
    data: bytes
    extension: str  # "png" or "jpg"
    mimetype: str
    width: int
    height: int


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def _background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    style = rng.randrange(3)
    if style == 0:
        ramp = Image.linear_gradient("L").rotate(rng.uniform(0, 360), expand=True)
        ramp = ramp.resize(size)
        return ImageOps.colorize(ramp, _colour(rng), _colour(rng)).convert("RGB")
    image = Image.new("RGB", size, _colour(rng))
    draw = ImageDraw.Draw(image)
    cell = rng.randint(max(4, min(size) // 16), max(8, min(size) // 3))
    other = _colour(rng)
    if style == 1:  # checkerboard
        for y in range(0, size[1], cell):
            for x in range((y // cell) % 2 * cell, size[0], 2 * cell):
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=other)
    else:  # stripes
        for x in range(-size[1], size[0], 2 * cell):
            draw.polygon(
                [(x, 0), (x + cell, 0), (x + cell + size[1], size[1]), (x + size[1], size[1])],
                fill=other,
            )
    return image


def draw_picture(rng: random.Random, min_side: int = 64, max_side: int = 512) -> Image.Image:
    width = rng.randint(min_side, max_side)
    height = max(min_side, min(max_side, int(width * rng.uniform(0.6, 1.5))))
    image = _background(rng, (width, height))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 9)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = x0 + rng.randint(width // 8, width // 2)
        y1 = y0 + rng.randint(height // 8, height // 2)
        shape = rng.randrange(3)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=_colour(rng))
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=_colour(rng))
        else:
            points = [(rng.randrange(width), rng.randrange(height)) for _ in range(3)]
            draw.polygon(points, fill=_colour(rng))
    return image


def encode(image: Image.Image, fmt: str, quality: int = 88) -> Encoded:
    buffer = io.BytesIO()
    if fmt == "jpg":
        image.convert("RGB").save(buffer, "JPEG", quality=quality)
        mimetype = "image/jpeg"
    else:
        image.save(buffer, "PNG", optimize=False)
        mimetype = "image/png"
    return Encoded(buffer.getvalue(), fmt, mimetype, image.width, image.height)


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def transform(
    image: Image.Image, kind: str, rng: random.Random, strength: float = 1.0
) -> tuple[Image.Image, str]:
    """An edited copy and a description of the edit; ``strength`` < 1 makes it milder."""
    if kind == "resize":
        scale = 1 - rng.uniform(0.2, 0.5) * strength
        size = (max(32, int(image.width * scale)), max(32, int(image.height * scale)))
        return image.resize(size, Image.Resampling.LANCZOS), f"resize {size[0]}x{size[1]}"
    if kind == "crop":
        share = rng.uniform(0.02, 0.06) * strength
        dx, dy = int(image.width * share), int(image.height * share)
        box = (dx, dy, image.width - dx, image.height - dy)
        return image.crop(box), f"crop {dx},{dy}"
    if kind == "flip":
        return ImageOps.mirror(image), "flip horizontal"
    if kind == "rotate":
        return image.transpose(Image.Transpose.ROTATE_90), "rotate 90"
    return image.copy(), "jpeg re-encode"


def thumbnail(image: Image.Image, max_width: int = 400) -> Image.Image:
    """phpBB's attachment thumbnail: scaled to its img_max_thumb_width, aspect kept."""
    height = max(1, image.height * max_width // image.width)
    return image.resize((max_width, height), Image.Resampling.BILINEAR)


def avatar(seed: int) -> Encoded:
    """A small avatar; the same seed always gives the same bytes (shared avatars)."""
    rng = random.Random(f"avatar:{seed}")
    side = rng.choice((64, 80, 90, 100))
    # Cheaper than draw_picture (a board has thousands of avatars): plain ground, four shapes.
    image = Image.new("RGB", (side, side), _colour(rng))
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x0, y0 = rng.randrange(side), rng.randrange(side)
        box = (x0, y0, x0 + rng.randint(8, side // 2), y0 + rng.randint(8, side // 2))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=_colour(rng))
        else:
            draw.rectangle(box, fill=_colour(rng))
    return encode(image, "png" if rng.random() < 0.6 else "jpg")
