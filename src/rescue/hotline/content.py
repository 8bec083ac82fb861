"""What a fetched URL held, by hashes only, and which known material those hashes are.

The checker hands the body of a response to ``digest_content`` and forgets it: the bytes are
hashed in memory (MD5, SHA-1, SHA-256, and PDQ when they decode as an image, through the media
stage's bounded decoder) and never written anywhere. ``KnownHashes`` then looks the digest up
in the case's hash sets (the lake's ``known_hashes``, as ``rescue hashes import`` loads them):
exactly on each cryptographic hash, and by PDQ within the ``[match]`` threshold over every
orientation, skipping PDQ hashes of low quality as the match stage does. A hit is a suggestion
for an analyst to confirm: nobody has to look at the picture.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rescue.media.decode import NOT_AN_IMAGE, Decoded, decode
from rescue.media.pdq import PdqHash, pdq_of_reduced

if TYPE_CHECKING:
    from rescue.case import Case
    from rescue.media.index import PdqIndex

EXACT = ("sha256", "sha1", "md5")  # strongest first


@dataclass(frozen=True)
class ContentDigest:
    size: int
    md5: str
    sha1: str
    sha256: str
    image: bool  # the bytes are an image (decoded, or an image format that failed to decode)
    pdq: PdqHash | None


def digest_content(data: bytes) -> ContentDigest:
    """Hashes of a response body; the caller drops ``data`` afterwards."""
    pdq: PdqHash | None = None
    decoded = decode(data)
    image = isinstance(decoded, Decoded) or decoded.reason != NOT_AN_IMAGE
    if isinstance(decoded, Decoded):
        try:
            pdq = pdq_of_reduced(decoded.rgb, decoded.width, decoded.height, decoded.reduction)
        except ValueError:  # too small to hash perceptually: crypto hashes only
            pdq = None
    return ContentDigest(
        size=len(data),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        image=image,
        pdq=pdq,
    )


@dataclass(frozen=True)
class KnownHit:
    hash_set: str
    known_id: str | None
    category: str | None
    matched_on: str  # sha256 | sha1 | md5 | pdq
    known_hash: str
    distance: int  # 0 for an exact match


@dataclass(frozen=True)
class _Known:
    row: int  # one known entry may carry several hashes: a hit is counted once per entry
    hash_set: str
    known_id: str | None
    category: str | None


class KnownHashes:
    """The case's hash sets, indexed for lookups of one digest at a time."""

    def __init__(
        self, rows: list[dict[str, Any]], threshold: int = 31, min_quality: int = 50
    ) -> None:
        from rescue.media.index import PdqIndex

        self.min_quality = min_quality
        self._exact: dict[str, dict[str, list[_Known]]] = {k: defaultdict(list) for k in EXACT}
        pdq_hashes: list[str] = []
        pdq_entries: list[tuple[_Known, str]] = []
        for number, row in enumerate(rows):
            known = _Known(number, row["source"], row.get("known_id"), row.get("category"))
            for kind in EXACT:
                if row.get(kind):
                    self._exact[kind][row[kind]].append(known)
            if row.get("pdq"):
                pdq_hashes.append(row["pdq"])
                pdq_entries.append((known, row["pdq"]))
        self._index: PdqIndex[tuple[_Known, str]] = PdqIndex(threshold)
        self._index.add(pdq_hashes, pdq_entries)
        self.size = len(rows)

    @classmethod
    def of_case(cls, case: Case) -> KnownHashes:
        """The lake's ``known_hashes`` (none when no hash set was imported)."""
        from rescue.media.params import match_params

        params = match_params(case)
        if "known_hashes" not in case.catalog.load().tables:
            return cls([], params.threshold, params.min_quality)
        engine = case.engine()
        try:
            rows: list[dict[str, Any]] = engine.query(
                "SELECT source, known_id, category, md5, sha1, sha256, pdq FROM known_hashes "
                "ORDER BY source, line"
            ).to_pylist()
        finally:
            engine.close()
        return cls(rows, params.threshold, params.min_quality)

    def match(self, digest: ContentDigest) -> list[KnownHit]:
        """Each known entry the digest matches, once: on its strongest hash, else by PDQ at the
        smallest distance over the eight orientations."""
        found: dict[int, KnownHit] = {}
        for kind in EXACT:
            value = getattr(digest, kind)
            for k in self._exact[kind].get(value, ()):
                found.setdefault(
                    k.row, KnownHit(k.hash_set, k.known_id, k.category, kind, value, 0)
                )
        pdq = digest.pdq
        if pdq is None or pdq.quality < self.min_quality or not len(self._index):
            return [found[row] for row in sorted(found)]
        for match in self._index.query(list(pdq.dihedral)):
            k, known_hash = match.entry
            hit = found.get(k.row)
            if hit is None or (hit.matched_on == "pdq" and match.distance < hit.distance):
                found[k.row] = KnownHit(
                    k.hash_set, k.known_id, k.category, "pdq", known_hash, match.distance
                )
        return [found[row] for row in sorted(found)]
