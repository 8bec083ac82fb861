"""The generator's settings, its result, and the fixed clock a run derives from its seed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SynthConfig:
    members: int = 2000
    seed: int = 1
    posts_per_member: float = 20.0  # average; heavy-tailed (a few very active members)
    messages_per_member: float = 3.0
    attachment_rate: float = 0.04  # share of posts with an image attachment
    prefix: str = "phpbb_"
    compress: bool = False  # write forum.sql.gz instead of forum.sql
    # Written as DEFAULT CHARSET=latin1 holding double-encoded (mojibake) UTF-8, as old 3.0
    # boards migrated badly do.
    latin1_tables: tuple[str, ...] = ("profile_fields_data",)
    # One attachment row whose file is missing, one file no row points to, a few corrupt files.
    anomalies: bool = True

    def __post_init__(self) -> None:
        if self.members < 10:
            raise ValueError("members must be at least 10")
        if not 0 <= self.attachment_rate <= 1:
            raise ValueError("attachment_rate must be between 0 and 1")
        if self.posts_per_member < 0 or self.messages_per_member < 0:
            raise ValueError("posts_per_member and messages_per_member must not be negative")


@dataclass(frozen=True)
class SynthResult:
    out_dir: Path
    dump_path: Path  # out_dir/forum.sql or forum.sql.gz
    files_dir: Path  # phpBB's attachment folder: "2_0a1b2c..." files, "thumb_" for some
    avatars_dir: Path  # uploaded avatars as "{avatar_salt}_{user_id}.{ext}"
    known_hashes_path: Path  # id,md5,sha1,sha256,pdq,category
    ground_truth_path: Path
    counts: dict[str, int]  # rows written per unprefixed table


@dataclass(frozen=True)
class Clock:
    """The board's life span. Fixed by the seed, never by the wall clock, for reproducibility."""

    board_start: int
    dump_time: int

    @classmethod
    def from_seed(cls, seed: int) -> Clock:
        base = dt.datetime(2024, 1, 8, 3, 17, 42, tzinfo=dt.UTC)
        dump = base + dt.timedelta(days=(seed * 37) % 300, seconds=(seed * 7919) % 86400)
        start = dump - dt.timedelta(days=6 * 365 + (seed * 13) % 400)
        return cls(int(start.timestamp()), int(dump.timestamp()))

    @property
    def span(self) -> int:
        return self.dump_time - self.board_start
