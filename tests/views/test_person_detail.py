"""A person's page: every section, the same answers as the export, and nothing out of scope."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.identity.persons_export import iter_persons
from rescue.operation.outcomes import record_outcome, retract_outcome
from rescue.operation.referrals import mark_referral, register_referral
from rescue.views.person import person_detail
from rescue.views.persons import PersonQuery, list_persons
from rescue.views.reader import Reader
from rescue.views.scope import Scope
from tests.lakehelp import rows
from tests.views.seeds import EXPLANATION, PERSONS, seed

ALL = Scope.everything()


def test_every_section_of_a_seeded_person(reader: Reader) -> None:
    detail = person_detail(reader, "P-f:1", ALL)
    assert detail is not None
    assert detail.summary.usernames == ("alice_fox", "alice2") and detail.linked_by == ("model",)
    assert [(a.account_id, a.username) for a in detail.accounts] == [
        ("f:1", "alice_fox"),
        ("f:2", "alice2"),
    ]
    assert [(i.kind, i.value, i.account_id, i.found_in) for i in detail.identifiers] == [
        ("email", "alice@example.org", "f:1", ("accounts.email",)),
        ("email", "fox@example.net", "f:2", ("accounts.email",)),
    ]
    assert detail.attribution is not None
    assert (detail.attribution.country, detail.attribution.confidence) == ("GB", 0.9)
    assert [e.kind for e in detail.attribution.evidence] == ["timezone"]
    [link] = detail.links
    assert (link.method, link.match_weight, link.accepted) == ("model", 12.5, True)
    assert [(c.comparison, c.level, c.weight) for c in link.comparisons] == [
        ("email_local", "Jaro-Winkler >= 0.9", 6.5),
        ("locale", "same time zone and language", 4.4),
    ]
    assert link.hard_identifiers == ("btc:bc1qexample",)
    assert detail.priority is not None
    assert (detail.priority.rank, detail.priority.tier, detail.priority.score) == (
        1,
        "Very High",
        80,
    )
    assert [c.indicator for c in detail.priority.explanation] == [
        e["indicator"] for e in EXPLANATION
    ]
    assert detail.network is not None
    assert (detail.network.role, detail.network.community, detail.network.degree) == (
        "producer",
        0,
        4,
    )
    assert [(m.month, m.posts, m.messages) for m in detail.timeline] == [
        ("2021-01", 2, 0),
        ("2021-03", 1, 0),
    ]
    assert (detail.summary.first_active, detail.summary.last_active) == (
        "2021-01-05T10:00:00Z",
        "2021-03-01T10:00:00Z",
    )
    assert detail.material.known == () and detail.material.new_clusters == 0


def test_an_identifier_seen_twice_says_where_and_when(reader: Reader) -> None:
    detail = person_detail(reader, "P-f:4", ALL)
    assert detail is not None
    [ip] = detail.identifiers
    assert (ip.kind, ip.value, ip.sightings) == ("ip", "192.0.2.7", 2)
    assert ip.found_in == ("messages.author_ip", "posts.poster_ip")
    assert (ip.first_seen, ip.last_seen) == ("2021-03-01T00:00:00Z", "2021-05-01T00:00:00Z")
    assert [(m.month, m.posts, m.messages) for m in detail.timeline] == [("2021-02", 1, 1)]


def test_missing_and_out_of_scope_look_the_same(reader: Reader) -> None:
    assert person_detail(reader, "P-f:404", ALL) is None
    assert person_detail(reader, "P-f:4", Scope.of(["GB"])) is None
    assert person_detail(reader, "P-f:4", Scope.of(["gb", "de"])) is not None
    # An unattributed person is every analyst's and no partner's.
    assert person_detail(reader, "P-f:7", ALL) is not None
    countries = sorted({country for _, _, country, *_ in PERSONS.values() if country})
    assert person_detail(reader, "P-f:7", Scope.of(countries)) is None


def test_referrals_and_outcomes_show_live_and_by_scope(case: Case) -> None:
    """On SQLite and PostgreSQL: the operations database is read on every page."""
    seed(case)
    reader = Reader(case)
    before = person_detail(reader, "P-f:4", ALL)
    assert before is not None and before.casework is not None
    assert before.casework.outcomes == () and before.casework.referrals == ()
    day = dt.date(2024, 5, 1)
    here = record_outcome(case, "P-f:4", "arrested", date=day, country="DE", recorded_by="analyst")
    record_outcome(case, "P-f:4", "identified", date=day, country="FR", recorded_by="a")
    retract_outcome(case, here.id, reason="wrong person", retracted_by="analyst")
    analyst = person_detail(reader, "P-f:4", ALL)
    assert analyst is not None and analyst.casework is not None
    assert [(o.kind, o.country, o.retracted) for o in analyst.casework.outcomes] == [
        ("arrested", "DE", True),
        ("identified", "FR", False),
    ]
    assert analyst.casework.outcomes[0].retraction_reason == "wrong person"
    partner = person_detail(reader, "P-f:4", Scope.of(["DE"]))
    assert partner is not None and partner.casework is not None
    assert [o.kind for o in partner.casework.outcomes] == ["arrested"]
    assert "recorded_by" not in json.dumps(partner.to_dict())
    assert person_detail(reader, "P-f:4", ALL, casework=False).casework is None  # type: ignore[union-attr]
    reader.close()


def test_a_referral_shows_with_its_status(case: Case, tmp_path: Path) -> None:
    seed(case)
    reader = Reader(case)
    package = tmp_path / "package.zip"
    package.write_bytes(b"a stand-in package")
    digest = hashlib.sha256(package.read_bytes()).hexdigest()
    for country in ("DE", "FR"):
        made = register_referral(case, country, [("P-f:4", 2)], package, digest, None, None, "a")
    mark_referral(case, made.id, "sent")
    analyst = person_detail(reader, "P-f:4", ALL)
    assert analyst is not None and analyst.casework is not None
    assert [(r.country, r.status, r.rank) for r in analyst.casework.referrals] == [
        ("DE", "draft", 2),
        ("FR", "sent", 2),
    ]
    assert analyst.casework.referrals[1].sent_at is not None
    partner = person_detail(reader, "P-f:4", Scope.of(["DE"]))
    assert partner is not None and partner.casework is not None
    assert [r.country for r in partner.casework.referrals] == ["DE"]
    reader.close()


def test_identifiers_and_links_agree_with_the_persons_export(full: Reader) -> None:
    exported = {p["person_id"]: p for p in iter_persons(full.case)}
    assert exported
    for person_id, record in exported.items():
        detail = person_detail(full, person_id, ALL, casework=False)
        assert detail is not None
        mine = {
            (i.account_id, i.kind, i.value): (i.first_seen, i.last_seen, i.sightings,
                                              set(i.found_in), i.country, i.network_kind)
            for i in detail.identifiers
        }  # fmt: skip
        theirs = {
            (i["account_id"], i["kind"], i["value"]): (i["first_seen"], i["last_seen"],
                i["sightings"], set(i["where"]), i.get("country"), i.get("network_kind"))
            for i in record["identifiers"]
        }  # fmt: skip
        assert mine == theirs, person_id
        accepted = [(k.account_a, k.account_b, k.method, k.match_weight, k.reason)
                    for k in detail.links if k.accepted]  # fmt: skip
        assert accepted == [
            (k["account_a"], k["account_b"], k["method"], k["match_weight"], k["reason"])
            for k in record["links"]
        ]
        assert [a.account_id for a in detail.accounts] == [
            f"{a['source']}:{a['user_id']}" for a in record["accounts"]
        ]
        assert (detail.summary.country, detail.summary.rank) == (record["country"], record["rank"])


def test_a_synthetic_persons_page_adds_up(full: Reader) -> None:
    top = list_persons(full, PersonQuery(per_page=5), ALL).items
    for summary in top:
        detail = person_detail(full, summary.person_id, ALL)
        assert detail is not None and detail.priority is not None and detail.network is not None
        assert detail.summary == summary
        assert len(detail.accounts) == summary.n_accounts
        total = sum(c.contribution for c in detail.priority.explanation)
        assert total == pytest.approx(summary.score, abs=0.01) or summary.score == 100
        assert sum(m.posts for m in detail.timeline) == summary.posts
        assert sum(m.messages for m in detail.timeline) == summary.messages
        assert all(i.found_in for i in detail.identifiers)
        json.dumps(detail.to_dict())


def test_material_counts_agree_with_the_lake(full: Reader) -> None:
    posted = rows(
        full.case,
        "SELECT pa.person_id, count(DISTINCT m.source || m.file) AS files, "
        "count(DISTINCT m.attachment_id) AS postings FROM matches m "
        "JOIN attachments a ON a.source = m.source AND a.attach_id = m.attachment_id "
        "JOIN person_accounts pa ON pa.account_id = a.source || ':' || a.poster_id "
        "WHERE m.role = 'attachment' GROUP BY 1",
    )
    assert posted, "the synthetic forum posts known material"
    for row in posted:
        detail = person_detail(full, row["person_id"], ALL, casework=False)
        assert detail is not None
        assert detail.material.known_files >= row["files"]  # avatars may add files
        assert detail.material.known_attachments == row["postings"]
        assert sum(k.files for k in detail.material.known) >= row["files"]
