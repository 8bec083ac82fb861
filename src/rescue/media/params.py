"""Matching parameters, with the reasons for their defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchParams:
    # Meta's recommended PDQ threshold: near copies (resized, re-encoded, lightly cropped) fall
    # well inside it, unrelated images almost never do.
    threshold: int = 31
    # Below quality 50 an image is too flat for PDQ to tell it from others (Meta's guidance):
    # such hashes are matched exactly only.
    min_quality: int = 50
