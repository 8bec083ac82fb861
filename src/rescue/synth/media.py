"""The picture catalogue behind every attachment, and the known-hash list.

A forum of a million posts holds tens of thousands of attachments but only a few hundred
distinct pictures: each picture is drawn, encoded and hashed once, stored once as a master
file, and every attachment that uses it gets a hard link (a copy where links are refused).

Kinds, as the matching stage should find them:

* known: listed in ``known_hashes.csv`` (exact match by cryptographic hash, PDQ distance 0);
* transformed: an edited copy of a known picture, other bytes, PDQ within 31 (plain PDQ for
  resize/crop/re-encode; for flips and rotations the nearest of PDQ's eight dihedral hashes);
* new: in no list; some are re-posted later by other members, so the same file spreads;
* corrupt: truncated files that no decoder opens.

Base pictures are kept at PDQ distance above ``_MIN_BASE_DISTANCE`` from each other in all
dihedral variants, so an unrelated picture is never mistaken for a transformed copy.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import images, pdq

_MIN_BASE_DISTANCE = 64
_MAX_TRANSFORM_DISTANCE = 31
CATEGORIES = ("A", "B", "C")  # neutral labels, as hash lists grade their entries


@dataclass
class Picture:
    image_id: int
    kind: str  # known | transformed | new | corrupt
    encoded: images.Encoded
    md5: str
    sha1: str
    sha256: str
    pdq: str | None
    pdq_quality: int | None
    known_id: str | None = None  # for transformed: the known picture it was made from
    category: str | None = None
    source_image_id: int | None = None
    transform: str | None = None
    pdq_distance: int | None = None
    master: Path | None = None
    thumb_master: Path | None = None
    posted: bool = False
    first_posted_at: int | None = None  # a re-post must come after the first appearance
    first_poster: int | None = None  # user id of the first appearance


def _digests(data: bytes) -> tuple[str, str, str]:
    return (
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
    )


class Catalogue:
    def __init__(
        self, rng: random.Random, work_dir: Path, expected_attachments: int, corrupt: int
    ) -> None:
        self._rng = rng
        self._work = work_dir
        self._bases: list[list[str]] = []  # dihedral hashes of every base picture
        self.pictures: list[Picture] = []
        self.decoys: list[tuple[str, str, str, str, str]] = []  # md5, sha1, sha256, pdq, cat
        n_known = max(8, min(80, expected_attachments // 50))
        n_new = max(16, min(180, expected_attachments // 20))
        for _ in range(n_known):
            self._add_known()
        for picture in list(self.pictures):
            if rng.random() < 0.8:
                self._add_transformed(picture)
        for _ in range(n_new):
            self._add(self._base_picture(), "new")
        for _ in range(corrupt):
            self._add_corrupt()
        for _ in range(max(60, min(300, n_known * 4))):
            self._add_decoy()
        self._assign_known_ids()
        self._by_kind: dict[str, list[Picture]] = {}
        for picture in self.pictures:
            self._by_kind.setdefault(picture.kind, []).append(picture)

    # -- building -----------------------------------------------------------------------------

    def _base_picture(self) -> images.Encoded:
        """A new picture far (in PDQ, all orientations) from every base picture so far."""
        rng = self._rng
        while True:
            image = images.draw_picture(rng)
            encoded = images.encode(image, "jpg" if rng.random() < 0.6 else "png")
            variants = pdq.pdq_dihedral_hex(images.decode(encoded.data))
            _, quality = pdq.pdq_hex(images.decode(encoded.data))
            if quality < 50:
                continue
            if all(
                pdq.hamming(variants[0], other) > _MIN_BASE_DISTANCE
                for base in self._bases
                for other in base
            ):
                self._bases.append(variants)
                return encoded

    def _add(self, encoded: images.Encoded, kind: str, **extra: object) -> Picture:
        md5, sha1, sha256 = _digests(encoded.data)
        hash_hex: str | None = None
        quality: int | None = None
        if kind != "corrupt":
            hash_hex, quality = pdq.pdq_hex(images.decode(encoded.data))
        picture = Picture(
            len(self.pictures) + 1, kind, encoded, md5, sha1, sha256, hash_hex, quality
        )
        for key, value in extra.items():
            setattr(picture, key, value)
        picture.master = self._work / f"picture_{picture.image_id}.{encoded.extension}"
        picture.master.write_bytes(encoded.data)
        if kind != "corrupt" and encoded.width > 400:
            thumb = images.encode(images.thumbnail(images.decode(encoded.data)), "jpg", 80)
            picture.thumb_master = self._work / f"thumb_{picture.image_id}.jpg"
            picture.thumb_master.write_bytes(thumb.data)
        self.pictures.append(picture)
        return picture

    def _add_known(self) -> None:
        category = self._rng.choice(CATEGORIES)
        self._add(self._base_picture(), "known", category=category)

    def _add_transformed(self, source: Picture) -> None:
        rng = self._rng
        original = images.decode(source.encoded.data)
        assert source.pdq is not None
        for attempt in range(6):
            kind = rng.choice(images.TRANSFORMS) if attempt < 5 else "jpeg"
            edited, description = images.transform(original, kind, rng, 1 / (attempt + 1))
            fmt = "jpg" if kind == "jpeg" or source.encoded.extension == "png" else "png"
            if fmt == "jpg" and kind != "jpeg" and rng.random() < 0.5:
                fmt = source.encoded.extension
            encoded = images.encode(edited, fmt, quality=rng.randint(70, 90))
            decoded = images.decode(encoded.data)
            if kind in images.DIHEDRAL_TRANSFORMS:
                distance = min(pdq.hamming(source.pdq, h) for h in pdq.pdq_dihedral_hex(decoded))
            else:
                distance = pdq.hamming(source.pdq, pdq.pdq_hex(decoded)[0])
            if distance <= _MAX_TRANSFORM_DISTANCE and _digests(encoded.data)[2] != source.sha256:
                self._add(
                    encoded,
                    "transformed",
                    source_image_id=source.image_id,
                    transform=description,
                    pdq_distance=distance,
                    category=source.category,
                )
                return

    def _add_corrupt(self) -> None:
        rng = self._rng
        source = images.encode(images.draw_picture(rng), rng.choice(("jpg", "png")))
        cut = int(len(source.data) * rng.uniform(0.05, 0.4))
        broken = images.Encoded(
            source.data[:cut], source.extension, source.mimetype, source.width, source.height
        )
        self._add(broken, "corrupt")

    def _add_decoy(self) -> None:
        # A picture that is listed but never posted: matching must not report it.
        encoded = self._base_picture()
        md5, sha1, sha256 = _digests(encoded.data)
        hash_hex, _ = pdq.pdq_hex(images.decode(encoded.data))
        self.decoys.append((md5, sha1, sha256, hash_hex, self._rng.choice(CATEGORIES)))

    def _assign_known_ids(self) -> None:
        known = [p for p in self.pictures if p.kind == "known"]
        ids = list(range(1, len(known) + len(self.decoys) + 1))
        self._rng.shuffle(ids)
        for picture, number in zip(known, ids, strict=False):
            picture.known_id = f"K{number:06d}"
        self._decoy_ids = [f"K{n:06d}" for n in ids[len(known) :]]
        by_id = {p.image_id: p for p in self.pictures}
        for picture in self.pictures:
            if picture.kind == "transformed" and picture.source_image_id is not None:
                picture.known_id = by_id[picture.source_image_id].known_id

    # -- using --------------------------------------------------------------------------------

    def pick(
        self, rng: random.Random, role: str = "member", when: int = 0, poster: int = 0
    ) -> Picture:
        """A picture for a new attachment by a poster of ``role``.

        Only producers post a new picture first; everyone may re-post one already seen, so new
        material spreads from its producer. Distributors post mostly known pictures.
        """
        fresh = [p for p in self._by_kind["new"] if not p.posted]
        reposted = [
            p
            for p in self._by_kind["new"]
            if p.first_posted_at is not None and p.first_posted_at < when
        ]
        transformed = self._by_kind.get("transformed") or self._by_kind["known"]
        roll = rng.random()
        if role == "producer" and fresh and roll < 0.8:
            pool = fresh
        elif role == "distributor":
            pool = (
                self._by_kind["known"] if roll < 0.55 else transformed if roll < 0.8 else reposted
            )
        elif roll < 0.12:
            pool = self._by_kind["known"]
        elif roll < 0.2:
            pool = transformed
        else:
            pool = reposted
        if not pool:
            pool = self._by_kind["known"]
        picture = pool[rng.randrange(len(pool))]
        picture.posted = True
        if picture.first_posted_at is None or when < picture.first_posted_at:
            picture.first_posted_at, picture.first_poster = when, poster
        return picture

    def corrupt_pictures(self) -> list[Picture]:
        return list(self._by_kind.get("corrupt", []))

    def write_known_hashes(self, path: Path) -> int:
        rows = [
            (p.known_id or "", p.md5, p.sha1, p.sha256, p.pdq or "", p.category or "")
            for p in self.pictures
            if p.kind == "known"
        ]
        rows += [(i, *decoy) for i, decoy in zip(self._decoy_ids, self.decoys, strict=True)]
        rows.sort()
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(("id", "md5", "sha1", "sha256", "pdq", "category"))
            writer.writerows(rows)
        return len(rows)


def place(master: Path, target: Path) -> None:
    """Puts a copy of ``master`` at ``target``: a hard link where the filesystem allows it."""
    try:
        os.link(master, target)
    except OSError:
        shutil.copyfile(master, target)
