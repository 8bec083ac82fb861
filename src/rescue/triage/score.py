"""The priority score: each indicator's contribution, its reason, and the tier. Pure functions.

Every indicator gives a fraction between 0 and 1 of its weight (``rescue.triage.config``); the
score is the sum, capped at 100. Every indicator is listed in the explanation with its value,
weight and contribution, zero or not, so an analyst sees what was weighed and what was absent.
The indicator statements are neutral descriptions of what was found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from rescue.triage.config import TriageConfig
from rescue.triage.facts import PersonFacts

TIERS = ("Very High", "High", "Medium", "Low")


@dataclass(frozen=True)
class Contribution:
    indicator: str
    value: float  # the measured quantity: files, clusters, years, a percentile...
    weight: float
    contribution: float
    detail: str  # a neutral statement; empty when the indicator was not found


@dataclass(frozen=True)
class Priority:
    person_id: str
    score: float
    tier: str
    contributions: list[Contribution]

    @property
    def indicators(self) -> list[str]:
        # In the weights' order (production, contact, access, material, ...), as triage reads.
        return [c.detail for c in self.contributions if c.contribution > 0 and c.detail]


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}{'' if n == 1 else 's'}"


def _access(facts: PersonFacts, config: TriageConfig) -> list[str]:
    return [o for o in facts.occupations if o in config.access_occupations]


def score_person(facts: PersonFacts, config: TriageConfig, reference: datetime | None) -> Priority:
    w, scale = config.weights, config.scale
    access = _access(facts, config)
    confirmed = facts.checks.get("access_to_children_confirmed", False)
    parts: list[tuple[str, float, float, str]] = []  # indicator, value, fraction, detail

    n = facts.clusters_seeded
    parts.append(
        (
            "producer",
            n,
            min(1.0, n),
            f"first to post {_plural(n, 'new picture cluster')}" if n else "",
        )
    )
    n = facts.meetings
    parts.append(
        ("meeting", n, min(1.0, n), "arranged to meet another member in person" if n else "")
    )
    parts.append((
        "access_to_children", len(access), 1.0 if access else 0.0,
        f"discloses an occupation with access to children ({', '.join(access)})" if access else "",
    ))  # fmt: skip
    combined = (bool(access) or confirmed) and facts.known_files > 0
    parts.append((
        "access_with_material", 1.0 if combined else 0.0, 1.0 if combined else 0.0,
        "access to children together with known material posted" if combined else "",
    ))  # fmt: skip
    n = facts.known_files
    full = max(1, int(scale["volume_full"]))
    volume = min(1.0, math.log1p(n) / math.log1p(full))
    by_category = ", ".join(
        f"{k or 'uncategorised'}: {v}" for k, v in sorted(facts.known_by_category.items())
    )
    parts.append(
        ("volume", n, volume, f"posted {_plural(n, 'known file')} ({by_category})" if n else "")
    )
    severe = facts.known_by_category.get(str(scale["severe_category"]), 0)
    share = severe / n if n else 0.0
    parts.append((
        "severity", round(share, 3), share,
        f"{severe} of them in category {scale['severe_category']}" if severe else "",
    ))  # fmt: skip
    n = facts.seeded_spread
    parts.append((
        "spread", n, min(1.0, n / max(1, int(scale["spread_full"]))),
        f"clusters they posted first were re-posted by {_plural(n, 'other person')}" if n else "",
    ))  # fmt: skip
    role = {"administrator": 1.0, "moderator": 0.5}.get(facts.role or "", 0.0)
    parts.append(("role", role, role, f"{facts.role} of the forum" if facts.role else ""))
    pct = facts.pagerank_percentile
    central = max(0.0, (pct - 0.5) / 0.5) if pct is not None else 0.0  # the upper half counts
    parts.append((
        "centrality", round(pct or 0.0, 3), central,
        f"in the top {max(1, round((1 - pct) * 100))}% of persons by PageRank"
        if pct is not None and central
        else "",
    ))  # fmt: skip
    years = 0.0
    if facts.first_active and facts.last_active:
        years = (facts.last_active - facts.first_active).days / 365.25
    parts.append((
        "tenure", round(years, 2), min(1.0, years / float(scale["tenure_full_years"])),
        f"active for {years:.1f} years" if years >= 0.1 else "",
    ))  # fmt: skip
    recent = 0.0
    days = None
    if facts.last_active and reference:
        days = (reference - facts.last_active).days
        limit = int(scale["recency_days"])
        recent = 1.0 if days <= limit else max(0.0, 1 - (days - limit) / (3 * limit))
    parts.append((
        "recency", float(days) if days is not None else -1.0, recent,
        f"last active {days} days before the latest activity in the case" if recent else "",
    ))  # fmt: skip
    conviction = facts.checks.get("prior_conviction", False)
    parts.append(("prior_conviction", float(conviction), float(conviction),
                  "record check: prior relevant conviction" if conviction else ""))  # fmt: skip
    parts.append(("access_confirmed", float(confirmed), float(confirmed),
                  "record check: access to children confirmed" if confirmed else ""))  # fmt: skip

    contributions = [
        Contribution(name, float(value), w[name], round(w[name] * fraction, 3), detail)
        for name, value, fraction, detail in parts
    ]
    total = min(100.0, round(sum(c.contribution for c in contributions), 3))
    return Priority(facts.person_id, total, tier_of(total, config), contributions)


def tier_of(score: float, config: TriageConfig) -> str:
    tiers = config.tiers
    if score >= tiers["very_high"]:
        return TIERS[0]
    if score >= tiers["high"]:
        return TIERS[1]
    if score >= tiers["medium"]:
        return TIERS[2]
    return TIERS[3]


def rank(priorities: list[Priority]) -> list[tuple[int, Priority]]:
    """Highest score first; ties broken by person id so a re-run gives the same order."""
    ordered = sorted(priorities, key=lambda p: (-p.score, p.person_id))
    return [(i, p) for i, p in enumerate(ordered, start=1)]
