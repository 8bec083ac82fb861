"""Unit tests of attribution: each signal's mapping, the rhythm estimator and the fusion."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from rescue.identity import attribute as attr
from rescue.identity import attribute_signals as signals
from rescue.identity.attribute import Evidence, IpSighting, PersonSignals, Place
from rescue.identity.attribute_tables import REGION_TAG_WEIGHT

NOW = datetime(2024, 6, 1, 20, tzinfo=UTC)
ZONE_TAB = (
    "# comment\nDE\t+5230+01322\tEurope/Berlin\tmost of Germany\nCH\t+4723+00832\tEurope/Zurich\n"
)
ZONE1970_TAB = (
    "DE,DK,NO,SE,SJ\t+5230+01322\tEurope/Berlin\tmost of Germany\n"
    "CH,DE,LI\t+4723+00832\tEurope/Zurich\tBüsingen\n"
    "AE,OM,RE,SC,TF\t+2518+05518\tAsia/Dubai\tCrozet\n"
)
TZDATA_ZI = "# version 2099z\nL Europe/Berlin Europe/Copenhagen_Test\nL Europe/Nowhere Etc/Loop\n"


@pytest.fixture(scope="module")
def zones() -> signals.ZoneTable:
    table = signals.load_zone_table()
    assert table.countries, "no tz database: install tzdata"
    return table


def sighting(
    country: str, days_ago: float, count: int = 1, kind: str = "residential"
) -> IpSighting:
    reason = None if kind == "residential" else f"ASN matches '{kind} provider'"
    seen = NOW - timedelta(days=days_ago)
    return IpSighting(f"198.51.100.{int(days_ago) % 250}", country, kind, reason, seen, count)


def hours_at(offset: int, n: int, peak: float = 20.0, seed: int = 3) -> list[int]:
    """UTC-hour counts of someone ``offset`` hours east of UTC: an evening session around
    ``peak`` local time plus 15% of posts anywhere in their waking day (07-24 h)."""
    rng = random.Random(seed)
    counts = [0] * 24
    for _ in range(n):
        local = rng.gauss(peak, 1.5) if rng.random() < 0.85 else rng.uniform(7, 24)
        counts[int(local - offset) % 24] += 1
    return counts


def totals(evidence: list[Evidence]) -> dict[str | None, float]:
    found: dict[str | None, float] = defaultdict(float)
    for e in evidence:
        found[e.country] += e.weight
    return found


# -- fusion ------------------------------------------------------------------------------------


def test_vpn_user_is_placed_by_zone_language_and_city(zones: signals.ZoneTable) -> None:
    person = PersonSignals(
        ips=[sighting("NL", 3, 40, kind="vpn"), sighting("US", 10, 5, kind="hosting")],
        timezones=["Europe/Berlin"],
        languages=["de_x_sie"],
        places=[Place("Köln", "DE")],
    )
    result = attr.attribute(person, zones)
    assert result.country == "DE"
    assert not result.conflict
    assert result.confidence > 0.8
    # The VPN and the host are shown to the analyst but carry no vote.
    shown = [e for e in result.evidence if e.kind == "ip"]
    assert {e.country for e in shown} == {"NL", "US"}
    assert all(e.weight == 0 for e in shown)
    assert any("vpn" in e.detail and "vpn provider" in e.detail for e in shown)


def test_conflicting_strong_evidence_is_flagged_and_less_confident(
    zones: signals.ZoneTable,
) -> None:
    german = PersonSignals(
        timezones=["Europe/Berlin"], languages=["de"], places=[Place("Köln", "DE")]
    )
    clear = attr.attribute(german, zones)
    contested = attr.attribute(
        PersonSignals(
            ips=[sighting("FR", d, 3) for d in range(0, 300, 10)],
            timezones=german.timezones,
            languages=german.languages,
            places=german.places,
        ),
        zones,
    )
    assert clear.country == "DE" and not clear.conflict
    assert contested.conflict
    assert {contested.country, contested.runner_up} == {"DE", "FR"}
    assert contested.confidence < clear.confidence - 0.2


def test_a_trip_abroad_is_no_conflict(zones: signals.ZoneTable) -> None:
    home = [sighting("DE", d, 4) for d in range(0, 400, 5)]
    result = attr.attribute(PersonSignals(ips=[*home, sighting("ES", 30, 2)]), zones)
    assert result.country == "DE"
    assert result.runner_up == "ES"
    assert not result.conflict


def test_recent_residence_outweighs_an_older_one() -> None:
    old_home = [sighting("AT", 900 + d, 6) for d in range(0, 300, 10)]  # 180 sightings
    new_home = [sighting("CH", d, 2) for d in range(0, 60, 10)]  # 12 sightings, recent
    result = attr.fuse(attr.ip_evidence([*old_home, *new_home]))
    assert result.country == "CH"
    assert result.runner_up == "AT"
    # The same sightings all equally recent: frequency decides.
    same_age = [sighting("AT", 5, 180), sighting("CH", 5, 12)]
    assert attr.fuse(attr.ip_evidence(same_age)).country == "AT"


def test_ip_vote_saturates_so_one_source_cannot_decide_alone() -> None:
    many = attr.ip_evidence([sighting("FR", 1, 5000)])
    assert sum(e.weight for e in many) <= attr.IP_MAX
    one = attr.ip_evidence([sighting("FR", 1, 1)])
    assert 0 < sum(e.weight for e in one) < sum(e.weight for e in many)


def test_undated_and_unlocated_addresses() -> None:
    undated = IpSighting("192.0.2.1", "PL", "residential", None, None, 4)
    unlocated = IpSighting("192.0.2.2", None, "unknown", "not geolocated", NOW, 9)
    evidence = attr.ip_evidence([undated, unlocated])
    by_ip = {e.country: e for e in evidence}
    assert by_ip["PL"].weight > 0
    assert by_ip[None].weight == 0 and "not geolocated" in by_ip[None].detail


def test_no_evidence_gives_no_country(zones: signals.ZoneTable) -> None:
    result = attr.attribute(PersonSignals(), zones)
    assert (result.country, result.confidence, result.runner_up) == (None, 0.0, None)
    assert not result.conflict and result.evidence == []
    only_vpn = attr.attribute(PersonSignals(ips=[sighting("SE", 1, 50, "tor")]), zones)
    assert only_vpn.country is None and len(only_vpn.evidence) == 1


def test_thin_evidence_is_discounted(zones: signals.ZoneTable) -> None:
    english = attr.attribute(PersonSignals(languages=["en"]), zones)
    assert english.country == "US"
    assert english.confidence < 0.1
    german = attr.attribute(PersonSignals(languages=["de"]), zones)
    assert german.country == "DE"
    assert english.confidence < german.confidence < 0.5


def test_places_saturate_and_split() -> None:
    one = attr.place_evidence([Place("Lyon", "FR")])
    five = attr.place_evidence([Place("Lyon", "FR", 5)])
    assert 0 < one[0].weight < five[0].weight < attr.LOCATION_MAX
    assert five[0].weight - one[0].weight < one[0].weight  # later mentions add less
    split = attr.place_evidence([Place("Lyon", "FR", 2), Place("Gent", "BE", 2)])
    assert totals(split)["FR"] == pytest.approx(totals(split)["BE"])
    result = attr.fuse(split)
    assert result.conflict  # two places of residence, both stated twice


def test_evidence_weights_sum_to_the_votes(zones: signals.ZoneTable) -> None:
    person = PersonSignals(
        ips=[sighting("US", d, 2) for d in range(0, 100, 7)],
        timezones=["America/Chicago"],
        languages=["en"],
        email_providers=["comcast.net"],
        hour_counts=hours_at(-5, 1000),
    )
    result = attr.attribute(person, zones)
    assert result.country == "US"
    votes = totals(result.evidence)
    weight = sum(votes.values())
    thin = 1 - math.exp(-weight / attr.THIN_SCALE)
    assert result.confidence == pytest.approx(votes["US"] / weight * thin, abs=1e-3)
    assert {e.kind for e in result.evidence} == {"ip", "timezone", "language", "email", "rhythm"}
    weights = [e.weight for e in result.evidence]
    assert weights == sorted(weights, reverse=True)


def test_repeated_settings_are_one_choice(zones: signals.ZoneTable) -> None:
    once = attr.timezone_evidence(["Europe/Paris"], zones)
    thrice = attr.timezone_evidence(["Europe/Paris"] * 3 + [""], zones)
    assert once == thrice
    mixed = attr.timezone_evidence(["Europe/Paris", "Europe/Madrid"], zones)
    assert sum(e.weight for e in mixed) == pytest.approx(attr.TIMEZONE_WEIGHT)


# -- time zones --------------------------------------------------------------------------------


def test_zone_tab_names_one_country_zone1970_splits() -> None:
    table = signals.build_zone_table(ZONE_TAB, ZONE1970_TAB, TZDATA_ZI)
    assert table.version == "2099z"
    assert table.countries["Europe/Berlin"] == {"DE": 1.0}  # zone.tab wins over zone1970.tab
    assert table.countries["Europe/Zurich"] == {"CH": 1.0}
    assert table.countries["Asia/Dubai"] == pytest.approx(
        {c: 0.2 for c in ["AE", "OM", "RE", "SC", "TF"]}
    )
    assert table.resolve("Europe/Copenhagen_Test") == "Europe/Berlin"
    assert table.resolve("Etc/Loop") is None  # a link to a zone the tables lack
    assert table.resolve("Mars/Olympus") is None
    shared = attr.timezone_evidence(["Asia/Dubai"], table)
    assert len(shared) == 5 and "zone1970.tab shared by AE, OM" in shared[0].detail


def test_system_zone_table(zones: signals.ZoneTable) -> None:
    assert zones.countries[zones.resolve("Europe/Berlin") or ""] == {"DE": 1.0}
    assert zones.resolve("US/Eastern") == "America/New_York"
    assert zones.resolve("Asia/Calcutta") == "Asia/Kolkata"
    assert zones.zone_offsets("Europe/Berlin") == (1.0, 2.0)
    assert zones.zone_offsets("Asia/Kolkata") == (5.5,)
    assert {"DE", "FR", "NG"} <= set(zones.countries_at(1))
    assert "IN" in zones.countries_at(5) and "IN" in zones.countries_at(6)
    assert "US" in zones.countries_at(-5) and "DE" not in zones.countries_at(-5)
    [berlin] = attr.timezone_evidence(["Europe/Berlin"], zones)
    assert (berlin.country, berlin.weight) == ("DE", attr.TIMEZONE_WEIGHT)
    assert attr.timezone_evidence(["UTC", "Etc/GMT+1", "Not/AZone"], zones) == []
    [alias] = attr.timezone_evidence(["Asia/Calcutta"], zones)
    assert alias.country == "IN" and "= Asia/Kolkata" in alias.detail


def test_rhythm_confirms_or_contradicts_the_profile_zone(zones: signals.ZoneTable) -> None:
    berlin = signals.estimate_offset(hours_at(1, 1000))
    new_york = signals.estimate_offset(hours_at(-5, 1000))
    assert berlin is not None and new_york is not None
    [agrees] = attr.timezone_evidence(["Europe/Berlin"], zones, berlin)
    [contradicted] = attr.timezone_evidence(["Europe/Berlin"], zones, new_york)
    assert agrees.weight == attr.TIMEZONE_WEIGHT and "agrees" in agrees.detail
    assert contradicted.weight == attr.TIMEZONE_WEIGHT / 2
    assert "contradicts" in contradicted.detail


# -- posting rhythm ----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [1, -5, 9, 0, -8, 10])
def test_rhythm_recovers_the_offset(offset: int) -> None:
    estimate = signals.estimate_offset(hours_at(offset, 1000, seed=offset + 40))
    assert estimate is not None
    assert signals.circular_hours(estimate.offset, offset) <= 1
    assert estimate.mass >= signals.RHYTHM_MIN_MASS
    assert estimate.posts == 1000


def test_rhythm_needs_enough_posts_and_a_sleep_gap() -> None:
    assert signals.estimate_offset(hours_at(1, signals.RHYTHM_MIN_POSTS - 1)) is None
    # One short session a day and nothing else: any offset whose evening it could be fits.
    rng = random.Random(5)
    session_only = [0] * 24
    for _ in range(300):
        session_only[int(rng.gauss(19, 0.8)) % 24] += 1
    assert signals.estimate_offset(session_only) is None
    assert signals.estimate_offset([10] * 24) is None  # round the clock: a shared account, a bot
    with pytest.raises(ValueError):
        signals.offset_posterior([1, 2, 3])


def test_rhythm_breaks_a_tie_between_candidates(zones: signals.ZoneTable) -> None:
    estimate = signals.estimate_offset(hours_at(-6, 1000))
    votes = attr.rhythm_evidence(estimate, zones, {"US", "GB", "IN"})
    assert {e.country for e in votes} == {"US"}
    english = attr.attribute(PersonSignals(languages=["en"], hour_counts=hours_at(0, 1000)), zones)
    assert english.country == "GB"
    alone = attr.rhythm_evidence(estimate, zones, set())
    assert [(e.country, e.weight) for e in alone] == [(None, 0.0)]


# -- language and e-mail -----------------------------------------------------------------------


def test_language_mapping() -> None:
    _, shares = signals.language_countries("de_x_sie") or (0, {})
    assert max(shares, key=shares.__getitem__) == "DE"
    assert set(shares) == {"DE", "AT", "CH"} and sum(shares.values()) == pytest.approx(1)
    assert signals.language_countries("pt_br") == (1.2, {"BR": 1.0})
    assert signals.language_countries("en_us") == (0.8, {"US": 0.9, "CA": 0.1})
    assert signals.language_countries("fr_ca") == (REGION_TAG_WEIGHT, {"CA": 1.0})
    assert signals.language_countries("es-MX") == (REGION_TAG_WEIGHT, {"MX": 1.0})
    english = signals.language_countries("en")
    assert english is not None and english[0] < 0.5 and max(english[1].values()) < 0.5
    assert signals.language_countries("tlh") is None
    assert signals.language_countries("") is None


def test_email_provider_and_cctld() -> None:
    assert signals.provider_country("post.de.example") == ("DE", "ccTLD .de")
    assert signals.provider_country("mail.uk.example") == ("GB", "ccTLD .uk")
    assert signals.provider_country("correio.br.test") == ("BR", "ccTLD .br")
    assert signals.provider_country("web.de") == ("DE", "national provider")
    assert signals.provider_country("laposte.net") == ("FR", "national provider")
    assert signals.provider_country("gmail.com") is None
    assert signals.provider_country("globalmail.example") is None
    assert signals.provider_country("startup.io") is None  # a domain hack, not Indian Ocean
    assert signals.provider_country("mail.eu") is None  # no country
    assert signals.strip_reserved("a.b.example.invalid") == "a.b"


def test_email_evidence_weights() -> None:
    national = attr.email_evidence(["WEB.DE"])
    cctld = attr.email_evidence(["post.de.example"])
    assert national[0].weight == attr.EMAIL_NATIONAL
    assert cctld[0].weight == attr.EMAIL_CCTLD
    assert "reserved TLD dropped" in cctld[0].detail
    assert attr.email_evidence(["gmail.com", "outlook.com", ""]) == []
    two = attr.email_evidence(["web.de", "wp.pl"])
    assert totals(two)["DE"] == pytest.approx(totals(two)["PL"])
