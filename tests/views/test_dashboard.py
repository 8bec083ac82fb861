"""The dashboard against numbers worked out by hand from a small seeded lake, on SQLite and
PostgreSQL, and against independent counts on a synthetic operation.

    person  accounts  country  tier       registered (UTC)   posts (UTC)            messages
    P-f:1   f:1, f:2  GB       Very High  f:1 2023-12-05     f:1 01-15, f:2 01-31*  f:1 03-10
    P-f:3   f:3       GB       High       2024-01-03         f:3 03-01 00:30*
    P-f:4   f:4       DE       Medium     2024-01-04         f:4 03-02
    P-f:5   f:5, f:6  DE       Low        2024-01-05/06                             f:5 01-20
    P-f:7   f:7       (none)   Low        2024-01-07         f:7 03-05
    P-f:8   f:8       - no row Low        2024-01-08
    -       f:9       unlinked            2024-01-09
    -       f:99      a bot               2024-01-01 (no member: not a new account)
    a guest's post (no account) 2024-01-10
    * 23:30 on Jan 31 and 00:30 on Mar 1: a month in UTC, another in most other zones.

media: 6 files hashed (1 unhashable); a, b exact (b also perceptual), c perceptual only;
new clusters of 2 and 1 files.
operation: GB referral (P-f:1, P-f:3) sent, DE referral (P-f:4) draft; P-f:1 arrested and
2 children safeguarded (GB); P-f:4 identified (DE).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rescue.case import Case, init_case
from rescue.operation.outcomes import record_outcome
from rescue.operation.referrals import mark_referral, register_referral
from rescue.pipeline import run_pipeline
from rescue.views import charts
from rescue.views.dashboard import (
    Count,
    Dashboard,
    Headline,
    LakeCache,
    Material,
    MonthActivity,
    dashboard,
)
from rescue.views.scope import Scope
from tests.lakehelp import Seed, rows

if TYPE_CHECKING:
    from rescue.synth import SynthResult

UTC = dt.UTC
DAY = dt.date(2024, 5, 1)
EVERYTHING = Scope.everything()
GB = Scope.of(["gb"])
DE = Scope.of(["DE"])


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


PERSONS: dict[str, tuple[list[str], str | None, str]] = {
    "P-f:1": (["f:1", "f:2"], "GB", "Very High"),
    "P-f:3": (["f:3"], "GB", "High"),
    "P-f:4": (["f:4"], "DE", "Medium"),
    "P-f:5": (["f:5", "f:6"], "DE", "Low"),
    "P-f:7": (["f:7"], None, "Low"),
    "P-f:8": (["f:8"], None, "Low"),
}


def _tables() -> dict[str, list[dict[str, Any]]]:
    registered = {"f:1": at("2023-12-05 09:00")} | {
        f"f:{n}": at(f"2024-01-0{n} 12:00") for n in range(2, 10)
    }
    accounts = [
        {"account_id": a, "user_id": int(a[2:]), "is_person": True, "registered_at": when}
        for a, when in registered.items()
    ]
    accounts.append(
        {"account_id": "f:99", "user_id": 99, "is_person": False, "registered_at": at("2024-01-01")}
    )
    posts = [
        ("f:1", "2024-01-15 10:00"),
        ("f:2", "2024-01-31 23:30"),
        ("f:3", "2024-03-01 00:30"),
        ("f:4", "2024-03-02 08:00"),
        ("f:7", "2024-03-05 08:00"),
        (None, "2024-01-10 08:00"),
    ]
    messages = [("f:5", "2024-01-20 08:00"), ("f:1", "2024-03-10 08:00")]
    files = [{"role": "attachment", "file": f} for f in "abcdef"]
    files[5]["error"] = "corrupt"
    return {
        "accounts": accounts,
        "posts": [
            {"post_id": i, "account_id": a, "posted_at": at(t)} for i, (a, t) in enumerate(posts)
        ],
        "messages": [
            {"msg_id": i, "account_id": a, "sent_at": at(t)} for i, (a, t) in enumerate(messages)
        ],
        "persons": [
            {"person_id": p, "accounts": a, "n_accounts": len(a)}
            for p, (a, _, _) in PERSONS.items()
        ],
        "person_accounts": [
            {"person_id": p, "account_id": a} for p, (acc, _, _) in PERSONS.items() for a in acc
        ],
        "attributions": [
            {"person_id": p, "country": c, "confidence": 0.9 if c else 0.0}
            for p, (_, c, _) in PERSONS.items()
            if p != "P-f:8"
        ],
        "priorities": [
            {"person_id": p, "rank": i, "tier": tier}
            for i, (p, (_, _, tier)) in enumerate(PERSONS.items(), start=1)
        ],
        "media_hashes": files,
        "matches": [
            {"role": "attachment", "file": f, "match_type": kind}
            for f, kind in [
                ("a", "exact"),
                ("b", "exact"),
                ("b", "perceptual"),
                ("c", "perceptual"),
            ]
        ],
        "media_clusters": [{"cluster_id": "k1", "files": 2}, {"cluster_id": "k2", "files": 1}],
    }


def _package(case: Case, name: str) -> tuple[Path, str]:
    path = case.root.parent / f"{name}.zip"
    path.write_bytes(f"package {name}".encode())
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _operation(case: Case) -> str:
    """The referrals and outcomes of the module docstring; returns the DE draft's id."""
    gb = register_referral(case, "GB", [("P-f:1", 1), ("P-f:3", 2)], *_package(case, "gb"),
                           None, None, "ana")  # fmt: skip
    de = register_referral(case, "DE", [("P-f:4", 3)], *_package(case, "de"), None, None, "ana")
    mark_referral(case, gb.id, "sent")
    record_outcome(case, "P-f:1", "arrested", date=DAY, referral_id=gb.id, recorded_by="ana")
    record_outcome(case, "P-f:1", "safeguarded", count=2, date=DAY, recorded_by="ana")
    record_outcome(case, "P-f:4", "identified", date=DAY, recorded_by="ana")
    return de.id


@pytest.fixture
def seeded(case: Case) -> Iterator[Case]:
    """The ``case`` fixture (SQLite and PostgreSQL) with the lake and operation above."""
    [summary] = run_pipeline(case, stages=[Seed(_tables())])
    assert summary.status == "ok"
    yield case


def figure_rows(board: Dashboard) -> list[tuple[Any, ...]]:
    return [astuple(f) for f in board.figures]


#          country  members identified referred arrested charged convicted safeguarded
ALL_ROWS = [
    ("GB", 3, 1, 2, 1, 0, 0, 2),
    ("DE", 3, 1, 0, 0, 0, 0, 0),
    ("unknown", 3, 0, 0, 0, 0, 0, 0),  # f:7 (no country), f:8 (no row), f:9 (unlinked)
]
ALL_MONTHS = [
    MonthActivity("2023-12", 0, 0, 1),
    MonthActivity("2024-01", 3, 1, 8),  # the guest's post counts for the whole case
    MonthActivity("2024-02", 0, 0, 0),  # a quiet month is a zero, not a gap
    MonthActivity("2024-03", 3, 1, 0),
]


def test_the_whole_operation(seeded: Case) -> None:
    _operation(seeded)
    board = dashboard(seeded, EVERYTHING, cache=LakeCache())
    assert board.headline == Headline(
        persons=6,
        multi_account_persons=2,
        countries_involved=2,
        referrals_sent=1,
        arrests=1,
        safeguarded=2,
    )
    assert figure_rows(board) == ALL_ROWS
    assert astuple(board.total) == ("total", 9, 2, 2, 1, 0, 0, 2)
    assert board.lake.persons_by_country == (Count("DE", 2), Count("GB", 2), Count("unknown", 2))
    assert board.lake.persons_by_tier == (
        Count("Very High", 1),
        Count("High", 1),
        Count("Medium", 1),
        Count("Low", 3),
    )
    assert list(board.lake.activity) == ALL_MONTHS
    assert board.lake.material == Material(
        files_hashed=6, known_exact=2, known_perceptual=1, new_files=3, new_clusters=2
    )
    json.dumps(board.as_dict())  # the API serves it as it is


def test_a_partner_sees_only_its_countries(seeded: Case) -> None:
    _operation(seeded)
    board = dashboard(seeded, GB, cache=LakeCache())
    assert board.headline == Headline(
        persons=2,
        multi_account_persons=1,
        countries_involved=1,
        referrals_sent=1,
        arrests=1,
        safeguarded=2,
    )
    assert figure_rows(board) == [ALL_ROWS[0]]
    assert astuple(board.total) == ("total", *ALL_ROWS[0][1:])
    assert board.lake.persons_by_country == (Count("GB", 2),)
    assert [t.n for t in board.lake.persons_by_tier] == [1, 1, 0, 0]
    assert list(board.lake.activity) == [  # accounts f:1, f:2, f:3 only
        MonthActivity("2023-12", 0, 0, 1),
        MonthActivity("2024-01", 2, 0, 2),
        MonthActivity("2024-02", 0, 0, 0),
        MonthActivity("2024-03", 1, 1, 0),
    ]
    assert board.lake.material is None  # forum-wide evidence: no partner's figure
    text = json.dumps(board.as_dict())
    assert "DE" not in text and "unknown" not in text
    assert board.as_dict()["scope"] == ["GB"]


def test_another_partner_and_a_partner_of_two_countries(seeded: Case) -> None:
    draft = _operation(seeded)
    cache = LakeCache()
    board = dashboard(seeded, DE, cache=cache)
    assert figure_rows(board) == [ALL_ROWS[1]]
    assert (board.headline.referrals_sent, board.headline.countries_involved) == (0, 1)
    assert board.headline.persons == 2 and board.headline.multi_account_persons == 1
    assert [m.messages for m in board.lake.activity] == [1, 0, 0]  # 2024-01 .. 2024-03
    mark_referral(seeded, draft, "sent")
    assert dashboard(seeded, DE, cache=cache).headline.referrals_sent == 1

    both = dashboard(seeded, Scope.of(["GB", "DE"]), cache=cache)
    assert figure_rows(both) == [ALL_ROWS[0], ("DE", 3, 1, 1, 0, 0, 0, 0)]  # now referred
    assert both.headline.persons == 4 and both.headline.referrals_sent == 2
    assert astuple(both.total)[1:] == (6, 2, 3, 1, 0, 0, 2)


def test_a_partner_with_no_data_sees_nothing(seeded: Case) -> None:
    _operation(seeded)
    board = dashboard(seeded, Scope.of(["JP"]), cache=LakeCache())
    assert board.figures == ()
    assert astuple(board.headline) == (0, 0, 0, 0, 0, 0)
    assert board.lake.persons_by_country == () and board.lake.activity == ()
    assert [t.n for t in board.lake.persons_by_tier] == [0, 0, 0, 0]


def test_an_outcome_shows_on_the_next_load_though_the_lake_is_cached(seeded: Case) -> None:
    _operation(seeded)
    cache = LakeCache()
    for scope in (EVERYTHING, GB):
        before = dashboard(seeded, scope, cache=cache)
        assert before.headline.arrests == 1
    record_outcome(seeded, "P-f:3", "arrested", date=DAY, recorded_by="ana")
    record_outcome(seeded, "P-f:3", "safeguarded", count=4, date=DAY, recorded_by="ana")
    for scope in (EVERYTHING, GB):
        after = dashboard(seeded, scope, cache=cache)
        assert (after.headline.arrests, after.headline.safeguarded) == (2, 6)
        assert after.figures[0].country == "GB" and after.figures[0].arrested == 2
        assert after.lake is dashboard(seeded, scope, cache=cache).lake
    assert cache.misses == 2  # once per scope: the lake was not read again


def test_a_cached_load_reads_only_the_operations_database(
    seeded: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    _operation(seeded)
    cache = LakeCache()
    first = dashboard(seeded, EVERYTHING, cache=cache)

    def no_lake(_case: Case) -> None:
        raise AssertionError("the lake was read again for the figures")

    monkeypatch.setattr("rescue.operation.figures.members_by_country", no_lake)
    monkeypatch.setattr("rescue.operation.figures.person_countries", no_lake)
    record_outcome(seeded, "P-f:3", "arrested", date=DAY, recorded_by="ana")
    again = dashboard(seeded, EVERYTHING, cache=cache)
    assert again.total.arrested == first.total.arrested + 1
    assert again.total.members == first.total.members


def test_a_stage_commit_refreshes_the_lake_sections(seeded: Case) -> None:
    cache = LakeCache()
    assert dashboard(seeded, EVERYTHING, cache=cache).headline.persons == 6
    assert dashboard(seeded, EVERYTHING, cache=cache).headline.persons == 6
    assert cache.misses == 1
    more = {
        "persons": [{"person_id": "P-g:1", "accounts": ["g:1"], "n_accounts": 1}],
        "attributions": [{"person_id": "P-g:1", "country": "GB", "confidence": 1.0}],
    }
    run_pipeline(seeded, stages=[Seed(more, target="second-forum")])
    board = dashboard(seeded, EVERYTHING, cache=cache)
    assert cache.misses == 2
    assert board.headline.persons == 7
    assert Count("GB", 3) in board.lake.persons_by_country


def test_the_cache_keeps_a_bounded_number_of_entries(seeded: Case) -> None:
    cache = LakeCache(size=1)
    dashboard(seeded, GB, cache=cache)
    dashboard(seeded, DE, cache=cache)
    dashboard(seeded, GB, cache=cache)  # evicted by DE: read again
    assert cache.misses == 3
    cache.clear()
    dashboard(seeded, GB, cache=cache)
    assert cache.misses == 4


def test_an_empty_case_renders(sqlite_case: Case) -> None:
    for scope in (EVERYTHING, GB):
        board = dashboard(sqlite_case, scope, cache=LakeCache())
        assert astuple(board.headline) == (0, 0, 0, 0, 0, 0)
        assert board.figures == ()
        assert astuple(board.total)[1:] == (0,) * 7
        lake = board.lake
        assert (lake.persons_by_country, lake.persons_by_tier, lake.activity) == ((), (), ())
        assert lake.material is None
        for svg in (
            charts.activity_chart(lake.activity),
            charts.persons_by_country_chart(lake.persons_by_country),
            charts.tiers_chart(lake.persons_by_tier),
            charts.material_chart(lake.material),
        ):
            assert "no data yet" in svg


def test_a_case_ingested_but_not_run(sqlite_case: Case) -> None:
    """Before linkage and triage: activity and members are known, persons and tiers not yet."""
    tables = {k: v for k, v in _tables().items() if k in ("accounts", "posts", "messages")}
    run_pipeline(sqlite_case, stages=[Seed(tables)])
    board = dashboard(sqlite_case, EVERYTHING, cache=LakeCache())
    assert list(board.lake.activity) == ALL_MONTHS
    assert board.headline.persons == 0
    assert board.lake.persons_by_country == () and board.lake.persons_by_tier == ()
    assert board.lake.material is None
    assert figure_rows(board) == [("unknown", 9, 0, 0, 0, 0, 0, 0)]
    partner = dashboard(sqlite_case, GB, cache=LakeCache())
    assert partner.lake.activity == () and partner.figures == ()


# -- a synthetic operation, against counts taken straight from the lake ------------------------


@pytest.fixture(scope="module")
def operation(small_forum: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    from rescue.ingest.register import ingest_phpbb
    from rescue.media.hashset_stage import import_hash_set

    case = init_case(tmp_path_factory.mktemp("dashboard") / "case")
    forum = small_forum
    ingest_phpbb(case, forum.dump_path, files=forum.files_dir, avatars=forum.avatars_dir,
                 source="forum")  # fmt: skip
    import_hash_set(case, forum.known_hashes_path, name="known")
    run_pipeline(case)
    yield case
    case.close()


def _months(case: Case, sql: str) -> Counter[str]:
    return Counter(r["at"].astimezone(UTC).strftime("%Y-%m") for r in rows(case, sql))


def _activity_counts(case: Case, accounts: set[str] | None) -> dict[str, Counter[str]]:
    def only(table: str, column: str, extra: str = "TRUE") -> str:
        return (
            f"SELECT account_id, {column} AS at FROM {table} WHERE {column} IS NOT NULL AND {extra}"
        )

    def scoped(sql: str) -> Counter[str]:
        found = rows(case, sql)
        kept = [r for r in found if accounts is None or r["account_id"] in accounts]
        return Counter(r["at"].astimezone(UTC).strftime("%Y-%m") for r in kept)

    return {
        "posts": scoped(only("posts", "posted_at")),
        "messages": scoped(only("messages", "sent_at")),
        "new_accounts": scoped(only("accounts", "registered_at", "is_person IS NOT false")),
    }


def _assert_activity(board: Dashboard, expected: dict[str, Counter[str]]) -> None:
    for field, counts in expected.items():
        shown = {m.month: getattr(m, field) for m in board.lake.activity}
        assert {m: n for m, n in shown.items() if n} == dict(counts), field
    months = [m.month for m in board.lake.activity]
    assert months == sorted(set(months))


def test_synthetic_operation_matches_the_lake(operation: Case) -> None:
    case = operation
    board = dashboard(case, EVERYTHING, cache=LakeCache())
    persons = rows(case, "SELECT person_id, n_accounts FROM persons")
    placed = {r["person_id"]: r["country"] for r in rows(case, "SELECT * FROM attributions")}
    assert board.headline.persons == len(persons) > 50
    assert board.headline.multi_account_persons == sum(1 for p in persons if p["n_accounts"] > 1)
    by_country = Counter(placed.get(p["person_id"]) or "unknown" for p in persons)
    assert {c.label: c.n for c in board.lake.persons_by_country} == dict(by_country)
    tiers = Counter(r["tier"] for r in rows(case, "SELECT tier FROM priorities"))
    assert {t.label: t.n for t in board.lake.persons_by_tier if t.n} == dict(tiers)
    _assert_activity(board, _activity_counts(case, None))

    material = board.lake.material
    assert material is not None
    assert material.files_hashed == len(rows(case, "SELECT file FROM media_hashes"))
    matched = rows(case, "SELECT DISTINCT source, file FROM matches")
    assert material.known_exact + material.known_perceptual == len(matched) > 0
    clusters = rows(case, "SELECT members FROM media_clusters")
    assert material.new_clusters == len(clusters)
    assert material.new_files == sum(len(c["members"]) for c in clusters)


def test_synthetic_operation_for_a_partner(operation: Case) -> None:
    case = operation
    attributions = rows(case, "SELECT person_id, country FROM attributions")
    [(country, n)] = Counter(r["country"] for r in attributions if r["country"]).most_common(1)
    theirs = {r["person_id"] for r in attributions if r["country"] == country}
    accounts = {
        r["account_id"]
        for r in rows(case, "SELECT * FROM person_accounts")
        if r["person_id"] in theirs
    }
    cache = LakeCache()
    board = dashboard(case, Scope.of([country]), cache=cache)
    assert board.headline.persons == n
    assert board.lake.persons_by_country == (Count(country, n),)
    assert sum(t.n for t in board.lake.persons_by_tier) == n
    _assert_activity(board, _activity_counts(case, accounts))
    assert [f.country for f in board.figures] == [country]

    person = sorted(theirs)[0]
    record_outcome(case, person, "arrested", date=DAY, recorded_by="ana")
    again = dashboard(case, Scope.of([country]), cache=cache)
    assert again.figures[0].arrested == again.headline.arrests == 1
    assert dashboard(case, EVERYTHING, cache=cache).headline.arrests == 1
    other = next(c for c in {r["country"] for r in attributions} - {country, None})
    assert dashboard(case, Scope.of([other]), cache=cache).headline.arrests == 0
