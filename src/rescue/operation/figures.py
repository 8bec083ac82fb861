"""The operation's figures by country, the way an operation is reported when it closes.

Per country: forum members placed there, suspects identified, persons referred, arrests,
charges, convictions and children safeguarded; a total row; and how many countries were
involved (had a referral sent or an outcome reported).

What counts, so the figures can be defended line by line:
- members: member accounts (no bots) by the country of the person they belong to; the rows
  add up to all members, with accounts of persons not placed under "unknown";
- identified: persons with an identified, arrested, charged or convicted outcome (nobody is
  arrested unidentified, so arrests never exceed identifications);
- referred: persons in a referral that was sent (drafts are not referrals yet), by the country
  it was sent to;
- arrests, charged, convictions: persons, each counted once per country;
- safeguarded: the sum of the children counts;
- outcomes count under their own country (see ``outcomes``) and retracted ones not at all.
A person counted in two countries counts once in the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from rescue.case import Case
from rescue.operation.lake import UNKNOWN, members_by_country, person_countries
from rescue.operation.outcomes import list_outcomes
from rescue.ops.models import Referral, ReferralPerson

TOTAL = "total"
_IMPLY_IDENTIFIED = ("identified", "arrested", "charged", "convicted")
_PERSON_KINDS = ("arrested", "charged", "convicted")


@dataclass(frozen=True)
class CountryFigures:
    country: str  # ISO 3166-1 alpha-2, "unknown", or "total"
    members: int = 0
    identified: int = 0
    referred: int = 0
    arrested: int = 0
    charged: int = 0
    convicted: int = 0
    safeguarded: int = 0  # children


@dataclass(frozen=True)
class Figures:
    countries: tuple[CountryFigures, ...]  # most referred first; "unknown" last
    total: CountryFigures
    involved: tuple[str, ...]  # countries with a sent referral or an outcome, A-Z

    def as_dict(self) -> dict[str, Any]:
        return {
            "countries": [asdict(c) for c in self.countries],
            "total": asdict(self.total),
            "countries_involved": len(self.involved),
            "involved": list(self.involved),
        }


class _Tally:
    """Persons per (figure, country), as sets, so a person counts once per country and total."""

    def __init__(self) -> None:
        self.persons: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.children: dict[str, int] = defaultdict(int)

    def add(self, figure: str, country: str, person_id: str) -> None:
        self.persons[figure][country].add(person_id)

    def count(self, figure: str, country: str) -> int:
        return len(self.persons[figure].get(country, ()))

    def total(self, figure: str) -> int:
        return len(set().union(*self.persons[figure].values()))

    def countries(self) -> set[str]:
        return {c for by_country in self.persons.values() for c in by_country} | set(self.children)


@dataclass(frozen=True)
class LakeFacts:
    """What the figures need from the lake: fixed for a lake state, so a caller may keep it."""

    members: dict[str, int]  # member accounts per country
    placed: dict[str, str | None]  # person -> country
    persons: frozenset[str] | None  # every person id; None before the link stage has run


def lake_facts(case: Case) -> LakeFacts:
    from rescue.operation.stale import lake_person_ids

    return LakeFacts(members_by_country(case), person_countries(case), lake_person_ids(case))


def operation_figures(case: Case, facts: LakeFacts | None = None) -> Figures:
    """The figures as of now; ``facts`` from ``lake_facts`` saves reading the lake again."""
    facts = facts or lake_facts(case)
    members, placed = facts.members, facts.placed
    tally = _Tally()
    for person_id, country in _sent_referrals(case):
        tally.add("referred", country, person_id)
    for outcome in list_outcomes(case, include_retracted=False):
        country = outcome.country or placed.get(outcome.person_id) or UNKNOWN
        if outcome.kind in _IMPLY_IDENTIFIED:
            tally.add("identified", country, outcome.person_id)
        if outcome.kind in _PERSON_KINDS:
            tally.add(outcome.kind, country, outcome.person_id)
        if outcome.kind == "safeguarded":
            tally.children[country] += outcome.count
    involved = tuple(sorted(tally.countries() - {UNKNOWN}))
    rows = [_row(c, members.get(c, 0), tally) for c in set(members) | tally.countries()]
    rows.sort(key=lambda r: (r.country == UNKNOWN, -r.referred, -r.arrested, -r.members, r.country))
    total = CountryFigures(
        country=TOTAL,
        members=sum(members.values()),
        identified=tally.total("identified"),
        referred=tally.total("referred"),
        arrested=tally.total("arrested"),
        charged=tally.total("charged"),
        convicted=tally.total("convicted"),
        safeguarded=sum(tally.children.values()),
    )
    return Figures(tuple(rows), total, involved)


def _row(country: str, members: int, tally: _Tally) -> CountryFigures:
    return CountryFigures(
        country=country,
        members=members,
        identified=tally.count("identified", country),
        referred=tally.count("referred", country),
        arrested=tally.count("arrested", country),
        charged=tally.count("charged", country),
        convicted=tally.count("convicted", country),
        safeguarded=tally.children.get(country, 0),
    )


def _sent_referrals(case: Case) -> list[tuple[str, str]]:
    query = (
        select(ReferralPerson.person_id, Referral.country)
        .join(Referral, Referral.id == ReferralPerson.referral_id)
        .where(Referral.status != "draft")
    )
    with case.store.session() as session:
        return [(person, country) for person, country in session.execute(query)]
