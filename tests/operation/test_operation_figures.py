"""The figures by country against numbers worked out by hand from the seeded lake (conftest.py).

referrals  GB: P-f:1, P-f:3 (sent)   DE: P-f:4, P-f:5 (sent)   US: P-f:7 (draft)
outcomes   P-f:1  identified, arrested, charged, convicted; 3 children safeguarded (GB)
           P-f:3  arrested (GB, by its referral)
           P-f:4  identified (DE); arrested, then retracted
           P-f:5  arrested in AT (given)
           P-f:8  identified (no country anywhere: unknown)
           P-f:10 identified (FR, by attribution)
           P-f:7  safeguarded 2, retracted

country members identified referred arrested charged convicted safeguarded
GB        3       2          2        2        1       1         3
DE        3       1          2        0        0       0         0
AT        0       1          0        1        0       0         0
FR        1       1          0        0        0       0         0
US        1       0          0        0        0       0         0
unknown   3       1          0        0        0       0         0     (f:8, f:9, f:11)
total    11       6          4        3        1       1         3     (the bot is no member)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path

from rescue.case import Case
from rescue.operation.figures import operation_figures
from rescue.operation.outcomes import record_outcome, retract_outcome
from rescue.operation.referrals import mark_referral, register_referral

Package = Callable[..., tuple[Path, str]]
DAY = dt.date(2024, 5, 1)
EXPECTED = [
    ("GB", 3, 2, 2, 2, 1, 1, 3),
    ("DE", 3, 1, 2, 0, 0, 0, 0),
    ("AT", 0, 1, 0, 1, 0, 0, 0),
    ("FR", 1, 1, 0, 0, 0, 0, 0),
    ("US", 1, 0, 0, 0, 0, 0, 0),
    ("unknown", 3, 1, 0, 0, 0, 0, 0),
]
TOTAL = ("total", 11, 6, 4, 3, 1, 1, 3)


def _operation(case: Case, package: Package) -> None:
    gb = register_referral(case, "GB", [("P-f:1", 1), ("P-f:3", 4)], *package(), None, None, "a")
    de = register_referral(case, "DE", [("P-f:4", 2), ("P-f:5", 3)], *package(), None, None, "a")
    register_referral(case, "US", [("P-f:7", 5)], *package(), None, None, "a")
    mark_referral(case, gb.id, "sent")
    mark_referral(case, de.id, "received")

    def add(person: str, kind: str, **extra: object) -> int:
        o = record_outcome(case, person, kind, date=DAY, recorded_by="ana", **extra)  # type: ignore[arg-type]
        return o.id

    for kind in ("identified", "arrested", "charged", "convicted"):
        add("P-f:1", kind, referral_id=gb.id)
    add("P-f:1", "safeguarded", count=3, referral_id=gb.id)
    add("P-f:3", "arrested", referral_id=gb.id)
    add("P-f:4", "identified", referral_id=de.id)
    wrong = add("P-f:4", "arrested", referral_id=de.id)
    retract_outcome(case, wrong, reason="a different person was arrested", retracted_by="bob")
    add("P-f:5", "arrested", country="AT")
    add("P-f:8", "identified")
    add("P-f:10", "identified")
    retract_outcome(case, add("P-f:7", "safeguarded", count=2), reason="typo", retracted_by="bob")


def test_figures_by_country(seeded: Case, package: Package) -> None:
    _operation(seeded, package)
    figures = operation_figures(seeded)
    assert [astuple(row) for row in figures.countries] == EXPECTED
    assert astuple(figures.total) == TOTAL
    assert figures.involved == ("AT", "DE", "FR", "GB")  # US had a draft only


def test_figures_as_json(seeded: Case, package: Package) -> None:
    _operation(seeded, package)
    doc = operation_figures(seeded).as_dict()
    assert doc["countries_involved"] == 4
    assert doc["total"] == dict(
        zip(["country", "members", "identified", "referred", "arrested", "charged", "convicted",
             "safeguarded"], TOTAL, strict=True)
    )  # fmt: skip
    assert [c["country"] for c in doc["countries"]] == [row[0] for row in EXPECTED]


def test_members_alone_before_anything_happened(seeded: Case) -> None:
    figures = operation_figures(seeded)
    assert {r.country: r.members for r in figures.countries} == {
        "GB": 3, "DE": 3, "US": 1, "FR": 1, "unknown": 3
    }  # fmt: skip
    assert figures.total.members == 11 and figures.total.arrested == 0
    assert figures.involved == ()


def test_an_empty_case_has_zero_figures(case: Case) -> None:
    figures = operation_figures(case)
    assert figures.countries == () and figures.involved == ()
    assert astuple(figures.total) == ("total", 0, 0, 0, 0, 0, 0, 0)


def test_outcomes_before_the_lake_exists_count_as_unknown(case: Case) -> None:
    record_outcome(case, "P-forum:1", "arrested", date=DAY, recorded_by="ana")
    record_outcome(case, "P-forum:2", "safeguarded", count=4, date=DAY, recorded_by="ana")
    [row] = operation_figures(case).countries
    assert astuple(row) == ("unknown", 0, 1, 0, 1, 0, 0, 4)
