"""Matching parameters, with the reasons for their defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from rescue.errors import CaseError

if TYPE_CHECKING:
    from rescue.case import Case


@dataclass(frozen=True)
class MatchParams:
    # Meta's recommended PDQ threshold: near copies (resized, re-encoded, lightly cropped) fall
    # well inside it, unrelated images almost never do.
    threshold: int = 31
    # Below quality 50 an image is too flat for PDQ to tell it from others (Meta's guidance):
    # such hashes are matched exactly only.
    min_quality: int = 50


def match_params(case: Case) -> MatchParams:
    """[match] of case.toml over the defaults; a bad value is a clear error."""
    given = case.settings("match")
    known = {f.name for f in fields(MatchParams)}
    unknown = set(given) - known
    if unknown:
        raise CaseError(
            f"unknown [match] settings in case.toml: {', '.join(sorted(unknown))}",
            f"the settings are: {', '.join(sorted(known))}",
        )
    for key, value in given.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 256:
            raise CaseError(f"[match] {key} = {value!r} in case.toml is not a whole number 0-256")
    return MatchParams(**given)
