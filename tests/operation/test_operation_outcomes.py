"""Outcomes: what is refused, where an outcome counts, and retractions that keep the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation.outcomes import (
    list_outcomes,
    outcomes_for,
    record_outcome,
    retract_outcome,
)
from rescue.operation.referrals import register_referral

Package = Callable[..., tuple[Path, str]]
DAY = dt.date(2024, 5, 1)


def test_an_outcome_is_recorded_as_given(seeded: Case) -> None:
    o = record_outcome(
        seeded, "P-f:1", "safeguarded", count=3, date=DAY, country="ie", note=" two schools ",
        recorded_by="ana",
    )  # fmt: skip
    assert (o.person_id, o.kind, o.count, o.date, o.country) == ("P-f:1", "safeguarded", 3, DAY,
                                                                 "IE")  # fmt: skip
    assert (o.note, o.recorded_by, o.referral_id, o.retracted) == ("two schools", "ana", None,
                                                                   False)  # fmt: skip
    assert outcomes_for(seeded, "P-f:1") == [o]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"person_id": "P-f:404"}, "no person P-f:404 in this case"),
        ({"kind": "detained"}, "unknown outcome 'detained'"),
        ({"kind": "safeguarded", "count": 0}, "count 0 is less than 1"),
        ({"count": -2}, "count -2 is less than 1"),
        ({"count": 2}, "count 2 given for 'arrested'"),
        ({"date": dt.date.today() + dt.timedelta(days=3)}, "is in the future"),
        ({"country": "UK"}, "not an ISO 3166-1 country code"),
        ({"recorded_by": ""}, "who records the outcome is empty"),
        ({"referral_id": "REF-GB-20240101-9"}, "no referral REF-GB-20240101-9"),
    ],
)
def test_what_an_outcome_refuses(seeded: Case, changes: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"person_id": "P-f:1", "kind": "arrested", "date": DAY,
                               "recorded_by": "ana"}  # fmt: skip
    with pytest.raises(InputError, match=message) as refused:
        record_outcome(seeded, **{**args, **changes})  # type: ignore[arg-type]
    assert refused.value.hint
    assert list_outcomes(seeded) == []


def test_today_is_not_the_future(seeded: Case) -> None:
    today = dt.datetime.now(dt.UTC).date()
    assert record_outcome(seeded, "P-f:1", "arrested", date=today, recorded_by="ana").date == today


def test_where_an_outcome_counts(seeded: Case, package: Package) -> None:
    referral = register_referral(seeded, "IE", [("P-f:1", 1)], *package(), None, None, "ana")
    # The referral's country, then the person's attributed one, then none; a given one wins.
    via_referral = record_outcome(
        seeded, "P-f:1", "identified", date=DAY, referral_id=referral.id, recorded_by="ana"
    )
    assert (via_referral.country, via_referral.referral_id) == ("IE", referral.id)
    assert record_outcome(seeded, "P-f:4", "arrested", date=DAY, recorded_by="a").country == "DE"
    assert record_outcome(seeded, "P-f:8", "arrested", date=DAY, recorded_by="a").country is None
    assert record_outcome(seeded, "P-f:9", "arrested", date=DAY, recorded_by="a").country is None
    given = record_outcome(
        seeded, "P-f:1", "arrested", date=DAY, country="NL", referral_id=referral.id,
        recorded_by="ana",
    )  # fmt: skip
    assert given.country == "NL"


def test_the_person_must_be_in_the_referral(seeded: Case, package: Package) -> None:
    referral = register_referral(seeded, "GB", [("P-f:1", 1)], *package(), None, None, "ana")
    with pytest.raises(InputError, match=f"P-f:3 is not in referral {referral.id}"):
        record_outcome(
            seeded, "P-f:3", "arrested", date=DAY, referral_id=referral.id, recorded_by="ana"
        )


def test_a_retraction_keeps_the_outcome_in_the_history(seeded: Case) -> None:
    wrong = record_outcome(seeded, "P-f:1", "convicted", date=DAY, recorded_by="ana")
    kept = record_outcome(seeded, "P-f:1", "charged", date=DAY, recorded_by="ana")
    withdrawn = retract_outcome(seeded, wrong.id, reason="conviction quashed", retracted_by="bob")
    assert withdrawn.retracted and withdrawn.retraction is not None
    assert (withdrawn.retraction.reason, withdrawn.retraction.retracted_by) == (
        "conviction quashed",
        "bob",
    )
    history = outcomes_for(seeded, "P-f:1")
    assert [(o.id, o.kind, o.retracted) for o in history] == [
        (wrong.id, "convicted", True),
        (kept.id, "charged", False),
    ]
    assert [o.id for o in list_outcomes(seeded, include_retracted=False)] == [kept.id]

    with pytest.raises(InputError, match=f"outcome {wrong.id} is retracted already"):
        retract_outcome(seeded, wrong.id, reason="again", retracted_by="bob")
    with pytest.raises(InputError, match="no outcome 999 in this case"):
        retract_outcome(seeded, 999, reason="typo", retracted_by="bob")
    with pytest.raises(InputError, match="reason for the retraction is empty"):
        retract_outcome(seeded, kept.id, reason=" ", retracted_by="bob")
    assert not outcomes_for(seeded, "P-f:1")[1].retracted
