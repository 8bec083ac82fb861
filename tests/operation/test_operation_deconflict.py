"""Deconfliction: lists normalised like the lake, hits that say what matched, bad lines named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation.deconflict import deconfliction, import_subjects, subject_lists
from rescue.operation.referrals import register_referral
from rescue.operation.subjects import KINDS, BadValueError, normalise

Package = Callable[..., tuple[Path, str]]
# As in the seeded lake (conftest.py).
BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
PGP = "4AEE18F83AFDEB23A5F2E9B7D2C8F1A0B1C2D3E4"

LIST = f"""kind,value,reference
email, Alice@Example.ORG ,NCA-0001
handle,Telegram:quietfox,NCA-0002
username,coldpine,NCA-0003
phone,+44 7700 900123,NCA-0004
pgp,{" ".join(PGP[i : i + 4] for i in range(0, 40, 4))},NCA-0005
btc,{BTC.upper()},NCA-0006
ip,198.51.100.99,NCA-0007
email,alice@example.org,NCA-0001

email,guest@example.org,NCA-0008
"""


def _write(tmp_path: Path, text: str, name: str = "nca.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_identifiers_on_a_list_hit_their_persons(seeded: Case, tmp_path: Path) -> None:
    # The duplicate line counts once; the blank line is skipped.
    assert import_subjects(seeded, _write(tmp_path, LIST), "NCA watch list", "NCA") == 8
    hits = deconfliction(seeded)
    seen = {p: [(h.kind, h.value, h.account_id, h.reference) for h in found]
            for p, found in hits.items()}  # fmt: skip
    assert seen == {
        "P-f:1": [
            ("email", "alice@example.org", "f:1", "NCA-0001"),
            ("handle", "telegram:@QuietFox", "f:2", "NCA-0002"),
        ],
        "P-f:3": [("username", "ColdPine", "f:3", "NCA-0003")],
        "P-f:5": [("btc", BTC, "f:5", "NCA-0006")],
        "P-f:7": [("phone", "+447700900123", "f:7", "NCA-0004")],
        "P-f:10": [("pgp", PGP, "f:10", "NCA-0005")],
    }  # the guest's address belongs to no account, so to no person
    first = hits["P-f:1"][0]
    assert (first.basis, first.list_name, first.agency) == ("identifier", "NCA watch list", "NCA")
    assert first.explain() == (
        "email alice@example.org of f:1 is on list 'NCA watch list' of NCA, ref NCA-0001"
    )
    [listed] = subject_lists(seeded)
    assert (listed.name, listed.agency, listed.subjects) == ("NCA watch list", "NCA", 8)


def test_asking_for_persons_answers_for_each(seeded: Case, tmp_path: Path) -> None:
    import_subjects(seeded, _write(tmp_path, LIST), "NCA", "NCA")
    hits = deconfliction(seeded, ["P-f:4", "P-f:3"])
    assert set(hits) == {"P-f:3", "P-f:4"}
    assert hits["P-f:4"] == []  # checked, and clear
    assert [h.kind for h in hits["P-f:3"]] == ["username"]
    with pytest.raises(InputError, match="no person P-f:404"):
        deconfliction(seeded, ["P-f:404"])


def test_a_person_already_referred_is_a_hit(seeded: Case, package: Package) -> None:
    referral = register_referral(seeded, "GB", [("P-f:4", 1)], *package(), None, None, "ana")
    [hit] = deconfliction(seeded, ["P-f:4"])["P-f:4"]
    assert (hit.basis, hit.referral_id, hit.country, hit.status) == (
        "referral", referral.id, "GB", "draft"
    )  # fmt: skip
    assert hit.explain() == f"already in referral {referral.id} to GB (draft)"
    assert deconfliction(seeded) == {"P-f:4": [hit]}


def test_importing_a_list_again_replaces_it(seeded: Case, tmp_path: Path) -> None:
    import_subjects(seeded, _write(tmp_path, LIST), "NCA", "NCA")
    import_subjects(seeded, _write(tmp_path, "kind,value\nip,192.0.2.7\n", "v2.csv"), "NCA", "NCA")
    import_subjects(seeded, _write(tmp_path, "kind,value\nip,192.0.2.1\n", "o.csv"), "FBI", "FBI")
    hits = deconfliction(seeded)
    assert {p: [(h.kind, h.reference) for h in found] for p, found in hits.items()} == {
        "P-f:4": [("ip", "")]
    }
    assert [(s.name, s.subjects) for s in subject_lists(seeded)] == [("FBI", 1), ("NCA", 1)]


def test_bad_lines_are_named_and_nothing_is_imported(case: Case, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "kind,value,reference\n"
        "email,ok@example.org,R1\n"
        "email,not-an-address,R2\n"
        "name,John Smith,R3\n"
        "btc,1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3,R4\n"
        "pgp,D2C8F1A0B1C2D3E4,R5\n",
    )
    with pytest.raises(InputError) as bad:
        import_subjects(case, path, "L", "A")
    message = bad.value.message
    assert "4 bad line(s); nothing imported" in message
    assert f"{path} line 3: email 'not-an-address': not an e-mail address" in message
    assert f"{path} line 4: name 'John Smith': unknown kind 'name'" in message
    assert f"{path} line 5: btc" in message and "checksum fails" in message
    assert f"{path} line 6: pgp" in message and "40 hex digits" in message
    assert "line 2" not in message
    assert subject_lists(case) == []


def test_many_bad_lines_are_summed_up(case: Case, tmp_path: Path) -> None:
    path = _write(tmp_path, "kind,value\n" + "ip,999.1.1.1\n" * 14)
    with pytest.raises(InputError, match="14 bad line") as bad:
        import_subjects(case, path, "L", "A")
    assert "line 11:" in bad.value.message and "line 12:" not in bad.value.message
    assert bad.value.message.endswith("and 4 more")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("value,reference\nx@example.org,R\n", "line 1: the header needs columns kind and value"),
        ("kind,value\n\n", "holds no subjects"),
    ],
)
def test_unusable_files(case: Case, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        import_subjects(case, _write(tmp_path, text), "L", "A")


def test_unreadable_files(case: Case, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file"):
        import_subjects(case, tmp_path / "absent.csv", "L", "A")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("kind,value\nusername,Jürgen\n".encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        import_subjects(case, latin, "L", "A")
    with pytest.raises(InputError, match="the list's name is empty"):
        import_subjects(case, _write(tmp_path, LIST), " ", "A")


def test_a_bom_and_capitalised_headers_are_read(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffKind,Value,Reference\nEMAIL,X@Example.org,R\n", encoding="utf-8")
    assert import_subjects(case, path, "L", "A") == 1


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("email", " Bob@Mail.EXAMPLE ", "bob@mail.example"),
        ("ip", "2001:DB8:0:0::1", "2001:db8::1"),
        ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        ("btc", BTC.upper(), BTC),
        ("eth", "0x52908400098527886E0F7030069857D2E4169EE7",
         "0x52908400098527886e0f7030069857d2e4169ee7"),
        ("pgp", "0x" + PGP.lower(), PGP),
        ("phone", "+1 (202) 555-0147", "+12025550147"),
        ("username", " ColdPine ", "coldpine"),
        ("handle", "Wire:@Some.One", "wire:some.one"),
    ],
)  # fmt: skip
def test_values_are_normalised_like_the_lake(kind: str, raw: str, value: str) -> None:
    assert normalise(kind, raw) == value


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("eth", "0x1234"), ("phone", "020 7946 0000"), ("handle", "quietfox"), ("username", " "),
     ("ip", "example.org")],
)  # fmt: skip
def test_values_that_are_not_their_kind(kind: str, raw: str) -> None:
    with pytest.raises(BadValueError):
        normalise(kind, raw)


def test_no_names_of_people() -> None:
    assert "name" not in KINDS and "person_name" not in KINDS
