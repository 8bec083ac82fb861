"""Signing referral packages: the case's Ed25519 key, the signed manifest, and its verification.

A package folder holds its files plus three that vouch for them:

    manifest.json   every other file with its size and SHA-256, and what the package is
    manifest.sig    the raw 64-byte Ed25519 signature over manifest.json's exact bytes
    signer.pub      the signer's public key, PEM (SubjectPublicKeyInfo)

So a recipient without Rescue can check a package with OpenSSL 3 and sha256sum:

    openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -in manifest.json -sigfile manifest.sig

A signature made with the key that travels in the package proves only that nobody changed the
files after whoever signed them; anyone can re-sign an altered package with a key of their own.
What proves the origin is the key's fingerprint, given to the partner out of band (printed by
``rescue refer keygen``) and checked with ``rescue refer verify --key``.

The private key is ``keys/signing.key`` in the case folder (PKCS#8 PEM, unencrypted, mode
0600): whoever can read the case folder can sign for it, so the case folder must be protected as
the evidence in it already requires.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rescue.case import Case
from rescue.errors import CaseError, InputError

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNER = "signer.pub"
SIGNING_FILES = (MANIFEST, SIGNATURE, SIGNER)
MANIFEST_FORMAT = "rescue-referral-manifest/1"
KEY_PATH = Path("keys") / "signing.key"
PUBLIC_PATH = Path("keys") / "signing.pub"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SigningKeyInfo:
    path: Path
    public_path: Path
    fingerprint: str


@dataclass(frozen=True)
class Signed:
    manifest_sha256: str
    signature: str  # hex, as the referrals register keeps it
    fingerprint: str


@dataclass
class VerifyResult:
    path: Path
    referral_id: str | None = None
    encrypted_to: str | None = None  # the folder holds the package encrypted to this age key
    fingerprint: str | None = None  # of the key the package carries
    signature_valid: bool = False
    key_matches: bool | None = None  # None: no expected key was given
    files_checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # present, but no signature covers them
    problems: list[str] = field(default_factory=list)  # everything above, as sentences

    @property
    def ok(self) -> bool:
        return not self.problems


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: what a partner is told out of band."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def spaced(fp: str) -> str:
    """A fingerprint in groups of four, for reading it out over the phone."""
    return " ".join(fp[i : i + 4] for i in range(0, len(fp), 4))


def generate_signing_key(case: Case) -> SigningKeyInfo:
    """Create the case's signing key; refuse to replace one (packages signed with it would no
    longer match the fingerprint partners were given)."""
    path = case.root / KEY_PATH
    if path.exists():
        raise CaseError(
            f"{path} exists already; it was not replaced",
            "keep using it; to start over, move it away deliberately and tell the partners "
            "the new fingerprint",
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: two keygens at once cannot both write; 0600 is set at creation, never widened.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = case.root / PUBLIC_PATH
    public.write_bytes(_public_pem(key.public_key()))
    return SigningKeyInfo(path, public, fingerprint(key.public_key()))


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    if not path.is_file():
        raise CaseError(
            f"no signing key at {path}",
            "create the case's key with: rescue refer keygen --case CASE_DIR "
            "(or give one with --key)",
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"{path} is not an unencrypted PEM private key ({exc})",
            "give the key rescue refer keygen made",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an Ed25519 key", "give the key rescue refer keygen made")
    return key


def sign_folder(folder: Path, key: Ed25519PrivateKey, about: dict[str, Any]) -> Signed:
    """Write manifest.json over every file in ``folder``, its signature and the public key.

    ``about`` goes into the manifest as it is (referral id, country, ...)."""
    files = [_entry(folder, p) for p in _payload(folder)]
    manifest = {"format": MANIFEST_FORMAT, **about, "files": files}
    body = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    signature = key.sign(body)
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_bytes(signature)
    (folder / SIGNER).write_bytes(_public_pem(key.public_key()))
    return Signed(hashlib.sha256(body).hexdigest(), signature.hex(), fingerprint(key.public_key()))


def verify_package(path: Path, expected_key: str | Path | None = None) -> VerifyResult:
    """Check the manifest's signature, then every file against it.

    ``expected_key``: a public key file (PEM or raw 32 bytes) or its fingerprint; without one,
    the result shows only that the files are as the carried key's holder signed them."""
    if not (path / MANIFEST).is_file():
        raise InputError(
            f"no {MANIFEST} in {path}", "give the package's folder (the one holding manifest.json)"
        )
    result = VerifyResult(path)
    body = (path / MANIFEST).read_bytes()
    public = _carried_key(path, result)
    if public is not None:
        result.fingerprint = fingerprint(public)
        result.signature_valid = _signature_valid(path, public, body, result)
        if expected_key is not None:
            result.key_matches = result.fingerprint == _expected_fingerprint(expected_key)
            if not result.key_matches:
                result.problems.append(
                    f"signed with key {result.fingerprint[:16]}..., not the expected key"
                )
    manifest = _manifest(body, result)
    if manifest is not None:
        result.referral_id = manifest.get("referral_id")
        result.encrypted_to = manifest.get("encrypted_to")
        _check_files(path, manifest["files"], result)
    return result


def _payload(folder: Path) -> list[str]:
    """Every file under ``folder`` except the signing files, as sorted POSIX paths."""
    found = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in SIGNING_FILES:
            found.append(rel)
    return sorted(found)


def _entry(folder: Path, rel: str) -> dict[str, Any]:
    target = folder / rel
    return {"path": rel, "size": target.stat().st_size, "sha256": _sha256(target)}


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_public(data: bytes) -> Ed25519PublicKey | None:
    try:
        key = (
            Ed25519PublicKey.from_public_bytes(data)
            if len(data) == 32
            else serialization.load_pem_public_key(data)
        )
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def _carried_key(path: Path, result: VerifyResult) -> Ed25519PublicKey | None:
    if not (path / SIGNER).is_file():
        result.problems.append(f"{SIGNER} is missing: the signature cannot be checked")
        return None
    public = _load_public((path / SIGNER).read_bytes())
    if public is None:
        result.problems.append(f"{SIGNER} is not an Ed25519 public key")
    return public


def _signature_valid(
    path: Path, public: Ed25519PublicKey, body: bytes, result: VerifyResult
) -> bool:
    if not (path / SIGNATURE).is_file():
        result.problems.append(f"{SIGNATURE} is missing: the manifest is not signed")
        return False
    try:
        public.verify((path / SIGNATURE).read_bytes(), body)
    except InvalidSignature:
        result.problems.append(f"the signature does not match {MANIFEST}: it was changed")
        return False
    return True


def _expected_fingerprint(expected: str | Path) -> str:
    candidate = Path(expected)
    if candidate.is_file():
        public = _load_public(candidate.read_bytes())
        if public is None:
            raise InputError(
                f"{candidate} is not an Ed25519 public key",
                "give the signer's signing.pub, or its fingerprint",
            )
        return fingerprint(public)
    text = re.sub(r"[\s:]", "", str(expected)).lower()
    if not _HEX64.fullmatch(text):
        raise InputError(
            f"{str(expected)[:40]!r} is neither a key file nor a fingerprint",
            "give the signer's public key file, or its 64-hex-digit fingerprint",
        )
    return text


def _manifest(body: bytes, result: VerifyResult) -> dict[str, Any] | None:
    try:
        manifest = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result.problems.append(f"{MANIFEST} is not valid JSON ({exc})")
        return None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != MANIFEST_FORMAT
        or not isinstance(manifest.get("files"), list)
        or not all(isinstance(f, dict) for f in manifest["files"])
    ):
        result.problems.append(f"{MANIFEST} is not a Rescue referral manifest")
        return None
    return manifest


def _check_files(root: Path, files: list[dict[str, Any]], result: VerifyResult) -> None:
    listed: set[str] = set()
    for entry in files:
        rel = str(entry.get("path", ""))
        parts = Path(rel).parts
        # A manifest must not point outside its folder, signed or not.
        if not rel or Path(rel).is_absolute() or ".." in parts:
            result.problems.append(f"{MANIFEST} lists a path outside the package: {rel!r}")
            continue
        listed.add(rel)
        target = root / rel
        if not target.is_file():
            result.missing.append(rel)
            result.problems.append(f"{rel} is missing")
            continue
        result.files_checked += 1
        if _sha256(target) != entry.get("sha256"):
            result.changed.append(rel)
            result.problems.append(f"{rel} was changed: its SHA-256 differs from the manifest")
    for rel in _payload(root):
        if rel not in listed:
            result.unlisted.append(rel)
            result.problems.append(f"{rel} is not in the manifest: no signature covers it")
