"""The persons list: search, filter, sort and page, within the reader's scope.

Free text matches the start of a person id, a username, or any identifier value the person's
accounts revealed (an e-mail address, an IP address or its first octets, a bitcoin address...),
and, from three characters on, a person id or username anywhere in it (a trigram index). One or
two characters anywhere would match most persons and find no one in particular. Matching
ignores case; identifier values are compared as the extract stage normalised them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from rescue.errors import InputError
from rescue.views.browse import SORT_KEYS, Array
from rescue.views.reader import Reader, ReadModel
from rescue.views.records import Record, json_list
from rescue.views.scope import Scope

MAX_PER_PAGE = 200
MAX_QUERY = 200  # characters of free text
# Each key's natural direction: the most urgent, the highest, the busiest first.
DEFAULT_ORDER = {
    "rank": "asc",
    "score": "desc",
    "country": "asc",
    "accounts": "desc",
    "last_active": "desc",
    "person_id": "asc",
}
_COUNTRY = re.compile(r"[A-Za-z]{2}")
MAX_PAGE = 1_000_000  # past any real case; bounds the offset so it fits an index
MAX_COMMUNITY = 2**31 - 1  # community numbers are int32 in the lake
_FTS_MIN = 3  # the trigram index finds substrings of three characters or more


@dataclass(frozen=True)
class PersonQuery(Record):
    """What the list is asked for; checked and normalised when made (``InputError`` if wrong)."""

    q: str = ""
    country: str | None = None  # ISO 3166-1 alpha-2
    tier: str | None = None  # Very High | High | Medium | Low (any case, _ for space)
    role: str | None = None
    community: int | None = None
    sort: str = "rank"
    order: str | None = None  # asc | desc; None: the sort key's natural direction
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        q = " ".join((self.q or "").split())
        if len(q) > MAX_QUERY:
            raise InputError(
                f"the search text is {len(q)} characters long", f"use at most {MAX_QUERY}"
            )
        country = self.country.strip() if self.country else None
        if country and not _COUNTRY.fullmatch(country):
            raise InputError(f"country {country!r} is not a two-letter ISO 3166-1 code", "e.g. DE")
        if self.sort not in SORT_KEYS:
            raise InputError(
                f"cannot sort by {self.sort!r}", f"sort by one of: {', '.join(SORT_KEYS)}"
            )
        order = self.order.lower() if self.order else DEFAULT_ORDER[self.sort]
        if order not in ("asc", "desc"):
            raise InputError(f"order {self.order!r} is neither asc nor desc", "use asc or desc")
        if not 1 <= self.page <= MAX_PAGE:
            raise InputError(f"no page {self.page}", f"pages count from 1 to at most {MAX_PAGE:,}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InputError(
                f"{self.per_page} persons per page asked for", f"ask for 1 to {MAX_PER_PAGE}"
            )
        if self.community is not None and not -1 <= self.community <= MAX_COMMUNITY:
            raise InputError(f"no community {self.community}", "communities are numbered from 0")
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "country", country.upper() if country else None)
        object.__setattr__(self, "tier", _tier(self.tier))
        object.__setattr__(self, "role", _role(self.role))
        object.__setattr__(self, "order", order)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> PersonQuery:
        """From a query string's values: empty ones are absent, numbers are checked."""
        given: dict[str, Any] = {k: v.strip() for k, v in params.items() if v and v.strip()}
        unknown = set(given) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputError(
                f"unknown parameter {', '.join(sorted(unknown))}",
                f"use {', '.join(cls.__dataclass_fields__)}",
            )
        for name in ("community", "page", "per_page"):
            if name in given:
                given[name] = _number(name, given[name])
        return cls(**given)


def _tier(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    from rescue.triage.score import TIERS

    wanted = value.replace("_", " ").strip().lower()
    for tier in TIERS:
        if tier.lower() == wanted:
            return tier
    raise InputError(f"no tier {value!r}", f"tiers are: {', '.join(TIERS)}")


def _role(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    from rescue.network.roles import ROLES

    wanted = value.strip().lower()
    if wanted not in ROLES:
        raise InputError(f"no role {value!r}", f"roles are: {', '.join(ROLES)}")
    return wanted


def _number(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{name} {text!r} is not a whole number") from None


@dataclass(frozen=True)
class PersonSummary(Record):
    person_id: str
    label: str  # the first username, or the person id when there is none
    usernames: tuple[str, ...]
    n_accounts: int
    country: str | None
    country_confidence: float | None
    country_conflict: bool
    tier: str | None  # None until triage has run
    score: float | None
    rank: int | None
    indicators: tuple[str, ...]
    role: str | None  # None until the network stage has run
    community: int | None
    degree: int | None
    posts: int
    messages: int
    first_active: str | None
    last_active: str | None


@dataclass(frozen=True)
class Choice(Record):
    value: str | int
    persons: int


@dataclass(frozen=True)
class FilterChoices(Record):
    """What the filters can be set to within the scope, with persons for each (for dropdowns)."""

    countries: tuple[Choice, ...]
    tiers: tuple[Choice, ...]
    roles: tuple[Choice, ...]
    communities: tuple[Choice, ...]  # largest first


@dataclass(frozen=True)
class PersonPage(Record):
    query: PersonQuery
    total: int  # persons matching, on every page
    page: int
    per_page: int
    pages: int
    items: tuple[PersonSummary, ...]
    choices: FilterChoices
    built_at: str  # when the read model was built from the lake


SUMMARY_COLUMNS = (
    "pid, person_id, usernames, n_accounts, country, confidence, conflict, tier, score, rank, "
    "indicators, role, community, degree, posts, messages, first_active, last_active"
)


def summary(row: Any) -> PersonSummary:
    """A ``person`` row (``SUMMARY_COLUMNS``) as the list shows it."""
    usernames = tuple(json_list(row["usernames"]))
    return PersonSummary(
        person_id=row["person_id"],
        label=usernames[0] if usernames else row["person_id"],
        usernames=usernames,
        n_accounts=row["n_accounts"],
        country=row["country"],
        country_confidence=row["confidence"],
        country_conflict=bool(row["conflict"]),
        tier=row["tier"],
        score=row["score"],
        rank=row["rank"],
        indicators=tuple(json_list(row["indicators"])),
        role=row["role"],
        community=row["community"],
        degree=row["degree"],
        posts=row["posts"],
        messages=row["messages"],
        first_active=row["first_active"],
        last_active=row["last_active"],
    )


def list_persons(reader: Reader, query: PersonQuery, scope: Scope) -> PersonPage:
    """One page of the persons in ``scope`` that match ``query``, in its order."""
    model = reader.model()
    browse = model.browse
    among = _search(model, query.q) if query.q else None
    mask = browse.select(
        scope,
        country=query.country,
        tier=query.tier,
        role=query.role,
        community=query.community,
        among=among,
    )
    total = int(mask.sum())
    start = (query.page - 1) * query.per_page
    pids = browse.page(mask, query.sort, query.order == "desc", start, query.per_page)
    return PersonPage(
        query=query,
        total=total,
        page=query.page,
        per_page=query.per_page,
        pages=max(1, -(-total // query.per_page)),
        items=tuple(_summaries(model, pids)),
        choices=filter_choices(model, scope),
        built_at=model.built_at,
    )


def filter_choices(model: ReadModel, scope: Scope) -> FilterChoices:
    found = model.browse.choices(scope)
    return FilterChoices(
        **{name: tuple(Choice(v, n) for v, n in pairs) for name, pairs in found.items()}
    )


def _summaries(model: ReadModel, pids: list[int]) -> list[PersonSummary]:
    if not pids:
        return []
    marks = ", ".join("?" for _ in pids)
    rows = model.rows(f"SELECT {SUMMARY_COLUMNS} FROM person WHERE pid IN ({marks})", pids)
    by_pid = {row["pid"]: row for row in rows}
    return [summary(by_pid[p]) for p in pids]


def _search(model: ReadModel, q: str) -> Array:
    """pids with a name containing ``q`` or a term (name, id, identifier) starting with it."""
    text = q.lower()
    # Every string starting with ``text`` sorts between it and it followed by the highest
    # code point: one range of the terms' index.
    found = model.column(
        "SELECT pid FROM terms WHERE term >= ? AND term < ?", [text, text + "\U0010ffff"]
    )
    if len(text) >= _FTS_MIN:
        phrase = '"' + text.replace('"', '""') + '"'
        found += model.column("SELECT rowid FROM name_search WHERE names MATCH ?", [phrase])
    return np.unique(np.array(found, dtype=np.int64))


def with_page(query: PersonQuery, page: int) -> PersonQuery:
    """The same query on another page (for the pager's links)."""
    return replace(query, page=page)
