"""Re-checks against real loopback web servers, on SQLite and PostgreSQL: live, removed (404,
410, content gone, a known hash no longer there), unreachable, reappearance, hosting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from rescue.case import Case
from rescue.hotline.assess import assess_url, decide_hit, hits_of
from rescue.hotline.checks import run_checks, run_due_checks
from rescue.hotline.content import KnownHashes
from rescue.hotline.fetch import HttpFetcher
from rescue.hotline.history import url_history
from rescue.hotline.hosting import import_contacts, import_partners
from rescue.hotline.netguard import MappingResolver
from rescue.hotline.reports import list_urls, report_urls
from rescue.hotline.settings import HotlineSettings
from rescue.identity.geo_ranges import RangesCsvSource
from rescue.media.hashset_stage import import_hash_set
from rescue.ops.models import HotlineCheck
from tests.hotline.conftest import (
    HOST_A,
    HOST_B,
    PROVIDER_A,
    PROVIDER_B,
    Clock,
    Site,
    known_hash_csv,
    picture,
)

pytestmark = pytest.mark.usefixtures("allow_private")
HOSTS = {"img.host-a.test": HOST_A, "files.host-b.test": HOST_B}


def fetcher() -> HttpFetcher:
    settings = HotlineSettings(allow_private=True, fetch_timeout_s=5)
    return HttpFetcher(settings, MappingResolver(HOSTS))


def check(case: Case, clock: Clock, geo: RangesCsvSource, **more: object) -> dict[int, str]:
    run = run_checks(case, now=clock.now, fetcher=fetcher(), geo=geo, **more)  # type: ignore[arg-type]
    return {c.url_id: c.outcome for c in run.checked}


def test_a_live_picture_then_a_404_then_a_410(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource
) -> None:
    a, b = sites
    a.serve("/p/1.png", picture(1))
    b.serve("/f/2.png", picture(2))
    batch = report_urls(case, [a.url("img.host-a.test", "/p/1.png"),
                               b.url("files.host-b.test", "/f/2.png")], now=clock.now)  # fmt: skip
    first, second = (i.url_id for i in batch.taken)
    assert check(case, clock, geo) == {first: "live", second: "live"}
    # The servers saw the names in Host and the fixed user agent, at the addresses resolved.
    assert a.requests[0]["host"] == f"img.host-a.test:{a.port}"
    assert a.requests[0]["agent"].startswith("Rescue-Hotline-Checker/")
    a.pages["/p/1.png"].status = 404
    b.pages["/f/2.png"].status = 410
    clock.advance(hours=4)
    assert check(case, clock, geo) == {first: "removed", second: "removed"}
    urls = {u.id: u for u in list_urls(case)}
    assert urls[first].state == urls[second].state == "removed"
    assert urls[first].removed_seen_at == clock.now
    # Still gone a day later: the removal is confirmed.
    clock.advance(hours=24)
    check(case, clock, geo)
    urls = {u.id: u for u in list_urls(case)}
    assert urls[first].state == "confirmed"
    assert urls[first].removed_confirmed_at == clock.now
    history = url_history(case, first)
    assert [e.kind for e in history.events] == [
        "reported", "removed_seen", "removed_confirmed",
    ]  # fmt: skip
    assert [c.reason for c in history.checks][-1] == "HTTP 200"
    assert history.checks[0].reason == "HTTP 404"


def test_hosting_is_attributed_from_the_address_connected_to(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource, tmp_path: Path
) -> None:
    a, b = sites
    a.serve("/x.png", picture(3))
    b.serve("/y.png", picture(4))
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "provider,abuse_email,asn_name,domain\n"
        f"{PROVIDER_A},abuse@host-a.test,{PROVIDER_A},\n"
        "B Files,abuse@files.test,,host-b.test\n",
        encoding="utf-8",
    )
    import_contacts(case, contacts, now=clock.now)
    partners = tmp_path / "partners.csv"
    partners.write_text("country,name,email\nUS,Example US Hotline,tips@us-hotline.test\n")
    import_partners(case, partners, now=clock.now)
    report_urls(case, [a.url("img.host-a.test", "/x.png"), b.url("files.host-b.test", "/y.png")],
                now=clock.now)  # fmt: skip
    check(case, clock, geo)
    first, second = list_urls(case)
    assert (first.ip, first.country, first.asn_name) == (HOST_A, "DE", PROVIDER_A)
    assert (first.provider, first.abuse_email, first.partner) == (PROVIDER_A, "abuse@host-a.test",
                                                                  None)  # fmt: skip
    assert first.network_kind == "private"  # loopback: netkind says so, whatever the ranges say
    assert (second.ip, second.country, second.asn_name) == (HOST_B, "US", PROVIDER_B)
    # The domain entry wins over the network: the file host is the provider, not its network.
    assert (second.provider, second.abuse_email) == ("B Files", "abuse@files.test")
    assert second.partner == "Example US Hotline"


def test_unreachable_is_not_removed(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource
) -> None:
    a, _ = sites
    a.serve("/z.png", picture(5))
    batch = report_urls(case, [a.url("img.host-a.test", "/z.png"),
                               "http://nowhere.test/a.png"], now=clock.now)  # fmt: skip
    live, nowhere = (i.url_id for i in batch.taken)
    a.pages["/z.png"].status = 503
    outcomes = check(case, clock, geo)
    assert outcomes == {live: "unreachable", nowhere: "unreachable"}
    assert "HTTP 503" in url_history(case, live).checks[0].reason
    assert "does not resolve" in url_history(case, nowhere).checks[0].reason
    assert all(u.state == "open" for u in list_urls(case))


def test_a_replaced_image_counts_as_removed_and_its_return_reopens(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource
) -> None:
    a, _ = sites
    a.serve("/r.png", picture(6))
    (intake,) = report_urls(case, [a.url("img.host-a.test", "/r.png")], now=clock.now).taken
    assess_url(case, intake.url_id, "interpol_baseline", analyst="ana", now=clock.now)
    assert check(case, clock, geo) == {intake.url_id: "live"}
    a.serve("/r.png", picture(7))  # the provider put a placeholder picture in its place
    clock.advance(hours=4)
    assert check(case, clock, geo) == {intake.url_id: "removed"}
    assert "another file" in url_history(case, intake.url_id).checks[0].reason
    a.serve("/r.png", picture(6))  # and then the original came back
    clock.advance(hours=4)
    run = run_checks(case, now=clock.now, fetcher=fetcher(), geo=geo)
    assert run.checked[0].events == ("reappeared",)
    (url,) = list_urls(case)
    assert (url.state, url.reappearances, url.reappeared_at) == ("open", 1, clock.now)
    assert url.removed_seen_at is None


def test_known_hashes_are_found_and_their_disappearance_is_a_removal(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource, tmp_path: Path
) -> None:
    a, _ = sites
    known = picture(8)
    import_hash_set(case, known_hash_csv(tmp_path / "known.csv", {"K-8": known}), name="agency")
    a.serve("/k.png", known)
    a.serve("/near.jpg", picture(8, "jpg"))  # the same picture re-encoded: a PDQ match
    a.serve("/other.png", picture(9))
    batch = report_urls(case, [a.url("img.host-a.test", p) for p in ("/k.png", "/near.jpg",
                                                                     "/other.png")],
                        now=clock.now)  # fmt: skip
    exact, near, other = (i.url_id for i in batch.taken)
    run = run_checks(case, now=clock.now, fetcher=fetcher(), geo=geo)
    assert {c.url_id: c.new_hits for c in run.checked} == {exact: 1, near: 1, other: 0}
    (hit,) = hits_of(case, exact)
    assert (hit.hash_set, hit.known_id, hit.matched_on, hit.distance, hit.category) == (
        "agency", "K-8", "sha256", 0, "B",
    )  # fmt: skip
    (close,) = hits_of(case, near)
    assert close.matched_on == "pdq" and 0 <= close.distance <= 31
    decide_hit(case, hit.id, "confirmed", analyst="ana", now=clock.now)
    decide_hit(case, close.id, "rejected", analyst="ana", now=clock.now)
    # The same hit is not recorded twice.
    clock.advance(hours=4)
    again = run_checks(case, now=clock.now, fetcher=fetcher(), geo=geo)
    assert sum(c.new_hits for c in again.checked) == 0
    # A placeholder in place of the known picture: the known hash is gone, so is the material.
    a.serve("/k.png", picture(10))
    a.serve("/near.jpg", picture(11, "jpg"))
    clock.advance(hours=4)
    outcomes = {c.url_id: (c.outcome, c.reason) for c in
                run_checks(case, now=clock.now, fetcher=fetcher(), geo=geo).checked}  # fmt: skip
    assert outcomes[exact] == ("removed", "known hash no longer present")
    # The near copy's match was rejected, so it is judged like any picture: another file now.
    assert outcomes[near][0] == "removed" and "another file" in outcomes[near][1]


def test_content_is_never_stored_only_its_hashes(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource
) -> None:
    a, _ = sites
    body = picture(12)
    a.serve("/s.png", body)
    report_urls(case, [a.url("img.host-a.test", "/s.png")], now=clock.now)
    check(case, clock, geo)
    with case.store.session() as session:
        (row,) = session.scalars(select(HotlineCheck)).all()
        values = [getattr(row, c.key) for c in HotlineCheck.__table__.columns]
    assert row.size == len(body) and row.sha256 is not None and row.pdq is not None
    assert not any(isinstance(v, bytes) for v in values)
    assert list((case.root).rglob("*.png")) == []


def test_due_checks_follow_the_schedule(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource
) -> None:
    a, _ = sites
    a.serve("/d.png", picture(13))
    report_urls(case, [a.url("img.host-a.test", "/d.png")], now=clock.now)
    first = run_due_checks(case, now=clock.now, fetcher=fetcher(), geo=geo)
    assert len(first.checked) == 1  # a new report is due at once
    clock.advance(hours=1)
    assert run_due_checks(case, now=clock.now, fetcher=fetcher(), geo=geo).checked == []
    clock.advance(hours=3)  # check_interval_hours = 4
    assert len(run_due_checks(case, now=clock.now, fetcher=fetcher(), geo=geo).checked) == 1


def test_not_illegal_urls_are_no_longer_checked(
    case: Case, sites: tuple[Site, Site], clock: Clock, geo: RangesCsvSource
) -> None:
    a, _ = sites
    a.serve("/n.png", picture(14))
    (intake,) = report_urls(case, [a.url("img.host-a.test", "/n.png")], now=clock.now).taken
    assess_url(case, intake.url_id, "not_illegal", analyst="ana", now=clock.now)
    assert check(case, clock, geo) == {}
    # Checking it by id still works (an analyst wants to look again).
    assert check(case, clock, geo, url_ids=[intake.url_id]) == {intake.url_id: "live"}


def test_known_hashes_of_a_case_without_hash_sets_are_empty(case: Case) -> None:
    known = KnownHashes.of_case(case)
    assert known.size == 0
