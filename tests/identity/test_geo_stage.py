"""End to end: extract and geolocate a synthetic forum, and check the answers against the truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from rescue.case import Case, open_case
from rescue.errors import CaseError
from rescue.identity.geo import Geoip2fastSource
from rescue.identity.geo_stage import GeolocateStage
from rescue.pipeline import default_stages, run_pipeline
from rescue.stage import StageContext
from tests.lakehelp import ingest, rejects, rows, set_case_settings

if TYPE_CHECKING:
    from rescue.synth import SynthResult

NOT_RESIDENTIAL = {"vpn", "hosting", "tor"}


def truth(forum: SynthResult) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(forum.ground_truth_path.read_text(encoding="utf-8"))
    return loaded


def located(case: Case) -> dict[str, dict[str, Any]]:
    return {r["ip"]: r for r in rows(case, "SELECT * FROM ip_locations")}


def test_geolocate_agrees_with_the_ground_truth(case: Case, small_forum: SynthResult) -> None:
    ingest(case, small_forum.dump_path)
    summaries = run_pipeline(case, only=["extract", "geolocate"])
    assert [(s.stage, s.target, s.status) for s in summaries] == [
        ("extract", "forum", "ok"),
        ("geolocate", "all", "ok"),
    ]
    found = located(case)
    distinct = {r["value"] for r in rows(case, "SELECT value FROM identifiers WHERE kind = 'ip'")}
    assert set(found) == distinct
    assert len(found) == len(rows(case, "SELECT ip FROM ip_locations"))  # one row per address

    source = Geoip2fastSource()
    for row in found.values():
        assert row["source"] == "all"
        assert (row["database"], row["database_date"]) == (source.name, source.date)
        assert (row["flag_reason"] is None) == (row["network_kind"] == "residential"), row

    facts = truth(small_forum)
    homes = 0
    kinds: Counter[str] = Counter()
    for person in facts["persons"]:
        for ip in person["identifiers"]["home_ips"]:
            if ip not in found:
                continue  # an address the person was given but never used on the forum
            row = found[ip]
            homes += 1
            kinds[row["network_kind"]] += 1
            assert row["country"] == person["country"], (person["person_id"], row)
            # The generator draws homes outside every network the hosting list names.
            assert row["network_kind"] == "residential", row
    assert homes >= 100
    assert kinds == {"residential": homes}

    shared = facts["shared_ips"]
    assert shared
    used = [s for s in shared if s["ip"] in found]
    assert len(used) >= 3, "the forum used too few exits for this test to say much"
    for exit_ in used:
        row = found[exit_["ip"]]
        assert row["network_kind"] in NOT_RESIDENTIAL, (exit_, row)
        assert row["asn_name"] == exit_["operator"]

    counts = next(s.counts for s in summaries if s.stage == "geolocate")
    by_kind = Counter(r["network_kind"] for r in found.values())
    assert {k: counts[k] for k in by_kind} == dict(by_kind)
    assert counts["addresses"] == len(found)
    assert counts["countries"] == len({r["country"] for r in found.values() if r["country"]})
    assert counts["database_date"] == source.date
    assert counts["seen_over_a_year_from_database_date"] <= counts["addresses"]
    assert not [r for r in rejects(case) if r["stage"] == "geolocate"]

    again = run_pipeline(case, only=["extract", "geolocate"])
    assert [s.status for s in again] == ["skipped", "skipped"]


def test_a_tor_exit_list_in_case_toml_reruns_and_flags_tor(
    sqlite_case: Case, small_forum: SynthResult, tmp_path: Path
) -> None:
    ingest(sqlite_case, small_forum.dump_path)
    run_pipeline(sqlite_case, only=["extract", "geolocate"])
    before = located(sqlite_case)
    used = [s for s in truth(small_forum)["shared_ips"] if s["ip"] in before]
    # The forum's Tor exits; should the generator have used none, two other exits stand in:
    # what is tested is the list, not the generator.
    tor = [s["ip"] for s in used if s["kind"] == "tor"] or [s["ip"] for s in used[:2]]
    assert tor
    assert all(before[ip]["network_kind"] != "tor" for ip in tor)

    (sqlite_case.root / "tor-exits.txt").write_text(
        "".join(f"ExitAddress {ip} 2024-06-18 10:00:00\n" for ip in tor), encoding="utf-8"
    )
    set_case_settings(sqlite_case.root, "geo", {"tor_exit_list": "tor-exits.txt"})
    reopened = open_case(sqlite_case.root)
    try:
        summaries = run_pipeline(reopened, only=["extract", "geolocate"])
        assert [s.status for s in summaries] == ["skipped", "ok"]  # a new list re-runs the stage
        after = located(reopened)
        assert {ip for ip, r in after.items() if r["network_kind"] == "tor"} == set(tor)
        assert all("tor-exits.txt" in (after[ip]["flag_reason"] or "") for ip in tor)
        unchanged = set(before) - set(tor)
        assert all(after[ip] == before[ip] for ip in unchanged)
    finally:
        reopened.close()


class _Identifiers:
    """Writes a hand-made identifiers table: values the extractor would never produce."""

    name: ClassVar[str] = "fake_extract"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ("identifiers",)
    values: ClassVar[list[str]] = ["8.8.8.8", "not-an-ip", "10.0.0.1", "8.8.8.8", "2d00::1"]

    def targets(self, case: Case) -> list[str]:
        return ["forum"]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {}

    def input_fingerprint(self, case: Case, target: str) -> str:
        return "fixed"

    def run(self, ctx: StageContext) -> None:
        ctx.writer("identifiers").write_rows(
            [{"source": ctx.target, "kind": "ip", "value": v} for v in self.values]
            + [{"source": ctx.target, "kind": "email", "value": "a@example.org"}]
        )


def test_a_value_that_is_not_an_address_is_a_reject(sqlite_case: Case) -> None:
    summaries = run_pipeline(sqlite_case, stages=[_Identifiers(), GeolocateStage()])
    assert [s.status for s in summaries] == ["ok", "ok"]
    found = located(sqlite_case)
    assert set(found) == {"8.8.8.8", "10.0.0.1", "2d00::1"}
    assert found["8.8.8.8"]["network_kind"] == "hosting"
    assert found["10.0.0.1"]["network_kind"] == "private"
    assert found["2d00::1"]["network_kind"] == "unknown"
    assert found["2d00::1"]["country"] is None
    bad = rejects(sqlite_case, "not an ip address")
    assert len(bad) == 1
    assert "not-an-ip" in bad[0]["location"]
    assert bad[0]["stage"] == "geolocate"
    assert summaries[1].rejects == {"not an ip address": 1}


def test_bad_geo_settings_stop_the_run(sqlite_case: Case) -> None:
    set_case_settings(sqlite_case.root, "geo", {"source": "ranges"})
    broken = open_case(sqlite_case.root)
    try:
        with pytest.raises(CaseError, match="needs ranges_file"):
            run_pipeline(broken, stages=[_Identifiers(), GeolocateStage()])
    finally:
        broken.close()


def test_no_identifiers_no_target(sqlite_case: Case) -> None:
    assert GeolocateStage().targets(sqlite_case) == []


def test_geolocate_runs_after_extract_in_the_default_pipeline() -> None:
    names = [s.name for s in default_stages()]
    assert names.index("extract") < names.index("geolocate")
