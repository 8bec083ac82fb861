"""The web benchmark's harness on a tiny case: every kind of request answers, the peer's SQL runs.

`python -m bench web` prints timings; nothing here asserts one. What is checked is that the
benchmark still measures what it says: each request kind of the load gets a 200 for an
analyst and for a partner (a partner asking outside its countries would count errors, not
latency), and MariaDB accepts every query of the peer, scoped as the partner is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from bench import web_load, web_peer
from bench.web import PAGE_SIZE, summarise
from bench.web_case import Login, Workload, build_case, make_users, workload
from bench.web_load import Sample, Server

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Tiny:
    case_dir: Path
    logins: list[Login]
    works: list[Workload]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    data = tmp_path_factory.mktemp("bench-web")
    built = build_case(80, Console(quiet=True), data)
    logins = make_users(built.case_dir, analysts=1, partners=1)
    works = [workload(built.case_dir, login.countries or None, PAGE_SIZE) for login in logins]
    return Tiny(built.case_dir, logins, works)


def test_summary_counts_errors_and_percentiles_per_kind_and_role() -> None:
    samples = [Sample("list: page", "analyst", 200, i / 1000) for i in range(1, 101)]
    samples.append(Sample("person page", "partner", 404, 0.5))
    figures = summarise(samples, seconds=2.0)
    page = figures["list: page"]
    assert (page["count"], page["errors"]) == (100, 0)
    assert page["p50"] == pytest.approx(50.5)
    assert page["p95"] == pytest.approx(95.05)
    assert page["max"] == pytest.approx(100.0)
    assert figures["person page"]["errors"] == 1
    assert figures["all partner requests"]["count"] == 1
    assert figures["all requests"]["count"] == 101
    assert figures["all requests"]["per_s"] == pytest.approx(50.5)


def test_the_workload_of_a_partner_lies_within_its_countries(tiny: Tiny) -> None:
    partner = next(login for login in tiny.logins if login.role == "partner")
    assert partner.totp_secret and len(partner.countries) == 2
    work = tiny.works[tiny.logins.index(partner)]
    assert work.persons and work.prefixes and work.country_tiers
    assert {country for country, _ in work.country_tiers} <= set(partner.countries)


def test_users_of_an_earlier_run_are_taken_over_with_new_secrets(tiny: Tiny) -> None:
    again = make_users(tiny.case_dir, analysts=1, partners=1)
    assert [login.username for login in again] == [login.username for login in tiny.logins]
    assert again[1].totp_secret != tiny.logins[1].totp_secret


def test_every_request_kind_answers_200_for_an_analyst_and_a_partner(
    tiny: Tiny, tmp_path: Path
) -> None:
    logins = make_users(tiny.case_dir, analysts=1, partners=1)  # secrets as of now
    server = Server(tiny.case_dir, tmp_path / "serve.log")
    try:
        server.wait_ready()
        # One sign-in per client: a partner's TOTP code works once. The clients' draws are
        # seeded, so which kinds 40 requests each cover is the same on every run.
        samples, _ = web_load.run_load(
            server.base, logins, tiny.works, web_load.KINDS, (2, 40), time_limit=120
        )
    finally:
        server.stop()
    assert len(samples) == 80
    assert {(s.kind, s.role) for s in samples} == {
        (kind, role) for kind in web_load.KINDS for role in ("analyst", "partner")
    }
    assert [(s.kind, s.role, s.status) for s in samples if s.status != 200] == []


def test_mariadb_answers_every_query_of_the_peer(tiny: Tiny, tmp_path: Path) -> None:
    db = f"rescue_bw_{uuid.uuid4().hex[:10]}"
    rows, _ = web_peer.load(tiny.case_dir, tmp_path, db)
    try:
        assert rows == max(w.persons for w in tiny.works)
        samples, _ = web_peer.run_load(tiny.logins, tiny.works, (0, 40), PAGE_SIZE, 60, db)
    finally:
        web_peer.drop(db)
    assert len(samples) == 80
    assert {s.kind for s in samples} == set(web_peer.KINDS)
