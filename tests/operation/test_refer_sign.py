"""Signing and verifying package folders, and the case's signing key; no lake needed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli import refer_cmd
from rescue.errors import CaseError, InputError
from rescue.operation.sign import (
    KEY_PATH,
    MANIFEST,
    SIGNATURE,
    SIGNER,
    fingerprint,
    generate_signing_key,
    load_signing_key,
    sign_folder,
    spaced,
    verify_package,
)

runner = CliRunner()
app = typer.Typer()
app.add_typer(refer_cmd.refer_app, name="refer")


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Ed25519PrivateKey]:
    folder = tmp_path / "REF-GB-20240501-1"
    (folder / "sub").mkdir(parents=True)
    (folder / "package.json").write_text('{"persons": []}\n')
    (folder / "report.html").write_text("<p>report</p>\n")
    (folder / "sub" / "note.txt").write_bytes(b"\x00\x01binary")
    key = Ed25519PrivateKey.generate()
    sign_folder(folder, key, {"referral_id": folder.name, "country": "GB"})
    return folder, key


def test_a_signed_folder_verifies(signed: tuple[Path, Ed25519PrivateKey]) -> None:
    folder, key = signed
    manifest = json.loads((folder / MANIFEST).read_text())
    assert [f["path"] for f in manifest["files"]] == ["package.json", "report.html", "sub/note.txt"]
    assert manifest["referral_id"] == folder.name and manifest["country"] == "GB"
    assert len((folder / SIGNATURE).read_bytes()) == 64
    assert (folder / SIGNER).read_text().startswith("-----BEGIN PUBLIC KEY-----")
    result = verify_package(folder)
    assert result.ok and result.signature_valid and result.key_matches is None
    assert (result.files_checked, result.referral_id) == (3, folder.name)
    assert result.fingerprint == fingerprint(key.public_key())


def test_changed_missing_and_added_files_are_named(signed: tuple[Path, Ed25519PrivateKey]) -> None:
    folder, _ = signed
    (folder / "sub" / "note.txt").write_bytes(b"\x00\x01binarY")
    (folder / "package.json").unlink()
    (folder / "extra.html").write_text("<p>not signed</p>")
    result = verify_package(folder)
    assert not result.ok and result.signature_valid
    assert (result.changed, result.missing, result.unlisted) == (
        ["sub/note.txt"], ["package.json"], ["extra.html"]
    )  # fmt: skip
    assert result.problems == [
        "package.json is missing",
        "sub/note.txt was changed: its SHA-256 differs from the manifest",
        "extra.html is not in the manifest: no signature covers it",
    ]


def test_an_edited_manifest_breaks_the_signature(signed: tuple[Path, Ed25519PrivateKey]) -> None:
    folder, _ = signed
    # Someone swaps a file and fixes up its hash in the manifest: the signature catches it.
    (folder / "report.html").write_text("<p>other</p>\n")
    manifest = json.loads((folder / MANIFEST).read_text())
    import hashlib

    manifest["files"][1]["sha256"] = hashlib.sha256(b"<p>other</p>\n").hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest))
    result = verify_package(folder)
    assert not result.signature_valid and result.changed == []
    assert result.problems == ["the signature does not match manifest.json: it was changed"]


def test_a_re_signed_package_passes_only_without_the_expected_key(
    signed: tuple[Path, Ed25519PrivateKey], tmp_path: Path
) -> None:
    folder, key = signed
    (folder / "report.html").write_text("<p>altered</p>\n")
    forger = Ed25519PrivateKey.generate()
    sign_folder(folder, forger, {"referral_id": folder.name})
    assert verify_package(folder).ok  # internally consistent: why --key matters
    expected = fingerprint(key.public_key())
    for given in (expected, spaced(expected), expected.upper()):
        result = verify_package(folder, given)
        assert not result.ok and result.key_matches is False
        assert result.problems == [
            f"signed with key {fingerprint(forger.public_key())[:16]}..., not the expected key"
        ]
    pem = tmp_path / "sender.pub"
    pem.write_bytes((folder / SIGNER).read_bytes())
    assert verify_package(folder, pem).key_matches is True  # the forger's own key, as a file
    with pytest.raises(InputError, match="neither a key file nor a fingerprint"):
        verify_package(folder, "abc123")


def test_broken_signing_files_are_problems_not_crashes(
    signed: tuple[Path, Ed25519PrivateKey],
) -> None:
    folder, _ = signed
    (folder / SIGNATURE).unlink()
    assert verify_package(folder).problems == [
        "manifest.sig is missing: the manifest is not signed"
    ]
    (folder / SIGNER).write_text("not a key")
    assert "signer.pub is not an Ed25519 public key" in verify_package(folder).problems
    (folder / MANIFEST).write_text('{"format": "something else", "files": []}')
    assert "manifest.json is not a Rescue referral manifest" in verify_package(folder).problems
    with pytest.raises(InputError, match=r"no manifest\.json"):
        verify_package(folder / "sub")


def test_a_manifest_cannot_point_outside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("outside")
    key = Ed25519PrivateKey.generate()
    sign_folder(folder, key, {})
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"] = [{"path": "../secret.txt", "sha256": "0" * 64}]
    body = json.dumps(manifest).encode()
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_bytes(key.sign(body))
    result = verify_package(folder)
    assert result.problems == ["manifest.json lists a path outside the package: '../secret.txt'"]


def test_keygen_writes_a_private_key_only_its_owner_reads(sqlite_case: Case) -> None:
    made = generate_signing_key(sqlite_case)
    assert made.path == sqlite_case.root / KEY_PATH
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700
    key = load_signing_key(made.path)
    assert fingerprint(key.public_key()) == made.fingerprint
    before = made.path.read_bytes()
    with pytest.raises(CaseError, match="exists already; it was not replaced"):
        generate_signing_key(sqlite_case)
    assert made.path.read_bytes() == before


def test_bad_key_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no signing key"):
        load_signing_key(tmp_path / "none.key")
    junk = tmp_path / "junk.key"
    junk.write_text("not a key")
    with pytest.raises(InputError, match="not an unencrypted PEM private key"):
        load_signing_key(junk)


def test_keygen_and_verify_from_the_command_line(
    sqlite_case: Case, signed: tuple[Path, Ed25519PrivateKey], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refer_cmd.console, "width", 250)
    made = runner.invoke(app, ["refer", "keygen", "--case", str(sqlite_case.root)])
    assert made.exit_code == 0, made.output
    fp = fingerprint(load_signing_key(sqlite_case.root / KEY_PATH).public_key())
    assert spaced(fp) in made.output and "another channel" in made.output
    again = runner.invoke(app, ["refer", "keygen", "--case", str(sqlite_case.root)])
    assert again.exit_code == 2 and "exists already" in again.output
    folder, key = signed
    ok = runner.invoke(app, ["refer", "verify", str(folder)])
    assert ok.exit_code == 0 and "OK" in ok.output and "anyone can re-sign" in ok.output
    expected = fingerprint(key.public_key())
    ok = runner.invoke(app, ["refer", "verify", str(folder), "--key", expected])
    assert ok.exit_code == 0 and "anyone can re-sign" not in ok.output
    wrong = runner.invoke(app, ["refer", "verify", str(folder), "--key", fp])
    assert wrong.exit_code == 1 and "not the expected key" in wrong.output
    (folder / "report.html").write_text("changed")
    bad = runner.invoke(app, ["refer", "verify", str(folder)])
    assert bad.exit_code == 1 and "FAIL report.html was changed" in bad.output
    nowhere = runner.invoke(app, ["refer", "verify", str(folder / "nowhere")])
    assert nowhere.exit_code == 2 and "no manifest.json" in nowhere.output
