"""Agency record checks: what a partner force's records say about a person.

An analyst enters each answer as it comes back ("prior conviction: yes, per the national
register"). Answers are never edited: a later answer to the same check for the same person wins,
and the history stays readable. The triage stage reads the answers in force through
``record_checks``; a check not asked is absent, which is not the same as "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation import fields
from rescue.operation.lake import require_persons
from rescue.ops.models import RecordCheck

# The closed set: triage weighs each by name, so a new check is added here and there together.
CHECKS: dict[str, str] = {
    "prior_conviction": "convicted before of a sexual offence against children",
    "registered_sex_offender": "on the country's register of sex offenders",
    "known_to_police": "the force holds any record on the person",
    "access_to_children_confirmed": "lives with, cares for or meets children: confirmed",
    "works_with_children_confirmed": "paid or volunteer role with children: confirmed",
    "identity_confirmed": "the force has confirmed who the person is",
    "firearms_access": "holds a firearms licence or has access to firearms (arrest safety)",
}
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


@dataclass(frozen=True)
class CheckEntry:
    id: int
    person_id: str
    check: str
    value: bool
    detail: str
    country: str | None
    analyst: str
    checked_at: datetime


def yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise InputError(f"{text!r} is not yes or no", "give the check's answer as yes or no")


def record_check(
    case: Case,
    person_id: str,
    check: str,
    value: bool,
    *,
    detail: str = "",
    country: str | None = None,
    analyst: str,
) -> CheckEntry:
    if check not in CHECKS:
        raise InputError(f"unknown record check {check!r}", f"use one of: {', '.join(CHECKS)}")
    require_persons(case, [person_id])
    row = RecordCheck(
        person_id=person_id,
        check_name=check,
        value=value,
        detail=detail.strip(),
        country=fields.optional_country(country),
        analyst=fields.name(analyst, "the analyst's name"),
        checked_at=datetime.now(UTC),
    )
    with case.store.session() as session:
        session.add(row)
    return _entry(row)


def check_history(case: Case, person_id: str | None = None) -> list[CheckEntry]:
    """Every answer ever entered, oldest first."""
    query = select(RecordCheck).order_by(RecordCheck.id)
    if person_id is not None:
        query = query.where(RecordCheck.person_id == person_id)
    with case.store.session() as session:
        return [_entry(row) for row in session.scalars(query)]


def current_checks(case: Case, person_id: str | None = None) -> list[CheckEntry]:
    """The answer in force per person and check: the latest one entered."""
    latest: dict[tuple[str, str], CheckEntry] = {}
    for entry in check_history(case, person_id):
        latest[(entry.person_id, entry.check)] = entry
    return sorted(latest.values(), key=lambda e: (e.person_id, e.check))


def record_checks(case: Case) -> dict[str, dict[str, bool]]:
    """person_id -> check -> answer in force; what the triage stage weighs."""
    answers: dict[str, dict[str, bool]] = {}
    for entry in current_checks(case):
        answers.setdefault(entry.person_id, {})[entry.check] = entry.value
    return answers


def _entry(row: RecordCheck) -> CheckEntry:
    return CheckEntry(
        id=row.id,
        person_id=row.person_id,
        check=row.check_name,
        value=row.value,
        detail=row.detail,
        country=row.country,
        analyst=row.analyst,
        checked_at=fields.utc(row.checked_at),
    )
