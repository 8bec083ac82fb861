"""Where a person lives: one country, a confidence and the evidence behind it. Pure functions.

Fusion is a weighted linear opinion pool. Each source (residential IP addresses, self-disclosed
places, the profile time zone, the posting rhythm, the interface language, the e-mail provider)
turns its values into a distribution over countries (``rescue.identity.attribute_signals``)
and votes with that distribution times its weight. The weight is the source's reliability: how
directly it measures residence and how hard it is to get wrong by accident, expressed on one
scale where "a single statement 'I live in X'" is about 2:

=============  =========================================================================
location       4 x (1 - 0.45^mentions): a statement of residence; a few saturate it
ip             4 x (1 - e^(-S/2)), S = recency-weighted sightings of residential
               addresses (half-life 180 days before the person's latest sighting);
               hosting, VPN, Tor, private and unlocated addresses vote 0
timezone       2, chosen by the person; halved when the posting rhythm contradicts it
email          1.5 for a national provider or ISP, 1 for a bare ccTLD; global providers 0
language       0.3 (English, the board default) to 1.2 (pt_br), see ``LANGUAGES``
rhythm         1 x the fit's clarity, shared by the countries at that UTC offset that
               another source already names (alone it only shows as weight-0 evidence)
=============  =========================================================================

The saturating forms are the caps: a thousand posts from one address cannot outvote a
disclosed city and a time zone that agree with each other, so one noisy source cannot decide
alone. Settings a person repeats on several accounts are one choice, not several: distinct
values are pooled and the source weighs as much as its most telling value.

The winner is the country with the largest summed vote. ``confidence`` is its share of all
votes, discounted by 1 - e^(-W/2) for the total weight W, so that a lone weak hint (an "en"
interface) never reads as certain. ``conflict`` flags a strong source (ip, location, timezone)
giving at least 1 and at least a quarter of the winner's vote to another country.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rescue.identity.attribute_signals import (
    OffsetEstimate,
    ZoneTable,
    circular_hours,
    estimate_offset,
    language_countries,
    offsets_of_alignment,
    provider_country,
    strip_reserved,
)

LOCATION_MAX, LOCATION_KEEP = 4.0, 0.45
IP_MAX, IP_SCALE = 4.0, 2.0
IP_HALF_LIFE_DAYS = 180.0
IP_UNDATED = 0.25  # a sighting without a time counts as one two half-lives old
TIMEZONE_WEIGHT = 2.0
RHYTHM_WEIGHT = 1.0
EMAIL_NATIONAL, EMAIL_CCTLD = 1.5, 1.0
THIN_SCALE = 2.0
CONFLICT_MIN, CONFLICT_SHARE = 1.0, 0.25
STRONG = frozenset({"ip", "location", "timezone"})


@dataclass(frozen=True)
class Evidence:
    kind: str  # ip | location | timezone | rhythm | language | email
    country: str | None
    weight: float  # the vote given to ``country``; 0 for evidence shown but not counted
    detail: str


@dataclass(frozen=True)
class Attribution:
    country: str | None
    confidence: float
    runner_up: str | None
    conflict: bool
    evidence: list[Evidence]


@dataclass(frozen=True)
class IpSighting:
    """One address seen ``count`` times, the latest at ``seen_at``, with its geolocation."""

    ip: str
    country: str | None
    network_kind: str  # residential | hosting | vpn | tor | private | unknown
    flag_reason: str | None
    seen_at: datetime | None
    count: int = 1


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    mentions: int = 1


@dataclass(frozen=True)
class PersonSignals:
    ips: Sequence[IpSighting] = ()
    places: Sequence[Place] = ()
    timezones: Sequence[str] = ()
    languages: Sequence[str] = ()
    email_providers: Sequence[str] = ()
    hour_counts: Sequence[int] = field(default_factory=lambda: [0] * 24)  # posts by UTC hour


def _spread(kind: str, weight: float, shares: Mapping[str, float], detail: str) -> list[Evidence]:
    return [Evidence(kind, c, weight * s, detail) for c, s in sorted(shares.items()) if s > 0]


def ip_evidence(sightings: Iterable[IpSighting]) -> list[Evidence]:
    sightings = list(sightings)
    dated = [s.seen_at for s in sightings if s.seen_at is not None]
    latest = max(dated) if dated else None
    votes: dict[str, float] = defaultdict(float)
    seen: dict[tuple[str, str | None, str | None], list[IpSighting]] = defaultdict(list)
    for s in sightings:
        if s.network_kind == "residential" and s.country:
            age = (latest - s.seen_at).total_seconds() / 86400 if latest and s.seen_at else None
            decay = IP_UNDATED if age is None else 0.5 ** (age / IP_HALF_LIFE_DAYS)
            votes[s.country] += s.count * decay
        seen[(s.network_kind, s.country, s.flag_reason)].append(s)
    total = sum(votes.values())
    budget = IP_MAX * (1 - math.exp(-total / IP_SCALE))
    evidence = []
    for (kind, country, reason), group in sorted(seen.items(), key=lambda i: str(i[0])):
        addresses = len({s.ip for s in group})
        times = sum(s.count for s in group)
        last = max((s.seen_at for s in group if s.seen_at), default=None)
        detail = f"{kind}: {addresses} address(es), {times} sighting(s)"
        detail += f", last {last:%Y-%m-%d}" if last else ""
        if kind == "residential" and country and total > 0:
            weight = budget * votes[country] / total
            detail += f", recency-weighted {votes[country]:.1f} of {total:.1f}"
        else:
            weight = 0.0  # shown so an analyst sees the VPN or host, never counted
            why = reason or ("no country in the database" if not country else "not counted")
            detail += f"; {why}"
        evidence.append(Evidence("ip", country, weight, detail))
    return evidence


def place_evidence(places: Iterable[Place]) -> list[Evidence]:
    by_country: dict[str, list[Place]] = defaultdict(list)
    for p in places:
        by_country[p.country].append(p)
    mentions = sum(p.mentions for group in by_country.values() for p in group)
    if not mentions:
        return []
    budget = LOCATION_MAX * (1 - LOCATION_KEEP**mentions)
    evidence = []
    for country, group in sorted(by_country.items()):
        n = sum(p.mentions for p in group)
        cities = ", ".join(f"{p.city} ({p.mentions}x)" for p in sorted(group, key=lambda p: p.city))
        evidence.append(Evidence("location", country, budget * n / mentions, f"lives in {cities}"))
    return evidence


def _pool(kind: str, choices: Sequence[tuple[float, Mapping[str, float], str]]) -> list[Evidence]:
    """Distinct values of one setting: weighted mean of their shares, the largest weight."""
    if not choices:
        return []
    budget = max(weight for weight, _, _ in choices)
    total = sum(weight for weight, _, _ in choices)
    evidence = []
    for weight, shares, detail in choices:
        evidence += _spread(kind, budget * weight / total, shares, detail)
    return evidence


def timezone_evidence(
    zones: Iterable[str], table: ZoneTable, rhythm: OffsetEstimate | None = None
) -> list[Evidence]:
    choices = []
    for zone in sorted({z.strip() for z in zones if z and z.strip()}):
        canonical = table.resolve(zone)
        if canonical is None:
            continue  # "UTC", "Etc/GMT+1", typos: they name no country
        shares = table.countries[canonical]
        source = table.listed_in.get(canonical, "zone.tab")
        detail = f"profile time zone {zone}"
        detail += f" (= {canonical})" if canonical != zone else ""
        detail += f", {source}" + (
            f" shared by {', '.join(sorted(shares))}" if len(shares) > 1 else ""
        )
        weight = TIMEZONE_WEIGHT
        hours = table.offsets.get(canonical, ())
        if rhythm is not None and hours:
            gap = min(circular_hours(h, rhythm.offset) for h in hours)
            if gap >= 3:
                weight /= 2
                detail += f"; posting rhythm (UTC{rhythm.offset:+d}) contradicts it"
            elif gap <= 1:
                detail += f"; posting rhythm (UTC{rhythm.offset:+d}) agrees"
        choices.append((weight, shares, detail))
    return _pool("timezone", choices)


def rhythm_evidence(
    estimate: OffsetEstimate | None, table: ZoneTable, candidates: Iterable[str]
) -> list[Evidence]:
    """Votes for the ``candidates`` (countries other sources named) at the fitted offset.

    Fifty countries share UTC+1: spread over all of them the vote would be noise. Among the
    countries already in play it is the tie-breaker it is good at (US or GB for an "en" user).
    """
    if estimate is None:
        return []
    detail = (
        f"posting hours fit UTC{estimate.offset:+d} (+-1 h: {estimate.mass:.0%} of the fit) "
        f"over {estimate.posts} posts and messages"
    )
    named = set(candidates)
    votes: dict[str, float] = defaultdict(float)
    window = sum(estimate.posterior.values())
    for alignment, p in estimate.posterior.items():
        at = {c for o in offsets_of_alignment(alignment) for c in table.countries_at(o)}
        codes = sorted(at & named)
        for code in codes:
            votes[code] += RHYTHM_WEIGHT * estimate.mass * (p / window) / len(codes)
    if not votes:
        why = "; no other evidence names a country there" if named else ""
        return [Evidence("rhythm", None, 0.0, detail + why)]
    return [Evidence("rhythm", c, w, detail) for c, w in sorted(votes.items())]


def language_evidence(langs: Iterable[str]) -> list[Evidence]:
    choices = []
    for lang in sorted({lang for lang in langs if lang}):
        found = language_countries(lang)
        if found:
            choices.append((found[0], found[1], f"interface language {lang}"))
    return _pool("language", choices)


def email_evidence(providers: Iterable[str]) -> list[Evidence]:
    choices = []
    for provider in sorted({p.lower() for p in providers if p}):
        found = provider_country(provider)
        if found is None:
            continue
        country, why = found
        weight = EMAIL_NATIONAL if why == "national provider" else EMAIL_CCTLD
        shown = strip_reserved(provider)
        note = f" (reserved TLD dropped: {shown})" if shown != provider else ""
        choices.append((weight, {country: 1.0}, f"e-mail at {provider}: {why}{note}"))
    return _pool("email", choices)


def gather(signals: PersonSignals, table: ZoneTable) -> list[Evidence]:
    rhythm = estimate_offset(signals.hour_counts)
    evidence = [
        *place_evidence(signals.places),
        *ip_evidence(signals.ips),
        *timezone_evidence(signals.timezones, table, rhythm),
        *language_evidence(signals.languages),
        *email_evidence(signals.email_providers),
    ]
    candidates = {e.country for e in evidence if e.country and e.weight > 0}
    return [*evidence, *rhythm_evidence(rhythm, table, candidates)]


def fuse(evidence: Sequence[Evidence]) -> Attribution:
    totals: dict[str, float] = defaultdict(float)
    strong: dict[str, float] = defaultdict(float)
    for e in evidence:
        if e.country and e.weight > 0:
            totals[e.country] += e.weight
            if e.kind in STRONG:
                strong[e.country] += e.weight
    ordered = sorted(evidence, key=lambda e: (-e.weight, e.kind, e.country or ""))
    if not totals:
        return Attribution(None, 0.0, None, False, ordered)
    ranking = sorted(totals, key=lambda c: (-totals[c], c))
    winner = ranking[0]
    weight = sum(totals.values())
    confidence = totals[winner] / weight * (1 - math.exp(-weight / THIN_SCALE))
    bar = max(CONFLICT_MIN, CONFLICT_SHARE * totals[winner])
    conflict = any(w >= bar for c, w in strong.items() if c != winner)
    runner_up = ranking[1] if len(ranking) > 1 else None
    return Attribution(winner, round(confidence, 4), runner_up, conflict, ordered)


def attribute(signals: PersonSignals, table: ZoneTable) -> Attribution:
    return fuse(gather(signals, table))
