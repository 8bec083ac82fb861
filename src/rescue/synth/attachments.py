"""Attachment rows and the files behind them, including the planted anomalies.

phpBB names an uploaded file ``{user_id}_{md5 of a unique id}`` without extension, keeps the
upload's own name in ``real_filename``, and writes ``thumb_{physical}`` for large pictures.
The anomalies, each recorded in the ground truth: one row whose file is missing, one file that
no row names, and a few attachments whose files are corrupt (truncated) pictures.
"""

from __future__ import annotations

import random
from pathlib import Path

from .dumpwriter import TableSink
from .groundtruth import GroundTruth
from .media import Catalogue, Picture, place
from .people import Account

_NAME_STYLES = ("IMG_{n:04d}", "DSC{n:05d}", "P{n:07d}", "photo_{n}", "scan_{n:03d}", "pic{n}")


class AttachmentMaker:
    def __init__(
        self,
        catalogue: Catalogue,
        sink: TableSink,
        files_dir: Path,
        truth: GroundTruth,
        rng: random.Random,
        expected: int,
        anomalies: bool,
    ) -> None:
        self._catalogue = catalogue
        self._sink = sink
        self._files = files_dir
        self._truth = truth
        self._rng = rng
        self.next_id = 1
        self.total_bytes = 0
        corrupt = catalogue.corrupt_pictures() if anomalies else []
        # Spread the anomalies over the first half of the expected attachments, so that they
        # are placed even when fewer attachments than expected get made.
        half = max(len(corrupt) + 2, expected // 2)
        self._corrupt_at = {
            max(2, half * (i + 1) // (len(corrupt) + 1)): p for i, p in enumerate(corrupt)
        }
        self._missing_at = max(3, half // 3) if anomalies else -1
        while self._missing_at in self._corrupt_at:
            self._missing_at += 1

    def attach(
        self, account: Account, when: int, post_msg_id: int, topic_id: int, in_message: bool
    ) -> str:
        """Writes one attachment and its file; returns the name shown to readers."""
        attach_id = self.next_id
        self.next_id += 1
        rng = self._rng
        role = account.person.role_truth if account.person else "member"
        picture = self._corrupt_at.pop(attach_id, None) or self._catalogue.pick(
            rng, role, when, account.user_id
        )
        physical = f"{account.user_id}_{rng.getrandbits(128):032x}"
        ext = picture.encoded.extension
        real = rng.choice(_NAME_STYLES).format(n=rng.randrange(1, 10**4)) + "." + ext
        if rng.random() < 0.3:
            real = real.upper() if ext == "jpg" else real
        size = len(picture.encoded.data)
        has_thumb = picture.thumb_master is not None
        self._sink.add(
            (
                attach_id, post_msg_id, topic_id, int(in_message), account.user_id,
                0 if post_msg_id else 1, physical, real, rng.randrange(0, 40), "", ext.lower(),
                picture.encoded.mimetype, size, max(0, when - rng.randint(20, 900)),
                int(has_thumb),
            )
        )  # fmt: skip
        record = {
            "attach_id": attach_id,
            "physical_filename": physical,
            "real_filename": real,
            "image_id": picture.image_id,
            "kind": picture.kind,
            "known_id": picture.known_id,
            "transform": picture.transform,
            "in_message": in_message,
            "post_msg_id": post_msg_id,
            "poster_id": account.user_id,
        }
        self._truth.attachments.append(record)
        if attach_id == self._missing_at:
            self._truth.anomalies.append(
                {"kind": "missing_file", "attach_id": attach_id, "physical_filename": physical}
            )
            return real
        self._place(picture, physical)
        if picture.kind == "corrupt":
            self._truth.anomalies.append(
                {"kind": "corrupt_file", "attach_id": attach_id, "physical_filename": physical}
            )
        return real

    def _place(self, picture: Picture, physical: str) -> None:
        assert picture.master is not None
        place(picture.master, self._files / physical)
        self.total_bytes += len(picture.encoded.data)
        if picture.thumb_master is not None:
            place(picture.thumb_master, self._files / f"thumb_{physical}")

    def unreferenced_file(self, user_id: int) -> None:
        """A file left on disk that no row names (a failed upload, a pruned post)."""
        picture = self._catalogue.pick(self._rng, "member", 1 << 62)
        physical = f"{user_id}_{self._rng.getrandbits(128):032x}"
        self._place(picture, physical)
        self._truth.anomalies.append(
            {
                "kind": "unreferenced_file",
                "physical_filename": physical,
                "image_id": picture.image_id,
            }
        )
