"""Referral packages built from a small hand-made lake: content, order, inertness, signature,
encryption, deconfliction and the register, on SQLite and PostgreSQL.

    person   accounts    country  rank  what the lake holds
    P-f:1    f:1, f:2    GB       2     email, an IP shared with P-f:4, posts, a known file
    P-f:3    f:3         GB       1     a handle, posts, known files, new material first posted
    P-f:4    f:4         DE       3     the shared IP
    P-f:8    f:8         (none)   4     attributed, but nothing pointed anywhere: in no package
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pyrage
import pytest
import typer
from typer.testing import CliRunner

from rescue.case import Case, open_case
from rescue.cli import refer_cmd
from rescue.errors import CaseError, InputError, PipelineError, StoreError
from rescue.operation.deconflict import import_subjects
from rescue.operation.package import HANDLING, PackageResult, build_packages
from rescue.operation.package_seal import ARCHIVE, decrypt_package
from rescue.operation.referrals import list_referrals
from rescue.operation.sign import generate_signing_key, verify_package
from rescue.pipeline import run_pipeline
from rescue.stage import StageContext, fingerprint
from tests.lakehelp import set_case_settings

SHARED_IP = "192.0.2.7"
SNEAKY = '<script>alert("x")</script><img src="http://example.org/x.png">'  # a username
S1, S2, S3 = "a" * 64, "b" * 64, "c" * 64  # SHA-256 of the matched files
N1 = "d" * 64  # SHA-256 of the new-material file
runner = CliRunner()
app = typer.Typer()
app.add_typer(refer_cmd.refer_app, name="refer")


def _at(month: int, day: int = 1) -> datetime:
    return datetime(2024, month, day, 12, 0, tzinfo=UTC)


def _tables() -> dict[str, list[dict[str, Any]]]:
    members = {1: "quietfox", 2: SNEAKY, 3: "ColdPine", 4: "member4", 8: "member8"}
    persons = {"P-f:1": ["f:1", "f:2"], "P-f:3": ["f:3"], "P-f:4": ["f:4"], "P-f:8": ["f:8"]}
    evidence = json.dumps([{"kind": "ip", "country": "GB", "weight": 1.0, "detail": "3 logins"}])
    return {
        "accounts": [
            {
                "account_id": f"f:{n}",
                "user_id": n,
                "username": name,
                "is_person": True,
                "registered_at": _at(1),
                "posts_count": n,
            }
            for n, name in members.items()
        ],
        "persons": [
            {"person_id": p, "accounts": a, "n_accounts": len(a)} for p, a in persons.items()
        ],
        "person_accounts": [
            {"person_id": p, "account_id": a} for p, accounts in persons.items() for a in accounts
        ],
        "identifiers": [
            {
                "account_id": "f:1",
                "kind": "email",
                "value": "alice@example.org",
                "seen_at": _at(1),
                "origin_table": "accounts",
                "field": "email",
            },
            {
                "account_id": "f:2",
                "kind": "ip",
                "value": SHARED_IP,
                "seen_at": _at(2),
                "origin_table": "posts",
                "field": "poster_ip",
            },
            {
                "account_id": "f:3",
                "kind": "handle",
                "value": "telegram:@ColdPine",
                "seen_at": _at(3),
                "origin_table": "posts",
                "field": "text",
            },
            {
                "account_id": "f:4",
                "kind": "ip",
                "value": SHARED_IP,
                "seen_at": _at(4),
                "origin_table": "posts",
                "field": "poster_ip",
            },
        ],
        "ip_locations": [{"ip": SHARED_IP, "country": "GB", "network_kind": "residential"}],
        "account_links": [
            {
                "account_a": "f:1",
                "account_b": "f:2",
                "match_probability": 1.0,
                "method": "deterministic",
                "accepted": True,
                "reason": "same bitcoin address",
            },
        ],
        "attributions": [
            {"person_id": "P-f:1", "country": "GB", "confidence": 0.9, "evidence": evidence},
            {
                "person_id": "P-f:3",
                "country": "GB",
                "confidence": 0.7,
                "runner_up": "IE",
                "evidence": evidence,
            },
            {"person_id": "P-f:4", "country": "DE", "confidence": 0.6, "evidence": "[]"},
            {"person_id": "P-f:8", "country": None, "confidence": 0.0, "evidence": "[]"},
        ],
        "priorities": [
            {
                "person_id": p,
                "score": score,
                "rank": rank,
                "tier": tier,
                "indicators": [f"indicator of {p}"],
                "explanation": json.dumps(
                    [
                        {
                            "indicator": "known_files",
                            "value": 2.0,
                            "weight": 10.0,
                            "contribution": score,
                            "detail": "x",
                        }
                    ]
                ),
            }
            for p, score, rank, tier in [
                ("P-f:3", 80.0, 1, "Very High"),
                ("P-f:1", 50.0, 2, "High"),
                ("P-f:4", 20.0, 3, "Medium"),
                ("P-f:8", 5.0, 4, "Low"),
            ]
        ],
        "posts": [
            {"post_id": i, "account_id": account, "posted_at": when}
            for i, (account, when) in enumerate(
                [("f:1", _at(1)), ("f:1", _at(1, 20)), ("f:2", _at(3)), ("f:3", _at(2))], 1
            )
        ],
        "messages": [{"msg_id": 1, "account_id": "f:2", "sent_at": _at(3, 5)}],
        "attachments": [
            {"attach_id": 1, "poster_id": 1, "physical_filename": "x1"},
            {"attach_id": 2, "poster_id": 3, "physical_filename": "x2"},
            {"attach_id": 3, "poster_id": 3, "physical_filename": "x2"},
            {"attach_id": 4, "poster_id": 3, "physical_filename": "x3"},
            {"attach_id": 5, "poster_id": 3, "physical_filename": "n1"},
        ],
        "matches": [
            {
                "role": "attachment",
                "file": "x1",
                "attachment_id": 1,
                "sha256": S1,
                "match_type": "exact",
                "known_id": "K1",
                "category": "A",
            },
            {
                "role": "attachment",
                "file": "x2",
                "attachment_id": 2,
                "sha256": S2,
                "match_type": "perceptual",
                "known_id": "K2",
                "category": "A",
            },
            {
                "role": "attachment",
                "file": "x2",
                "attachment_id": 3,
                "sha256": S2,
                "match_type": "perceptual",
                "known_id": "K2",
                "category": "A",
            },
            {
                "role": "attachment",
                "file": "x3",
                "attachment_id": 4,
                "sha256": S3,
                "match_type": "exact",
                "known_id": "K3",
                "category": "B",
            },
        ],
        "media_hashes": [{"role": "attachment", "file": "n1", "sha256": N1, "pdq": "e" * 64}],
        "media_clusters": [
            {
                "cluster_id": "c1",
                "priority": 1,
                "files": 1,
                "attachments": 1,
                "posters": 1,
                "first_seen_at": _at(2),
                "first_account_id": "f:3",
                "first_place": "post 4 in topic 1",
                "members": ["f:n1"],
                "representative_pdq": "e" * 64,
            },
        ],
        "graph_metrics": [
            {
                "person_id": p,
                "degree": d,
                "pagerank": 0.1,
                "community": 0,
                "community_size": 3,
                "role": role,
                "role_reasons": [f"{role} because"],
            }
            for p, d, role in [
                ("P-f:1", 1, "consumer"),
                ("P-f:3", 2, "producer"),
                ("P-f:4", 1, "peripheral"),
            ]
        ],
        "graph_edges": [
            {"from_person": "P-f:1", "to_person": "P-f:3", "kind": "reply", "weight": 3},
            {"from_person": "P-f:3", "to_person": "P-f:1", "kind": "message", "weight": 1},
            {"from_person": "P-f:3", "to_person": "P-f:4", "kind": "reply", "weight": 1},
        ],
    }


class Seed:
    """Writes what the stages up to triage would have written."""

    name: ClassVar[str] = "seed"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = tuple(_tables())

    def __init__(self, leave_out: tuple[str, ...] = ()) -> None:
        self.leave_out = leave_out

    def targets(self, case: Case) -> list[str]:
        return ["f"]

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {}

    def input_fingerprint(self, case: Case, target: str) -> str:
        return fingerprint(self.outputs, self.leave_out)

    def run(self, ctx: StageContext) -> None:
        for table, table_rows in _tables().items():
            if table not in self.leave_out:
                ctx.writer(table).write_rows([{"source": "f", **r} for r in table_rows])


def _seed(case: Case, leave_out: tuple[str, ...] = ()) -> Case:
    [summary] = run_pipeline(case, stages=[Seed(leave_out)])
    assert summary.status == "ok"
    generate_signing_key(case)
    return case


@pytest.fixture
def lake_case(case: Case) -> Iterator[Case]:
    """The ``case`` fixture (SQLite and PostgreSQL), seeded, with a signing key."""
    yield _seed(case)


@pytest.fixture
def sqlite_lake(sqlite_case: Case) -> Iterator[Case]:
    yield _seed(sqlite_case)


def _build(case: Case, **kwargs: Any) -> dict[str, PackageResult]:
    return {r.country: r for r in build_packages(case, created_by="ana", **kwargs)}


def _doc(result: PackageResult) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((result.path / "package.json").read_text())
    return loaded


def test_one_package_per_country_persons_in_rank_order(lake_case: Case) -> None:
    built = _build(lake_case)
    assert sorted(built) == ["DE", "GB"]  # P-f:8 has no country: in no package
    gb = built["GB"]
    assert gb.path == lake_case.exports_dir / "referrals" / gb.referral_id
    assert re.fullmatch(r"REF-GB-\d{8}-1", gb.referral_id)
    assert sorted(p.name for p in gb.path.iterdir()) == [
        "manifest.json", "manifest.sig", "package.json", "report.html", "report.pdf", "signer.pub"
    ]  # fmt: skip
    doc = _doc(gb)
    assert [p["person_id"] for p in doc["persons"]] == ["P-f:3", "P-f:1"]
    assert [p["rank"] for p in doc["persons"]] == [1, 2]
    assert (doc["referral_id"], doc["country"], doc["created_by"]) == (gb.referral_id, "GB", "ana")
    assert doc["case"]["name"] == "Test operation" and doc["software"]["name"] == "rescue"
    assert doc["handling"] == HANDLING and doc["signer_fingerprint"] == gb.fingerprint
    assert doc["figures"] == {
        "persons": 2, "accounts": 3, "identifiers": 3, "known_files": 3,
        "new_material_clusters": 1, "flagged_persons": 0,
    }  # fmt: skip
    # The register holds the package: its manifest, hash, signature and persons with ranks.
    [registered] = list_referrals(lake_case, "GB")
    assert registered.id == gb.referral_id and registered.status == "draft"
    assert registered.package_path == f"exports/referrals/{gb.referral_id}/manifest.json"
    assert registered.package_sha256 == gb.manifest_sha256
    assert registered.signature == (gb.path / "manifest.sig").read_bytes().hex()
    assert [(p.person_id, p.rank, p.flagged_duplicate) for p in registered.persons] == [
        ("P-f:3", 1, False), ("P-f:1", 2, False)
    ]  # fmt: skip
    assert verify_package(gb.path).ok and verify_package(built["DE"].path).ok


def test_each_person_carries_what_a_partner_needs(sqlite_lake: Case) -> None:
    doc = _doc(_build(sqlite_lake, countries=["GB"])["GB"])
    first, second = doc["persons"]
    assert (first["tier"], first["priority"], first["indicators"]) == (
        "Very High", 80.0, ["indicator of P-f:3"]
    )  # fmt: skip
    assert first["priority_explanation"][0]["indicator"] == "known_files"
    assert (first["country"], first["country_confidence"], first["country_runner_up"]) == (
        "GB", 0.7, "IE"
    )  # fmt: skip
    assert first["attribution_evidence"] == [
        {"kind": "ip", "country": "GB", "weight": 1.0, "detail": "3 logins"}
    ]
    assert [a["account_id"] for a in second["accounts"]] == ["f:1", "f:2"]
    assert second["accounts"][0]["registered_at"] == "2024-01-01T12:00:00Z"
    ip = next(i for i in second["identifiers"] if i["kind"] == "ip")
    assert (ip["value"], ip["account_id"], ip["country"]) == (SHARED_IP, "f:2", "GB")
    assert [(lk["account_a"], lk["account_b"]) for lk in second["links"]] == [("f:1", "f:2")]
    assert second["activity"] == {
        "first_active_at": "2024-01-01T12:00:00Z",
        "last_active_at": "2024-03-05T12:00:00Z",
        "posts": 3,
        "messages": 1,
        "by_month": [
            {"month": "2024-01", "posts": 2, "messages": 0},
            {"month": "2024-03", "posts": 1, "messages": 1},
        ],
    }
    # Known material: counts by category, a file posted twice counted once, hashes only.
    assert first["known_material"] == {
        "files": 2,
        "by_category": [
            {"category": "A", "files": 1, "exact": 0, "near": 1, "times_posted": 2,
             "sha256": [S2], "known_ids": ["K2"]},
            {"category": "B", "files": 1, "exact": 1, "near": 0, "times_posted": 1,
             "sha256": [S3], "known_ids": ["K3"]},
        ],
    }  # fmt: skip
    [cluster] = first["new_material"]
    assert (cluster["cluster_id"], cluster["first_seen_at"], cluster["member_hashes"]) == (
        "c1", "2024-02-01T12:00:00Z", [{"sha256": N1, "pdq": "e" * 64}]
    )  # fmt: skip
    assert second["new_material"] == []
    network = first["network"]
    assert (network["role"], network["degree"], network["role_reasons"]) == (
        "producer", 2, ["producer because"]
    )  # fmt: skip
    assert network["ties"] == [
        {"tied_to": "P-f:1", "kinds": ["message", "reply"], "weight": 4, "country": "GB"},
        {"tied_to": "P-f:4", "kinds": ["reply"], "weight": 1, "country": "DE"},
    ]
    # Hashes only: no file name from the seized server anywhere in the package.
    text = json.dumps(doc)
    assert [name for name in ('"x1"', '"x2"', '"x3"', '"n1"', "f:n1") if name in text] == []


def test_the_report_is_inert_and_the_pdf_is_a_pdf(
    sqlite_lake: Case, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        gb = _build(sqlite_lake, countries=["GB"])["GB"]
    # Every CSS rule of the template is one WeasyPrint understands, and nothing was fetched.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    html = (gb.path / "report.html").read_text()
    lowered = html.lower()
    tags = r"<\s*(script|img|link|iframe|object|embed|video|audio|source|svg|base)\b"
    assert re.findall(tags, lowered) == []
    assert re.search(r"<[^>]*\s(src|href|style)\s*=", lowered) is None  # nothing to fetch
    assert "&lt;script&gt;" in html  # the forum's markup is shown as text, never run
    assert "default-src 'none'" in html
    assert HANDLING in html and gb.referral_id in html and gb.fingerprint in html
    assert html.index("P-f:3") < html.index("P-f:1")  # summary in rank order
    assert "telegram:@ColdPine" in html and "producer because" in html
    pdf = (gb.path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:] and len(pdf) > 5000


def test_a_changed_report_fails_verification_naming_it(sqlite_lake: Case) -> None:
    gb = _build(sqlite_lake, countries=["GB"])["GB"]
    report = gb.path / "report.html"
    data = bytearray(report.read_bytes())
    data[100] ^= 1
    report.write_bytes(bytes(data))
    result = verify_package(gb.path)
    assert not result.ok and result.signature_valid  # the manifest is intact; the file is not
    assert result.changed == ["report.html"]
    assert result.problems == ["report.html was changed: its SHA-256 differs from the manifest"]


def test_encrypted_package_opens_with_the_recipients_identity_only(
    lake_case: Case, tmp_path: Path
) -> None:
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    built = _build(lake_case, recipients={"GB": public})
    gb = built["GB"]
    # Only the encrypted form is delivered; its own signed manifest is checkable unopened.
    assert sorted(p.name for p in gb.path.iterdir()) == [
        "manifest.json", "manifest.sig", ARCHIVE, "signer.pub"
    ]  # fmt: skip
    outer = verify_package(gb.path, gb.fingerprint)
    assert outer.ok and outer.key_matches and outer.referral_id == gb.referral_id
    assert outer.encrypted_to == public
    assert json.loads((gb.path / "manifest.json").read_text())["encrypted_to"] == public
    assert not list((lake_case.exports_dir / "referrals").glob(".*"))  # no scratch left
    opened = decrypt_package(gb.path / ARCHIVE, str(identity), tmp_path / "opened")
    assert opened.name == gb.referral_id
    inner = verify_package(opened, gb.fingerprint)
    assert inner.ok and inner.files_checked == 3 and inner.encrypted_to is None
    assert json.loads((opened / "package.json").read_text())["country"] == "GB"
    with pytest.raises(InputError, match="cannot be decrypted"):
        decrypt_package(gb.path / ARCHIVE, str(pyrage.x25519.Identity.generate()), tmp_path / "x")
    assert built["DE"].encrypted_to is None and (built["DE"].path / "report.pdf").is_file()
    [registered] = list_referrals(lake_case, "GB")
    assert registered.encrypted_to == public


def test_recipients_can_come_from_case_toml(sqlite_lake: Case, tmp_path: Path) -> None:
    identity = pyrage.x25519.Identity.generate()
    set_case_settings(sqlite_lake.root, "refer", {"recipients": {"DE": str(identity.to_public())}})
    with open_case(sqlite_lake.root) as case:
        de = _build(case, countries=["DE"])["DE"]
    assert (de.path / ARCHIVE).is_file() and not (de.path / "report.html").exists()
    opened = decrypt_package(de.path / ARCHIVE, str(identity), tmp_path / "opened")
    assert verify_package(opened).ok
    set_case_settings(sqlite_lake.root, "refer", {"recipients": {"DE": "age1nonsense"}})
    with open_case(sqlite_lake.root) as case, pytest.raises(InputError, match="not an age"):
        _build(case, countries=["DE"])


def test_deconfliction_flags_in_the_package_and_the_register(
    lake_case: Case, tmp_path: Path
) -> None:
    listing = tmp_path / "nca.csv"
    listing.write_text("kind,value,reference\nemail,alice@example.org,NCA-7\n", encoding="utf-8")
    import_subjects(lake_case, listing, "NCA watch list", "NCA")
    first = _build(lake_case, countries=["GB"])["GB"]
    assert first.flagged == {
        "P-f:1": ["email alice@example.org of f:1 is on list 'NCA watch list' of NCA, ref NCA-7"]
    }
    [flag] = _doc(first)["persons"][1]["flags"]
    assert (flag["basis"], flag["reference"], flag["agency"]) == ("identifier", "NCA-7", "NCA")
    assert "is on list &#39;NCA watch list&#39; of NCA" in (first.path / "report.html").read_text()
    # DE's person shares an address with P-f:1, who has been referred now.
    de = _build(lake_case, countries=["DE"])["DE"]
    assert de.flagged == {
        "P-f:4": [f"ip {SHARED_IP} of f:4 is also held by P-f:1, already in referral "
                  f"{first.referral_id}"]
    }  # fmt: skip
    # Built again, every GB person is flagged as already referred, in the register too.
    again = _build(lake_case, countries=["GB"])["GB"]
    assert again.referral_id.endswith("-2")
    assert again.flagged["P-f:3"] == [f"already in referral {first.referral_id} to GB (draft)"]
    assert _doc(again)["figures"]["flagged_persons"] == 2
    registered = {r.id: r for r in list_referrals(lake_case)}
    assert [p.flagged_duplicate for p in registered[again.referral_id].persons] == [True, True]
    assert [p.flagged_duplicate for p in registered[first.referral_id].persons] == [False, True]


def test_without_the_optional_tables_the_package_says_what_is_not_known(
    sqlite_case: Case,
) -> None:
    optional = ("priorities", "graph_metrics", "graph_edges", "matches", "media_clusters",
                "posts", "messages", "media_hashes", "ip_locations")  # fmt: skip
    case = _seed(sqlite_case, leave_out=optional)
    gb = _build(case, countries=["GB"])["GB"]
    doc = _doc(gb)
    assert [p["person_id"] for p in doc["persons"]] == ["P-f:1", "P-f:3"]  # unranked: by id
    assert doc["ranked"] is False
    person = doc["persons"][0]
    assert (person["rank"], person["tier"], person["network"]) == (None, None, None)
    assert person["known_material"] == {"files": 0, "by_category": []}
    html = (gb.path / "report.html").read_text()
    assert "not ranked yet" in html and "the network stage has not run" in html
    assert verify_package(gb.path).ok


def test_mistakes_are_refused_before_any_work(sqlite_lake: Case) -> None:
    with pytest.raises(InputError, match="no person is attributed to FR"):
        _build(sqlite_lake, countries=["GB", "FR"])
    with pytest.raises(InputError, match="ISO 3166-1"):
        _build(sqlite_lake, countries=["UK"])
    with pytest.raises(InputError, match="not an age public key"):
        _build(sqlite_lake, recipients={"GB": "age1nonsense"})
    assert list_referrals(sqlite_lake) == []
    (sqlite_lake.root / "keys" / "signing.key").unlink()
    with pytest.raises(CaseError, match="no signing key") as missing:
        _build(sqlite_lake)
    assert missing.value.hint and "rescue refer keygen --case CASE_DIR" in missing.value.hint


def test_a_case_before_its_analysis_has_nothing_to_refer(sqlite_case: Case) -> None:
    generate_signing_key(sqlite_case)
    with pytest.raises(PipelineError, match="no persons table yet"):
        _build(sqlite_case)


def test_out_folder_and_signing_key_can_be_chosen(sqlite_lake: Case, tmp_path: Path) -> None:
    other = _seed_key(tmp_path)
    de = _build(sqlite_lake, countries=["DE"], out_dir=tmp_path / "out", signing_key=other)["DE"]
    assert de.path.parent == tmp_path / "out"
    assert verify_package(de.path, other.with_name("signing.pub")).ok
    case_key = sqlite_lake.root / "keys" / "signing.pub"
    assert not verify_package(de.path, case_key).ok
    [registered] = list_referrals(sqlite_lake)
    assert registered.package_path == str((de.path / "manifest.json").resolve())


def _seed_key(tmp_path: Path) -> Path:
    from rescue.case import init_case

    with init_case(tmp_path / "other-case") as other:
        return generate_signing_key(other).path


def test_refer_from_the_command_line(
    lake_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refer_cmd.console, "width", 250)
    monkeypatch.setattr(refer_cmd.err_console, "width", 250)
    listing = tmp_path / "nca.csv"
    listing.write_text("kind,value\nhandle,telegram:coldpine\n", encoding="utf-8")
    import_subjects(lake_case, listing, "NCA", "NCA")
    public = str(pyrage.x25519.Identity.generate().to_public())
    result = runner.invoke(app, ["refer", "--case", str(lake_case.root), "--country", "GB",
                                 "--recipient", f"GB={public}", "--by", "ana"])  # fmt: skip
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    [registered] = list_referrals(lake_case)
    assert registered.id in said and "to age1" in said and "Signed with key" in said
    assert "Deconfliction" in said and "handle telegram:@ColdPine of f:3 is on list" in said
    assert registered.created_by == "ana" and registered.encrypted_to == public
    folder = (lake_case.root / registered.package_path).parent
    verified = runner.invoke(app, ["refer", "verify", str(folder)])
    assert verified.exit_code == 0, verified.output
    assert f"Encrypted to {public}" in " ".join(verified.output.split())
    bad = runner.invoke(app, ["refer", "--case", str(lake_case.root), "--recipient", "GB"])
    assert bad.exit_code == 2 and "not COUNTRY=KEY" in bad.output
    nothing = runner.invoke(app, ["refer", "--country", "GB"])
    assert nothing.exit_code == 2 and "rescue refer --case CASE_DIR" in nothing.output


@pytest.mark.slow
def test_a_partner_without_rescue_can_check_the_signature(sqlite_lake: Case) -> None:
    gb = _build(sqlite_lake, countries=["GB"])["GB"]
    # The command the sign module's docstring gives partners, with OpenSSL 3.
    check = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "signer.pub", "-rawin",
         "-in", "manifest.json", "-sigfile", "manifest.sig"],
        cwd=gb.path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0 and "Signature Verified Successfully" in check.stdout


def test_a_number_taken_meanwhile_is_reported_not_hidden(
    sqlite_lake: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rescue.operation import package

    # As if another analyst's build for DE had registered this number a moment before.
    monkeypatch.setattr(package, "_next_referral_id", lambda *_: "REF-DE-20240101-7")
    with pytest.raises(StoreError, match="took that number meanwhile") as raced:
        _build(sqlite_lake, countries=["DE"])
    [registered] = list_referrals(sqlite_lake)
    assert raced.value.message.endswith(f"registered as {registered.id}")
    assert (sqlite_lake.exports_dir / "referrals" / "REF-DE-20240101-7").is_dir()


def test_rendering_leaves_pillow_refusing_truncated_images() -> None:
    """WeasyPrint switches Pillow's truncated-image loading on when imported; evidence
    hashing in the same process must still refuse a cut-short file."""
    from PIL import ImageFile

    from rescue.media.decode import Rejected, decode
    from rescue.operation.package_render import render_pdf
    from rescue.synth import images

    render_pdf("<html><body><p>x</p></body></html>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as any other library might leave it
    try:
        import random

        whole = images.encode(images.draw_picture(random.Random(3)), "png").data
        assert isinstance(decode(whole[: len(whole) // 3]), Rejected)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
