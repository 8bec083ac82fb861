"""Judging a fetch and moving a URL's state: pure functions, no database, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rescue.hotline.content import ContentDigest
from rescue.hotline.fetch import FetchResult
from rescue.hotline.lifecycle import apply, judge, next_check
from rescue.hotline.notice_plan import due_kind
from rescue.hotline.settings import HotlineSettings
from rescue.ops.models import HotlineUrl

NOW = datetime(2024, 5, 6, 12, tzinfo=UTC)
SETTINGS = HotlineSettings()


def url(**fields: object) -> HotlineUrl:
    base: dict[str, object] = dict(
        url="http://x.test/a", url_sha256="0" * 64, host="x.test", verdict="illegal",
        state="open", last_outcome="live", reported_at=NOW - timedelta(days=1), reappearances=0,
        baseline_image=False, baseline_sha256=None,
    )  # fmt: skip
    return HotlineUrl(**{**base, **fields})


def answer(status: int, sha: str = "a" * 64, size: int = 10, image: bool = True) -> FetchResult:
    content = ContentDigest(size, "m", "s", sha, image, None) if 200 <= status < 300 else None
    return FetchResult("answered", f"HTTP {status}", "http://x.test/a", "x.test", "192.0.2.1",
                       http_status=status, content=content)  # fmt: skip


@pytest.mark.parametrize(
    ("result", "outcome", "reason"),
    [
        (answer(200), "live", "HTTP 200"),
        (answer(404), "removed", "HTTP 404"),
        (answer(410), "removed", "HTTP 410"),
        (answer(451), "removed", "HTTP 451"),
        (answer(403), "unreachable", "HTTP 403: says nothing about the content"),
        (answer(500), "unreachable", "HTTP 500: says nothing about the content"),
        (answer(200, size=0), "removed", "content gone: the answer is empty"),
        (FetchResult("unreachable", "timed out", "u", "x.test", None), "unreachable", "timed out"),
        (FetchResult("refused", "no public address", "u", "h", None), "refused",
         "no public address"),
        (FetchResult("answered", "HTTP 200, too large", "u", "h", "192.0.2.1", http_status=200,
                     too_large=True), "live", "HTTP 200, too large"),
    ],
)  # fmt: skip
def test_judging_a_fetch(result: FetchResult, outcome: str, reason: str) -> None:
    judged = judge(result, url(), known_hits=0, expects_known=False)
    assert (judged.outcome, judged.reason) == (outcome, reason)


def test_known_material_must_still_be_there() -> None:
    assert judge(answer(200), url(), 1, expects_known=True).outcome == "live"
    gone = judge(answer(200), url(), 0, expects_known=True)
    assert (gone.outcome, gone.reason) == ("removed", "known hash no longer present")


def test_another_file_in_place_of_the_first_image_is_a_removal() -> None:
    first = url(baseline_sha256="a" * 64, baseline_image=True)
    assert judge(answer(200, sha="a" * 64), first, 0, False).outcome == "live"
    assert judge(answer(200, sha="b" * 64), first, 0, False).outcome == "removed"
    # A page (not an image) changes all the time: a new version is not a removal.
    page = url(baseline_sha256="a" * 64, baseline_image=False)
    assert judge(answer(200, sha="b" * 64, image=False), page, 0, False).outcome == "live"


def test_removed_then_confirmed_then_reappeared() -> None:
    u = url()
    assert apply(u, judge(answer(404), u, 0, False), NOW, SETTINGS) == [
        ("removed_seen", {"reason": "HTTP 404"}),
    ]
    assert (u.state, u.removed_seen_at, u.next_check_at) == ("removed", NOW,
                                                             NOW + timedelta(hours=4))  # fmt: skip
    # Gone again 4 hours later: not yet confirmed (confirm_hours = 24).
    assert apply(u, judge(answer(404), u, 0, False), NOW + timedelta(hours=4), SETTINGS) == []
    later = NOW + timedelta(hours=24)
    (event,) = apply(u, judge(answer(410), u, 0, False), later, SETTINGS)
    assert event[0] == "removed_confirmed" and u.state == "confirmed"
    assert u.next_check_at == later + timedelta(days=1)  # watched daily
    back = later + timedelta(days=3)
    (event,) = apply(u, judge(answer(200), u, 0, False), back, SETTINGS)
    assert event == ("reappeared", {"removed_seen_at": NOW.isoformat(), "was": "confirmed"})
    assert (u.state, u.reappearances, u.reappeared_at, u.removed_seen_at) == ("open", 1, back,
                                                                               None)  # fmt: skip


def test_unreachable_changes_no_state() -> None:
    u = url(state="removed", removed_seen_at=NOW)
    unreachable = FetchResult("unreachable", "timed out", "u", "x.test", None)
    assert apply(u, judge(unreachable, u, 0, False), NOW + timedelta(days=2), SETTINGS) == []
    assert (u.state, u.last_outcome) == ("removed", "unreachable")


def test_the_watch_ends_after_watch_days() -> None:
    confirmed = url(state="confirmed", removed_confirmed_at=NOW)
    assert next_check(confirmed, NOW + timedelta(days=29), SETTINGS) == NOW + timedelta(days=30)
    assert next_check(confirmed, NOW + timedelta(days=30), SETTINGS) is None
    assert next_check(url(verdict="not_illegal"), NOW, SETTINGS) is None


def test_what_a_url_is_due_for() -> None:
    assert due_kind(url(), NOW, SETTINGS) == "notice"
    assert due_kind(url(verdict="pending"), NOW, SETTINGS) is None
    assert due_kind(url(last_outcome="unreachable"), NOW, SETTINGS) is None
    assert due_kind(url(state="removed"), NOW, SETTINGS) is None
    notified = url(
        notified_at=NOW - timedelta(hours=23), last_notified_at=NOW - timedelta(hours=23)
    )
    assert due_kind(notified, NOW, SETTINGS) is None
    notified.last_notified_at = NOW - timedelta(hours=24)
    assert due_kind(notified, NOW, SETTINGS) == "renotice"
    notified.notified_at = NOW - timedelta(days=7)
    assert due_kind(notified, NOW, SETTINGS) == "escalation"
    notified.escalated_at = NOW - timedelta(hours=1)
    notified.last_notified_at = NOW - timedelta(hours=1)
    assert due_kind(notified, NOW, SETTINGS) is None


# --- properties over any sequence of checks -------------------------------------------------

_OUTCOMES = st.sampled_from([200, 404, 410, 503, -1])  # -1: no answer at all


def _result(code: int) -> FetchResult:
    if code < 0:
        return FetchResult("unreachable", "timed out", "u", "x.test", None)
    return answer(code)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_OUTCOMES, st.integers(min_value=1, max_value=30)), max_size=40))
def test_any_sequence_of_checks_keeps_the_state_consistent(
    checks: list[tuple[int, int]],
) -> None:
    u = url()
    now = NOW
    reappeared = removals = 0
    for code, hours in checks:
        now += timedelta(hours=hours)
        before = u.state
        events = [kind for kind, _ in apply(u, judge(_result(code), u, 0, False), now, SETTINGS)]
        # The state and its timestamps agree.
        assert (u.removed_seen_at is not None) == (u.state in ("removed", "confirmed"))
        assert (u.removed_confirmed_at is not None) == (u.state == "confirmed")
        if u.state == "confirmed":
            assert u.removed_confirmed_at is not None and u.removed_seen_at is not None
            assert u.removed_confirmed_at - u.removed_seen_at >= timedelta(hours=24)
        # Only these moves happen, each with its event.
        move = (before, u.state)
        assert move in {("open", "open"), ("open", "removed"), ("removed", "removed"),
                        ("removed", "confirmed"), ("confirmed", "confirmed"),
                        ("removed", "open"), ("confirmed", "open")}  # fmt: skip
        if move == ("open", "removed"):
            assert events == ["removed_seen"]
            removals += 1
        if u.state == "open" and before != "open":
            assert events == ["reappeared"]
            reappeared += 1
        # An unreachable server never moves anything.
        if code in (503, -1):
            assert before == u.state and events == []
        assert u.last_checked_at == now
        assert u.next_check_at is not None or u.state == "confirmed"  # the watch may end
    assert u.reappearances == reappeared <= removals
