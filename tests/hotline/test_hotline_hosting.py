"""The abuse-contact directory and partner hotlines: imports that refuse bad files whole, and
attribution from an address to network, country, provider, contact and partner."""

from __future__ import annotations

from pathlib import Path

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.hotline.hosting import Contact, Directory, import_contacts, import_partners
from rescue.identity.geo_ranges import RangesCsvSource
from rescue.identity.netkind import Classifier
from rescue.security.audit import list_events
from tests.hotline.conftest import HOST_A, HOST_B, PROVIDER_A, PROVIDER_B, START


def _csv(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_contacts_import_replaces_the_directory(case: Case, tmp_path: Path) -> None:
    first = _csv(tmp_path, "provider,abuse_email,asn_name,domain\n"
                           "Old,abuse@old.test,Old AS,\n")  # fmt: skip
    assert import_contacts(case, first, now=START) == 1
    second = _csv(tmp_path, "Provider,Abuse_Email,ASN_Name,Domain\n"
                            f"{PROVIDER_A},abuse@a.test,{PROVIDER_A},\n"
                            "Files,abuse@files.test,,*.Files.Example\n", "second.csv")  # fmt: skip
    assert import_contacts(case, second, now=START) == 2
    directory = Directory.of_case(case)
    assert directory.contact_for("x.test", "Old AS") is None
    assert directory.contact_for("img.files.example", None) == Contact(
        "Files", "abuse@files.test", None, "files.example"
    )
    assert directory.contact_for("files.example", "whatever") is not None
    assert directory.contact_for("otherfiles.example", None) is None
    assert directory.contact_for("x.test", PROVIDER_A.upper()) is not None  # case-insensitive
    events = list_events(case, action="hotline.contacts")
    assert [(e.target, e.detail) for e in events] == [
        ("second.csv", {"contacts": 2}), ("in.csv", {"contacts": 1}),
    ]  # fmt: skip


def test_a_bad_contacts_file_is_refused_naming_every_bad_line(case: Case, tmp_path: Path) -> None:
    import_contacts(case, _csv(tmp_path, "provider,abuse_email,asn_name\nKeep,k@k.test,K\n"),
                    now=START)  # fmt: skip
    bad = _csv(tmp_path, "provider,abuse_email,asn_name,domain\n"
                         "A,abuse@a.test,A AS,\n"  # 2: good
                         "B,not-an-address,B AS,\n"  # 3
                         ",abuse@c.test,C AS,\n"  # 4
                         "D,abuse@d.test,,\n"  # 5
                         "E,abuse@e.test\n", "bad.csv")  # 6  # fmt: skip
    with pytest.raises(InputError) as refused:
        import_contacts(case, bad, now=START)
    message = refused.value.message
    assert message.startswith("bad.csv: 4 bad line(s), nothing imported")
    assert "line 3: 'not-an-address' is not an e-mail address" in message
    assert "line 4: the provider is empty" in message
    assert "line 5: neither asn_name nor domain is given" in message
    assert "line 6: 2 fields where the header has 4" in message
    # Nothing changed: the old directory is still in force.
    assert Directory.of_case(case).contact_for("x", "K") is not None
    with pytest.raises(InputError, match="the header lacks abuse_email"):
        import_contacts(case, _csv(tmp_path, "provider,email\nA,a@a.test\n"), now=START)


def test_partners_import(case: Case, tmp_path: Path) -> None:
    good = _csv(tmp_path, "country,name,email\nde,Example DE Hotline,report@de.test\n"
                          "US,Example US Hotline,\n")  # fmt: skip
    assert import_partners(case, good, now=START) == 2
    assert Directory.of_case(case).partners == {"DE": "Example DE Hotline",
                                                "US": "Example US Hotline"}  # fmt: skip
    bad = _csv(tmp_path, "country,name\nUK,X\nDE,Y\nDE,Z\nFR,\n", "bad.csv")
    with pytest.raises(InputError) as refused:
        import_partners(case, bad, now=START)
    message = refused.value.message
    assert "line 2: 'UK' is not an ISO 3166-1 country code" in message
    assert "line 4: DE is given twice" in message
    assert "line 5: the partner's name is empty" in message


def test_errors_beyond_ten_are_counted(case: Case, tmp_path: Path) -> None:
    rows = "".join(f"P{i},bad,AS {i},\n" for i in range(14))
    with pytest.raises(InputError, match=r"14 bad line\(s\).*\(and 4 more\)"):
        import_contacts(case, _csv(tmp_path, "provider,abuse_email,asn_name,domain\n" + rows),
                        now=START)  # fmt: skip


def test_attribution_of_an_address(ranges_file: Path) -> None:
    geo = RangesCsvSource(ranges_file)
    directory = Directory(
        [Contact(PROVIDER_A, "abuse@a.test", PROVIDER_A, None),
         Contact("Files", "abuse@files.test", None, "files.example")],
        {"US": "Example US Hotline"},
    )  # fmt: skip
    a = directory.attribute("img.a.test", HOST_A, geo, Classifier())
    assert (a.country, a.asn_name, a.provider, a.abuse_email, a.partner) == (
        "DE", PROVIDER_A, PROVIDER_A, "abuse@a.test", None,
    )  # fmt: skip
    assert (a.geo_database, a.geo_date) == ("test hosting ranges", "2024-05-01")
    b = directory.attribute("cdn.files.example", HOST_B, geo, Classifier())
    assert (b.country, b.asn_name, b.provider, b.partner) == (
        "US", PROVIDER_B, "Files", "Example US Hotline",
    )  # fmt: skip
    unknown = directory.attribute("x.test", "192.0.2.55", geo, Classifier())
    assert (unknown.country, unknown.provider, unknown.abuse_email) == (None, None, None)
