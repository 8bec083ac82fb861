"""One person's page: accounts, identifiers, attribution, links, priority, network, activity.

``person_detail`` answers None both for a person the case does not hold and for one outside the
reader's scope, so a partner cannot learn that a person exists in another country. Sections a
stage has not written yet are empty or None (no priority before triage, no network position
before the network stage), never an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rescue.views.casework import Casework, person_casework
from rescue.views.model_persons import PROFILE
from rescue.views.persons import SUMMARY_COLUMNS, PersonSummary, summary
from rescue.views.reader import Reader, ReadModel
from rescue.views.records import Record, inflate, json_list
from rescue.views.scope import Scope


@dataclass(frozen=True)
class Account(Record):
    account_id: str
    source: str | None
    user_id: int | None
    username: str | None
    kind: str | None  # member | inactive | founder | ...
    registered_at: str | None
    last_active_at: str | None
    posts_count: int | None


@dataclass(frozen=True)
class Identifier(Record):
    kind: str
    value: str
    detail: str | None
    account_id: str
    first_seen: str | None
    last_seen: str | None
    sightings: int
    found_in: tuple[str, ...]  # "table.field", e.g. "posts.poster_ip"
    country: str | None  # for IP addresses: where the geolocation database places it
    network_kind: str | None  # residential | hosting | vpn | tor | private | unknown
    asn_name: str | None


@dataclass(frozen=True)
class Evidence(Record):
    kind: str
    country: str | None
    weight: float
    detail: str


@dataclass(frozen=True)
class Attribution(Record):
    country: str | None
    confidence: float | None
    runner_up: str | None
    conflict: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Comparison(Record):
    comparison: str
    level: str
    weight: float | None  # what reaching this level adds, in log2 Bayes factor


@dataclass(frozen=True)
class Link(Record):
    account_a: str
    account_b: str
    method: str  # model | deterministic | analyst
    match_weight: float | None
    match_probability: float | None
    accepted: bool
    reason: str | None
    comparisons: tuple[Comparison, ...]
    hard_identifiers: tuple[str, ...]  # shared identifiers that force the link


@dataclass(frozen=True)
class Contribution(Record):
    indicator: str
    value: float
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True)
class Priority(Record):
    score: float
    tier: str
    rank: int
    indicators: tuple[str, ...]
    explanation: tuple[Contribution, ...]  # every indicator, zero or not


@dataclass(frozen=True)
class NetworkPosition(Record):
    role: str
    reasons: tuple[str, ...]
    degree: int | None
    weighted_degree: float | None
    pagerank: float | None
    kcore: int | None
    betweenness: float | None
    community: int | None
    community_size: int | None


@dataclass(frozen=True)
class Month(Record):
    month: str  # YYYY-MM
    posts: int
    messages: int
    attachments: int


@dataclass(frozen=True)
class KnownMaterial(Record):
    hash_set: str | None
    category: str | None
    role: str  # attachment | avatar
    files: int  # distinct files
    postings: int  # attachments (or avatars) carrying them


@dataclass(frozen=True)
class Material(Record):
    attachments: int  # everything the person attached
    known_files: int  # distinct files matching any hash list
    known_attachments: int
    known: tuple[KnownMaterial, ...]  # by list and category
    new_clusters: int  # new-material clusters the person posted
    new_attachments: int
    new_clusters_first: int  # clusters this person posted first


@dataclass(frozen=True)
class PersonDetail(Record):
    person_id: str
    summary: PersonSummary
    linked_by: tuple[str, ...]
    accounts: tuple[Account, ...]
    identifiers: tuple[Identifier, ...]
    attribution: Attribution | None  # None before the attribute stage
    links: tuple[Link, ...]  # between the person's own accounts
    priority: Priority | None  # None before triage
    network: NetworkPosition | None  # None before the network stage
    timeline: tuple[Month, ...]
    material: Material
    casework: Casework | None  # None when not asked for
    built_at: str


_PROFILE = ", ".join(f"f.{name}" for name, _ in PROFILE.columns if name != "pid")


def person_detail(
    reader: Reader, person_id: str, scope: Scope, *, casework: bool = True
) -> PersonDetail | None:
    """The person's page, or None when the case has no such person or ``scope`` excludes it."""
    model = reader.model()
    row = model.one(
        f"SELECT {SUMMARY_COLUMNS}, {_PROFILE} FROM person JOIN profile f USING (pid) "
        "WHERE person_id = ?",
        [person_id],
    )
    if row is None or not scope.allows(row["country"]):
        return None
    pid = row["pid"]
    head = summary(row)
    return PersonDetail(
        person_id=head.person_id,
        summary=head,
        linked_by=tuple(json_list(row["linked_by"])),
        accounts=_accounts(model, pid),
        identifiers=_identifiers(model, pid),
        attribution=_attribution(row),
        links=_links(model, pid),
        priority=_priority(row),
        network=_network(row),
        timeline=tuple(
            Month(r["month"], r["posts"], r["messages"], r["attachments"])
            for r in model.rows(
                "SELECT month, posts, messages, attachments FROM timeline WHERE pid = ? "
                "ORDER BY month",
                [pid],
            )
        ),
        material=_material(model, row),
        casework=person_casework(reader, head.person_id, scope) if casework else None,
        built_at=model.built_at,
    )


def _accounts(model: ReadModel, pid: int) -> tuple[Account, ...]:
    rows = model.rows(
        "SELECT account_id, source, user_id, username, kind, registered_at, last_active_at, "
        "posts_count FROM accounts WHERE pid = ? ORDER BY account_id",
        [pid],
    )
    return tuple(Account(*r) for r in rows)


def _identifiers(model: ReadModel, pid: int) -> tuple[Identifier, ...]:
    rows = model.rows(
        "SELECT kind, value, detail, account_id, first_seen, last_seen, sightings, found_in, "
        "country, network_kind, asn_name FROM identifiers WHERE pid = ? "
        "ORDER BY kind, value, account_id",
        [pid],
    )
    return tuple(
        Identifier(
            kind=r["kind"],
            value=r["value"],
            detail=r["detail"],
            account_id=r["account_id"],
            first_seen=r["first_seen"],
            last_seen=r["last_seen"],
            sightings=r["sightings"],
            found_in=tuple(json_list(r["found_in"])),
            country=r["country"],
            network_kind=r["network_kind"],
            asn_name=r["asn_name"],
        )
        for r in rows
    )


def _attribution(row: Any) -> Attribution | None:
    evidence = json_list(inflate(row["evidence"]))
    if row["country"] is None and row["confidence"] is None and not evidence:
        return None
    return Attribution(
        country=row["country"],
        confidence=row["confidence"],
        runner_up=row["runner_up"],
        conflict=bool(row["conflict"]),
        evidence=tuple(
            Evidence(
                kind=str(e.get("kind", "")),
                country=e.get("country"),
                weight=float(e.get("weight") or 0.0),
                detail=str(e.get("detail") or ""),
            )
            for e in evidence
        ),
    )


def _links(model: ReadModel, pid: int) -> tuple[Link, ...]:
    rows = model.rows(
        "SELECT account_a, account_b, method, match_weight, match_probability, accepted, reason, "
        "features FROM links WHERE pid = ? ORDER BY account_a, account_b, method",
        [pid],
    )
    links = []
    for r in rows:
        text = inflate(r["features"])
        features: dict[str, Any] = json.loads(text) if text else {}
        hard = features.pop("hard_identifiers", [])
        comparisons = tuple(
            Comparison(name, str(item.get("level", "")), item.get("weight"))
            for name, item in sorted(features.items())
            if isinstance(item, dict)
        )
        links.append(
            Link(
                account_a=r["account_a"],
                account_b=r["account_b"],
                method=r["method"],
                match_weight=r["match_weight"],
                match_probability=r["match_probability"],
                accepted=bool(r["accepted"]),
                reason=r["reason"],
                comparisons=comparisons,
                hard_identifiers=tuple(str(h) for h in hard) if isinstance(hard, list) else (),
            )
        )
    return tuple(links)


def _priority(row: Any) -> Priority | None:
    if row["rank"] is None:
        return None
    explanation = json_list(inflate(row["explanation"]))
    return Priority(
        score=row["score"],
        tier=row["tier"],
        rank=row["rank"],
        indicators=tuple(json_list(row["indicators"])),
        explanation=tuple(
            Contribution(
                indicator=str(c.get("indicator", "")),
                value=float(c.get("value") or 0.0),
                weight=float(c.get("weight") or 0.0),
                contribution=float(c.get("contribution") or 0.0),
                detail=str(c.get("detail") or ""),
            )
            for c in explanation
        ),
    )


def _network(row: Any) -> NetworkPosition | None:
    if row["role"] is None:
        return None
    return NetworkPosition(
        role=row["role"],
        reasons=tuple(json_list(row["role_reasons"])),
        degree=row["degree"],
        weighted_degree=row["weighted_degree"],
        pagerank=row["pagerank"],
        kcore=row["kcore"],
        betweenness=row["betweenness"],
        community=row["community"],
        community_size=row["community_size"],
    )


def _material(model: ReadModel, row: Any) -> Material:
    known = model.rows(
        "SELECT hash_set, category, role, files, postings FROM known WHERE pid = ? "
        "ORDER BY hash_set, category, role",
        [row["pid"]],
    )
    return Material(
        attachments=row["attachments"],
        known_files=row["known_files"],
        known_attachments=row["known_attachments"],
        known=tuple(KnownMaterial(*r) for r in known),
        new_clusters=row["new_clusters"],
        new_attachments=row["new_attachments"],
        new_clusters_first=row["new_clusters_first"],
    )
