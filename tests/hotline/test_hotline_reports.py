"""Report intake on SQLite and PostgreSQL: canonical URLs, repeat reports joining a URL, CSV
imports that name every bad line, anonymous reporters, and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rescue.case import Case
from rescue.errors import InputError
from rescue.hotline.assess import assess_url
from rescue.hotline.history import url_history
from rescue.hotline.reports import (
    ReportInput,
    import_reports,
    list_urls,
    report_urls,
    submit_report,
    take_reports,
)
from rescue.hotline.urls import canonical_url
from rescue.ops.models import HotlineReport, HotlineUrl
from rescue.security.audit import list_events, verify_chain
from tests.hotline.conftest import START


def test_a_report_creates_a_url_and_a_repeat_joins_it(case: Case) -> None:
    first = submit_report(case, "HTTP://Img.Example.test/a.png?utm_source=x", reporter="tip-line",
                          notes="seen on a forum", now=START)  # fmt: skip
    again = submit_report(
        case, "http://img.example.test/a.png#frag", now=START + timedelta(hours=2)
    )
    assert first.new and not again.new
    assert first.url_id == again.url_id and first.report_id != again.report_id
    assert first.url == "http://img.example.test/a.png"
    (url,) = list_urls(case)
    assert (url.reported_at, url.verdict, url.state, url.last_outcome) == (
        START, "pending", "open", "unchecked",
    )  # fmt: skip
    assert url.next_check_at == START  # checked at once
    history = url_history(case, url.id)
    assert [(r.submitted, r.reporter, r.notes, r.channel) for r in history.reports] == [
        ("HTTP://Img.Example.test/a.png?utm_source=x", "tip-line", "seen on a forum", "web"),
        ("http://img.example.test/a.png#frag", None, "", "web"),
    ]
    assert [e.kind for e in history.events] == ["reported", "reported"]


def test_an_earlier_report_moves_the_clock_back(case: Case) -> None:
    submit_report(case, "http://x.test/1", now=START)
    submit_report(case, "http://x.test/1", reported_at=START - timedelta(days=2),
                  channel="api", now=START)  # fmt: skip
    (url,) = list_urls(case)
    assert url.reported_at == START - timedelta(days=2)


def test_a_bad_url_is_refused_with_the_reason(case: Case) -> None:
    with pytest.raises(InputError, match="scheme 'ftp' is not http or https"):
        submit_report(case, "ftp://x.test/file", now=START)
    with pytest.raises(InputError, match="in the future"):
        submit_report(case, "http://x.test/", reported_at=START + timedelta(hours=1), now=START)
    with pytest.raises(InputError, match="unknown report channel 'fax'"):
        submit_report(case, "http://x.test/", channel="fax", now=START)
    assert list_urls(case) == []


def test_several_urls_take_the_good_and_name_the_bad(case: Case) -> None:
    batch = report_urls(case, ["http://a.test/1", "nonsense://", "a.test/1", "b.test/2"],
                        reporter="R", now=START)  # fmt: skip
    assert [(i.url, i.new) for i in batch.taken] == [
        ("http://a.test/1", True), ("http://a.test/1", False), ("http://b.test/2", True),
    ]  # fmt: skip
    assert (batch.new_urls, batch.joined) == (2, 1)
    (bad,) = batch.bad
    assert bad.where == "nonsense://" and "is not a web address" in bad.reason


def test_a_long_reporter_name_is_refused(case: Case) -> None:
    batch = take_reports(case, [ReportInput("http://a.test/", reporter="x" * 201)],
                         channel="api", now=START)  # fmt: skip
    assert batch.taken == [] and "longer than 200" in batch.bad[0].reason


def test_csv_import_names_file_and_line_of_every_bad_row(case: Case, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "url,reporter,notes,reported_at\n"
        "http://a.test/1.png,partner-x,,2024-05-05T10:00:00Z\n"  # line 2
        "not a url at all,partner-x,,\n"  # line 3: refused
        "http://a.test/1.png?utm_campaign=z,,again,\n"  # line 4: joins line 2
        "\n"  # line 5: blank, skipped silently
        'http://b.test/2.png,,"a note, with a comma",2024-05-05 11:00\n'  # line 6
        "http://c.test/3.png,,,yesterday\n"  # line 7: bad time
        "http://d.test/4.png,only two\n"  # line 8: wrong number of fields
        "http://e.test/5.png,,,2024-05-07T10:00:00+00:00\n",  # line 9: in the future
        encoding="utf-8",
    )
    batch = import_reports(case, feed, now=START)
    assert [(i.url, i.new) for i in batch.taken] == [
        ("http://a.test/1.png", True),
        ("http://a.test/1.png", False),
        ("http://b.test/2.png", True),
    ]
    assert [b.where for b in batch.bad] == [
        "feed.csv, line 3", "feed.csv, line 7", "feed.csv, line 8", "feed.csv, line 9",
    ]  # fmt: skip
    reasons = [b.reason for b in batch.bad]
    assert "is not a web address" in reasons[0]
    assert reasons[1] == "reported_at 'yesterday' is not an ISO 8601 time"
    assert reasons[2] == "2 fields where the header has 4"
    assert "in the future" in reasons[3]
    with case.store.session() as session:
        origins = sorted(session.scalars(select(HotlineReport.origin)))
    assert origins == ["feed.csv, line 2", "feed.csv, line 4", "feed.csv, line 6"]
    urls = {u.url: u for u in list_urls(case)}
    assert urls["http://b.test/2.png"].reported_at.isoformat() == "2024-05-05T11:00:00+00:00"


def test_a_csv_without_a_url_column_is_refused(case: Case, tmp_path: Path) -> None:
    feed = tmp_path / "bad.csv"
    feed.write_text("link,notes\nhttp://a.test/,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="names no url column") as refused:
        import_reports(case, feed, now=START)
    assert "url,reporter,notes,reported_at" in (refused.value.hint or "")
    with pytest.raises(InputError, match="cannot read"):
        import_reports(case, tmp_path / "missing.csv", now=START)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("url\nhttp://a.test/\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="cannot read"):
        import_reports(case, latin, now=START)


def test_intake_is_audited_by_url_id_never_by_url(case: Case) -> None:
    report_urls(case, ["http://secret-path.test/a", "http://secret-path.test/b"], now=START,
                actor="ana")  # fmt: skip
    (event,) = list_events(case, action="hotline.report")
    assert (event.actor, event.target) == ("ana", "hotline urls 1,2")
    assert event.detail == {"channel": "cli", "reports": 2, "new_urls": 2, "bad": 0}
    assert "secret-path" not in str(event)
    assert verify_chain(case).ok


def test_a_report_after_the_watch_ended_schedules_a_check(case: Case) -> None:
    intake = submit_report(case, "http://w.test/x", now=START)
    with case.store.session() as session:
        row = session.get(HotlineUrl, intake.url_id)
        assert row is not None
        row.state, row.next_check_at = "confirmed", None
    later = START + timedelta(days=60)
    submit_report(case, "http://w.test/x", now=later)
    (url,) = list_urls(case)
    assert url.next_check_at == later
    # A URL assessed not illegal stays unchecked however often it is reported.
    assess_url(case, intake.url_id, "not_illegal", analyst="ana", now=later)
    submit_report(case, "http://w.test/x", now=later + timedelta(hours=1))
    assert list_urls(case)[0].next_check_at is None


def test_list_filters(case: Case) -> None:
    ids = [i.url_id for i in report_urls(case, ["http://f.test/1", "http://f.test/2",
                                                 "http://f.test/3"], now=START).taken]  # fmt: skip
    assess_url(case, ids[0], "national", jurisdiction="GB", analyst="ana", now=START)
    assert [u.id for u in list_urls(case, verdict="illegal")] == [ids[0]]
    assert [u.id for u in list_urls(case, verdict="pending")] == ids[1:]
    assert [u.id for u in list_urls(case, state="open", limit=2)] == ids[:2]
    assert list_urls(case, state="removed") == []
    assert list_urls(case)[0].as_dict()["reported_at"] == START.isoformat()


_GOOD = st.sampled_from(["http://a.test/1", "b.test/2?utm_source=x", "HTTPS://C.test:443/3"])
_BAD = st.sampled_from(["ftp://x.test/", "javascript:alert(1)", "http://", "http://999.1.1.1/"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(_GOOD.map(lambda u: ("good", u)), _BAD.map(lambda u: ("bad", u)),
                          st.just(("blank", ""))), max_size=12))  # fmt: skip
def test_every_csv_line_is_taken_or_named(tmp_path_factory: pytest.TempPathFactory,
                                          lines: list[tuple[str, str]]) -> None:  # fmt: skip
    from rescue.case import init_case

    folder = tmp_path_factory.mktemp("csv")
    case = init_case(folder / "case")
    try:
        feed = folder / "feed.csv"
        feed.write_text("url\n" + "".join(f"{u}\n" for _, u in lines), encoding="utf-8")
        batch = import_reports(case, feed, now=START)
        assert len(batch.taken) == sum(kind == "good" for kind, _ in lines)
        bad_lines = [n for n, (kind, _) in enumerate(lines, start=2) if kind == "bad"]
        assert [b.where for b in batch.bad] == [f"feed.csv, line {n}" for n in bad_lines]
        assert len(list_urls(case)) == len({canonical_url(u) for k, u in lines if k == "good"})
    finally:
        case.close()
