"""Arranging to meet another member in person: curated, neutral phrases triage must notice.

Police triage weighs contact offending above all but production; on a forum the trace of it is
often plain scheduling language in private messages ("we could meet at the station on
Saturday"). The phrases are deliberately few and plain, so an analyst can read what matched:
a match is a lead to read in context, never a finding on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Each pattern names an intent to meet face to face; the optional group catches the place.
_PLACE = r"(?:\s+(?:in|at)\s+(?:the\s+)?(?P<place>[A-ZÀ-Ý][\w'’.-]*(?:\s[A-ZÀ-Ý][\w'’.-]*)?))?"
MEETING_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"\b(?:[Ww]e could|[Ll]et us|[Ll]et's|[Hh]appy to|[Ww]ant to|[Ss]hall we)\s+meet"
        r"(?:\s+up|\s+in\s+person)?" + _PLACE,
        r"\b[Mm]eet\s+(?:up\s+)?in\s+person\b" + _PLACE,
    )
)


@dataclass(frozen=True)
class Meeting:
    phrase: str  # the words that matched, as written
    place: str | None


def meetings(text: str) -> Iterator[Meeting]:
    taken: list[tuple[int, int]] = []
    for pattern in MEETING_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue  # one sentence is one meeting, whichever patterns see it
            taken.append((start, end))
            place = match.groupdict().get("place")
            yield Meeting(match.group(0), place)
