"""Record checks: the latest answer per person and check wins; the history stays."""

from __future__ import annotations

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation.checks import (
    CHECKS,
    check_history,
    current_checks,
    record_check,
    record_checks,
    yes_no,
)


def test_the_latest_answer_wins_and_the_history_stays(seeded: Case) -> None:
    record_check(seeded, "P-f:1", "prior_conviction", False, analyst="ana", country="gb")
    record_check(seeded, "P-f:1", "known_to_police", True, analyst="ana")
    record_check(
        seeded, "P-f:1", "prior_conviction", True, analyst="bob", detail="national register"
    )
    record_check(seeded, "P-f:4", "access_to_children_confirmed", True, analyst="ana")

    assert record_checks(seeded) == {
        "P-f:1": {"prior_conviction": True, "known_to_police": True},
        "P-f:4": {"access_to_children_confirmed": True},
    }
    history = check_history(seeded, "P-f:1")
    assert [(e.check, e.value, e.analyst) for e in history] == [
        ("prior_conviction", False, "ana"),
        ("known_to_police", True, "ana"),
        ("prior_conviction", True, "bob"),
    ]
    assert history[0].country == "GB" and history[0].checked_at.tzinfo is not None
    current = current_checks(seeded, "P-f:1")
    assert [(e.check, e.detail) for e in current] == [
        ("known_to_police", ""),
        ("prior_conviction", "national register"),
    ]


def test_a_later_no_overrides_a_yes(seeded: Case) -> None:
    record_check(seeded, "P-f:3", "firearms_access", True, analyst="ana")
    record_check(seeded, "P-f:3", "firearms_access", False, analyst="ana", detail="licence lapsed")
    assert record_checks(seeded) == {"P-f:3": {"firearms_access": False}}


def test_no_checks_is_an_empty_mapping(case: Case) -> None:
    assert record_checks(case) == {}
    assert current_checks(case) == []


def test_unknown_check_person_and_country_are_refused(seeded: Case) -> None:
    with pytest.raises(InputError, match="unknown record check 'convicted'") as bad:
        record_check(seeded, "P-f:1", "convicted", True, analyst="ana")
    assert bad.value.hint is not None and "prior_conviction" in bad.value.hint
    with pytest.raises(InputError, match="no person P-f:404 in this case"):
        record_check(seeded, "P-f:404", "prior_conviction", True, analyst="ana")
    with pytest.raises(InputError, match="not an ISO 3166-1 country code") as uk:
        record_check(seeded, "P-f:1", "prior_conviction", True, analyst="ana", country="UK")
    assert uk.value.hint == "use GB (ISO 3166-1 alpha-2)"
    with pytest.raises(InputError, match="unknown country code 'XX'"):
        record_check(seeded, "P-f:1", "prior_conviction", True, analyst="ana", country="XX")
    with pytest.raises(InputError, match="the analyst's name is empty"):
        record_check(seeded, "P-f:1", "prior_conviction", True, analyst="  ")
    assert record_checks(seeded) == {}


def test_checks_before_the_link_stage_are_accepted(case: Case) -> None:
    # Without a persons table there is nothing to check the id against yet.
    record_check(case, "P-forum:7", "identity_confirmed", True, analyst="ana")
    assert record_checks(case) == {"P-forum:7": {"identity_confirmed": True}}


@pytest.mark.parametrize(("text", "value"), [("yes", True), ("Y", True), ("no", False),
                                             (" false ", False), ("TRUE", True)])  # fmt: skip
def test_yes_no(text: str, value: bool) -> None:
    assert yes_no(text) is value


def test_yes_no_refuses_anything_else() -> None:
    with pytest.raises(InputError, match="'maybe' is not yes or no"):
        yes_no("maybe")


def test_the_closed_set_is_documented() -> None:
    assert {"prior_conviction", "access_to_children_confirmed", "known_to_police"} <= set(CHECKS)
    assert all(description for description in CHECKS.values())
