"""Assessments per jurisdiction and analysts' decisions on hash matches, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rescue.case import Case
from rescue.errors import InputError
from rescue.hotline.assess import assess_url, assessments_of, decide_hit, hits_of, verdict_of
from rescue.hotline.reports import list_urls, submit_report
from rescue.ops.models import HotlineCheck, HotlineHashHit
from rescue.security.audit import list_events
from tests.hotline.conftest import START


def _url(case: Case) -> int:
    return submit_report(case, "http://a.test/x.png", now=START).url_id


def test_the_latest_assessment_per_jurisdiction_decides(case: Case) -> None:
    url_id = _url(case)
    later = START + timedelta(hours=1)
    first = assess_url(case, url_id, "national", jurisdiction="gb", analyst="ana", now=later)
    assert (first.jurisdiction, first.verdict) == ("GB", "illegal")
    (url,) = list_urls(case)
    assert (url.verdict, url.assessed_at) == ("illegal", later)
    # A second analyst finds it not illegal under German law: still illegal in GB.
    second = assess_url(case, url_id, "not_illegal", jurisdiction="DE", analyst="ben",
                        note="second look", now=later + timedelta(hours=1))  # fmt: skip
    assert second.verdict == "illegal"
    # The GB assessment is revised: nowhere illegal any more, so it is no longer checked.
    third = assess_url(case, url_id, "not_illegal", jurisdiction="GB", analyst="ana",
                       now=later + timedelta(hours=2))  # fmt: skip
    assert third.verdict == "not_illegal"
    (url,) = list_urls(case)
    assert (url.verdict, url.next_check_at, url.assessed_at) == ("not_illegal", None, later)
    history = assessments_of(case, url_id)
    assert [(a.jurisdiction, a.classification, a.analyst) for a in history] == [
        ("GB", "national", "ana"), ("DE", "not_illegal", "ben"), ("GB", "not_illegal", "ana"),
    ]  # fmt: skip
    # Illegal again: checked at once.
    again = later + timedelta(days=1)
    assess_url(case, url_id, "interpol_baseline", jurisdiction="INT", analyst="ana", now=again)
    (url,) = list_urls(case)
    assert (url.verdict, url.next_check_at) == ("illegal", again)


def test_the_default_jurisdiction_comes_from_the_settings(case: Case) -> None:
    url_id = _url(case)
    assert assess_url(case, url_id, "interpol_baseline", analyst="ana", now=START).jurisdiction == (
        "INT"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"classification": "nasty"}, "unknown classification 'nasty'"),
        ({"jurisdiction": "UK"}, "not an ISO 3166-1 country code"),
        ({"jurisdiction": "XX"}, "unknown country code 'XX'"),
        ({"analyst": "  "}, "the analyst is empty"),
        ({"url_id": 999}, "no reported URL 999"),
    ],
)
def test_bad_assessments_are_refused(case: Case, changes: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"url_id": _url(case), "classification": "national",
                               "analyst": "ana", "jurisdiction": "GB", **changes}  # fmt: skip
    with pytest.raises(InputError, match=message):
        assess_url(case, now=START, **args)  # type: ignore[arg-type]


def test_assessments_are_audited_and_append_only(case: Case) -> None:
    url_id = _url(case)
    assess_url(case, url_id, "national", jurisdiction="GB", analyst="ana", now=START)
    (event,) = list_events(case, action="hotline.assess")
    assert (event.actor, event.target) == ("ana", f"hotline url {url_id}")
    assert event.detail == {"jurisdiction": "GB", "classification": "national",
                            "verdict": "illegal"}  # fmt: skip
    with pytest.raises(DBAPIError, match="append-only"), case.store.session() as session:
        session.execute(text("UPDATE hotline_assessments SET classification = 'not_illegal'"))


def _hit(case: Case, url_id: int) -> int:
    with case.store.session() as session:
        check = HotlineCheck(url_id=url_id, checked_at=START, outcome="live", reason="HTTP 200",
                             redirects=0, known_hits=1)  # fmt: skip
        session.add(check)
        session.flush()
        hit = HotlineHashHit(url_id=url_id, check_id=check.id, hash_set="agency", known_id="K-1",
                             category="B", matched_on="pdq", known_hash="ab" * 32, distance=12,
                             found_at=START)  # fmt: skip
        session.add(hit)
        session.flush()
        return hit.id


def test_an_analyst_confirms_or_rejects_a_hash_match(case: Case) -> None:
    url_id = _url(case)
    hit_id = _hit(case, url_id)
    (pending,) = hits_of(case, url_id)
    assert (pending.decision, pending.distance) == (None, 12)
    confirmed = decide_hit(case, hit_id, "confirmed", analyst="ana", now=START)
    assert (confirmed.decision, confirmed.decided_by, confirmed.decided_at) == (
        "confirmed", "ana", START,
    )  # fmt: skip
    rejected = decide_hit(case, hit_id, "rejected", analyst="ben", now=START + timedelta(hours=1))
    assert (rejected.decision, rejected.decided_by) == ("rejected", "ben")
    events = list_events(case, action="hotline.hit")
    assert [(e.actor, e.detail["decision"], e.detail["before"]) for e in events] == [
        ("ben", "rejected", "confirmed"), ("ana", "confirmed", None),
    ]  # fmt: skip
    assert hits_of(case) == hits_of(case, url_id)
    with pytest.raises(InputError, match="unknown decision 'maybe'"):
        decide_hit(case, hit_id, "maybe", analyst="ana")
    with pytest.raises(InputError, match="no hash match 77"):
        decide_hit(case, 77, "confirmed", analyst="ana")


def test_verdict_of_classifications() -> None:
    assert verdict_of(["not_illegal", "national"]) == "illegal"
    assert verdict_of(["not_illegal"]) == "not_illegal"
    assert verdict_of(["interpol_baseline"]) == "illegal"
