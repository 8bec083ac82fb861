"""Known-hash list, PDQ behaviour of transformed and unrelated pictures, corrupt files."""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
from typing import Any

import pytest
from PIL import Image

from rescue.synth import SynthResult
from rescue.synth import pdq as pdq_module
from rescue.synth.images import DIHEDRAL_TRANSFORMS

Truth = dict[str, Any]


def _known(forum: SynthResult) -> list[dict[str, str]]:
    with forum.known_hashes_path.open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_known_list_format(forum: SynthResult) -> None:
    header = forum.known_hashes_path.read_text(encoding="utf-8").splitlines()[0]
    assert header == "id,md5,sha1,sha256,pdq,category"
    rows = _known(forum)
    assert len(rows) >= 60  # known pictures plus decoys
    for row in rows:
        assert len(row["pdq"]) == 64 and int(row["pdq"], 16) >= 0
        assert row["category"] in ("A", "B", "C")
    assert len({r["id"] for r in rows}) == len(rows)


def test_known_hashes_are_the_files_hashes(forum: SynthResult, truth: Truth) -> None:
    listed = {r["sha256"]: r for r in _known(forum)}
    checked = 0
    for item in truth["attachments"]:
        path = forum.files_dir / item["physical_filename"]
        if item["kind"] != "known" or not path.exists():
            continue
        data = path.read_bytes()
        row = listed[hashlib.sha256(data).hexdigest()]
        assert row["md5"] == hashlib.md5(data).hexdigest()
        assert row["sha1"] == hashlib.sha1(data).hexdigest()
        assert row["id"] == item["known_id"]
        with Image.open(io.BytesIO(data)) as image:
            assert pdq_module.pdq_hex(image)[0] == row["pdq"]
        checked += 1
    assert checked
    paths = [forum.files_dir / a["physical_filename"] for a in truth["attachments"]]
    posted = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.exists()}
    assert len(set(listed) - posted) >= 50  # decoys: listed, never posted


def test_pdq_hex_is_metas_order() -> None:
    numpy = importlib.import_module("numpy")
    pdqhash = importlib.import_module("pdqhash")

    image = Image.new("RGB", (64, 64))
    for x in range(64):
        for y in range(64):
            image.putpixel((x, y), ((x * 4) % 256, (y * 4) % 256, ((x ^ y) * 4) % 256))
    bits, _ = pdqhash.compute(numpy.asarray(image))
    as_number = int("".join(str(int(b)) for b in bits), 2)
    assert pdq_module.pdq_hex(image)[0] == f"{as_number:064x}"


def test_transformed_copies_are_close_and_others_far(truth: Truth) -> None:
    pictures = {p["image_id"]: p for p in truth["pictures"]}
    transformed = [p for p in pictures.values() if p["kind"] == "transformed"]
    assert transformed
    bases = [p for p in pictures.values() if p["kind"] in ("known", "new")]
    for copy in transformed:
        source = pictures[copy["source_image_id"]]
        assert copy["sha256"] != source["sha256"]
        assert copy["pdq_distance"] <= 31
        if copy["transform"].split()[0] not in DIHEDRAL_TRANSFORMS:
            assert pdq_module.hamming(copy["pdq"], source["pdq"]) <= 31
        for other in bases:
            if other["image_id"] != source["image_id"]:
                assert pdq_module.hamming(copy["pdq"], other["pdq"]) > 31


def test_flipped_copies_match_only_through_dihedral_hashes(
    forum: SynthResult, truth: Truth
) -> None:
    pictures = {p["image_id"]: p for p in truth["pictures"]}
    seen = 0
    for item in truth["attachments"]:
        picture = pictures[item["image_id"]]
        path = forum.files_dir / item["physical_filename"]
        if picture["kind"] != "transformed" or not path.exists():
            continue
        with Image.open(path) as image:
            variants = pdq_module.pdq_dihedral_hex(image)
        source = pictures[picture["source_image_id"]]
        assert min(pdq_module.hamming(v, source["pdq"]) for v in variants) <= 31
        seen += 1
    assert seen


def test_corrupt_files_do_not_decode(forum: SynthResult, truth: Truth) -> None:
    corrupt = [a for a in truth["anomalies"] if a["kind"] == "corrupt_file"]
    assert corrupt
    for item in corrupt:
        data = (forum.files_dir / item["physical_filename"]).read_bytes()
        with pytest.raises(OSError), Image.open(io.BytesIO(data)) as image:
            image.load()
