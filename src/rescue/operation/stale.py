"""Person ids that casework names but the latest link run no longer has.

Outcomes, record checks and referrals point at person ids ("P-" + the person's smallest
account). A later run that merges or splits persons (an analyst's ruling, new evidence) can
retire an id that casework still names. The casework stays as it was written (it is evidence
of what was done); this lists what to look at, so the figures are not silently off.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from rescue.case import Case
from rescue.operation.lake import lake, rows
from rescue.ops.models import Outcome, RecordCheck, ReferralPerson


@dataclass(frozen=True)
class StalePerson:
    person_id: str
    named_by: tuple[str, ...]  # "outcomes", "record checks", "referrals"


def lake_person_ids(case: Case, among: list[str] | None = None) -> frozenset[str] | None:
    """The lake's person ids (only those ``among``, when given); None before linking."""
    with lake(case) as engine:
        if "persons" not in engine.tables():
            return None
        if among is None:
            found = rows(engine, "SELECT DISTINCT person_id FROM persons")
        else:
            found = rows(
                engine,
                "SELECT DISTINCT person_id FROM persons WHERE person_id IN (SELECT unnest(?))",
                [among],
            )
    return frozenset(r["person_id"] for r in found)


def stale_persons(case: Case, known: frozenset[str] | None = None) -> list[StalePerson]:
    """Every person id in casework that the lake's ``persons`` lacks (none before linking).

    ``known``: the lake's person ids when the caller has them already (``LakeFacts``)."""
    named: dict[str, set[str]] = {}
    with case.store.session() as session:
        for column, where in ((Outcome.person_id, "outcomes"),
                              (RecordCheck.person_id, "record checks"),
                              (ReferralPerson.person_id, "referrals")):  # fmt: skip
            for person_id in session.scalars(select(column).distinct()):
                named.setdefault(person_id, set()).add(where)
    if not named:
        return []
    if known is None:
        known = lake_person_ids(case, sorted(named))
    if known is None:
        return []
    return [StalePerson(p, tuple(sorted(named[p]))) for p in sorted(set(named) - known)]
