"""Referral packages: per country, what its police need to act on, signed, optionally encrypted.

``build_packages`` makes one package per country that has at least one attributed person:

1. the persons in priority order with everything a partner needs (``package_data``) and the
   deconfliction flags a partner must see before acting (``package_flags``);
2. ``package.json`` (the machine-readable package), then ``report.html`` rendered from the same
   content and ``report.pdf`` rendered from that very HTML (``package_render``);
3. ``manifest.json`` over those files, signed with the case's Ed25519 key (``sign``);
4. with a recipient key: the signed folder tarred and encrypted to it, and the encrypted
   archive signed in turn (``package_seal``);
5. the finished folder moved into place in one rename, then registered as a draft referral.

The package carries its own referral id (REF-GB-20240501-1), so the id is taken before the
build by the register's own numbering rule, and the registration must come back with the same
one. Two builds for one country in the same second can still race for the number: the second
then fails with a message saying so, and is built again.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rescue.case import Case
from rescue.errors import InputError, StoreError
from rescue.operation import fields
from rescue.operation.package_data import persons_by_country, plain
from rescue.operation.package_flags import package_flags
from rescue.operation.package_render import render_html, render_pdf
from rescue.operation.package_seal import case_recipients, check_recipient, seal
from rescue.operation.referrals import register_referral
from rescue.operation.sign import KEY_PATH, MANIFEST, fingerprint, load_signing_key, sign_folder
from rescue.progress import NO_PROGRESS, Progress
from rescue.security.audit import record

PACKAGE_FORMAT = "rescue-referral-package/1"
HANDLING = "OFFICIAL-SENSITIVE: for the named law-enforcement recipient only"
CONTENT_NOTE = (
    "This package holds hashes and metadata only: it contains no image, video or other file "
    "from the seizure."
)


@dataclass(frozen=True)
class PackageResult:
    referral_id: str
    country: str
    path: Path  # the package folder
    persons: int
    flagged: dict[str, list[str]]  # person_id -> what matched, for flagged persons only
    encrypted_to: str | None  # the recipient's age public key
    manifest_sha256: str  # as registered
    fingerprint: str  # of the signing key


def build_packages(
    case: Case,
    *,
    countries: list[str] | None = None,
    out_dir: Path | None = None,
    signing_key: Path | None = None,
    recipients: dict[str, str] | None = None,
    created_by: str,
    progress: Progress = NO_PROGRESS,
    source: str = "cli",
) -> list[PackageResult]:
    """Build, sign, (encrypt) and register one package per country; most persons first.

    ``countries``: only these (each must have an attributed person); default: all.
    ``out_dir``: where the package folders go; default ``exports/referrals/`` in the case.
    ``signing_key``: default the case's ``keys/signing.key`` (``rescue refer keygen``).
    ``recipients``: country -> age public key; added to, and winning over, case.toml's
    ``[refer.recipients]``. A country with a recipient gets only the encrypted package."""
    author = fields.name(created_by, "who builds the packages")
    wanted = sorted({fields.country(c) for c in countries}) if countries else None
    # The key and the recipients are checked before any work, so a mistake costs nothing.
    key = load_signing_key(signing_key or case.root / KEY_PATH)
    to = case_recipients(case)
    for country, recipient in (recipients or {}).items():
        code = fields.country(country)
        to[code] = check_recipient(recipient, code)
    by_country = persons_by_country(case, wanted)
    _require_persons(wanted, by_country)
    root = out_dir or case.exports_dir / "referrals"
    order = sorted(by_country, key=lambda c: (-len(by_country[c]), c))
    task = progress.task("Building referral packages", total=len(order))
    results = []
    for country in order:
        results.append(
            _build_one(case, country, by_country[country], root, key, to.get(country), author)
        )
        task.advance()
    for r in results:
        detail = {"what": "referral package", "country": r.country, "persons": r.persons}
        record(case, author, "export", target=r.referral_id, detail=detail, source=source)
    return results


def _require_persons(wanted: list[str] | None, found: dict[str, list[dict[str, Any]]]) -> None:
    if not found:
        raise InputError(
            "no person is attributed to a country"
            + (f" of {', '.join(wanted)}" if wanted else " yet"),
            "run the stages first (rescue run --case CASE_DIR); see countries with: "
            "rescue figures --case CASE_DIR",
        )
    empty = [c for c in wanted or [] if c not in found]
    if empty:
        raise InputError(
            f"no person is attributed to {', '.join(empty)}; nothing was built",
            "leave those countries out; see countries with: rescue figures --case CASE_DIR",
        )


def _build_one(
    case: Case,
    country: str,
    persons: list[dict[str, Any]],
    root: Path,
    key: Ed25519PrivateKey,
    recipient: str | None,
    author: str,
) -> PackageResult:
    ids = [p["person_id"] for p in persons]
    flags = package_flags(case, ids)
    for person in persons:
        person["flags"] = flags[person["person_id"]]
    now = datetime.now(UTC).replace(microsecond=0)
    referral_id = _next_referral_id(case, country, now)
    final = root / referral_id
    if final.exists():
        raise InputError(
            f"{final} exists already; nothing was overwritten",
            "choose another --out folder, or move the old package away",
        )
    signer = fingerprint(key.public_key())
    document = _document(case, referral_id, country, persons, now, author, signer)
    root.mkdir(parents=True, exist_ok=True)
    # A scratch folder of its own (hidden, 0700, removed whatever happens): a concurrent build
    # for the same country cannot touch it, and the plaintext is never where packages lie.
    work = Path(tempfile.mkdtemp(prefix=f".{referral_id}.", dir=root))
    try:
        inner = work / referral_id
        inner.mkdir(parents=True)
        _write_files(inner, document, signer)
        about = {
            "referral_id": referral_id,
            "country": country,
            "created_at": document["created_at"],
        }
        signed = sign_folder(inner, key, {**about, "encrypted_to": None})
        ready = inner
        if recipient is not None:
            ready = work / "sealed"
            seal(inner, ready, recipient, country)
            signed = sign_folder(ready, key, {**about, "encrypted_to": recipient})
        _move(ready, final, country)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    try:
        record = register_referral(
            case, country, [(p["person_id"], p["rank"]) for p in persons], final / MANIFEST,
            signed.manifest_sha256, signed.signature, recipient, author,
        )  # fmt: skip
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)  # no package without its register entry
        raise
    if record.id != referral_id:
        raise StoreError(
            f"the package in {final} says {referral_id}, but another referral to {country} took "
            f"that number meanwhile and it was registered as {record.id}",
            f"build the package for {country} again; then ignore draft {record.id}",
        )
    return PackageResult(
        referral_id=referral_id,
        country=country,
        path=final,
        persons=len(persons),
        flagged={
            p["person_id"]: [f["explanation"] for f in p["flags"]] for p in persons if p["flags"]
        },
        encrypted_to=recipient,
        manifest_sha256=signed.manifest_sha256,
        fingerprint=signed.fingerprint,
    )


def _move(ready: Path, final: Path, country: str) -> None:
    try:
        ready.rename(final)  # one step: a package folder is complete or absent
    except OSError:
        if not final.exists():
            raise
        raise StoreError(
            f"another build for {country} finished {final.name} first; nothing was overwritten",
            f"build the package for {country} again",
        ) from None


def _next_referral_id(case: Case, country: str, now: datetime) -> str:
    # The register's own numbering rule, so the id in the package is the one it will give.
    from rescue.operation.referrals import _next_id

    with case.store.session() as session:
        return _next_id(session, country, now)


def _document(
    case: Case,
    referral_id: str,
    country: str,
    persons: list[dict[str, Any]],
    now: datetime,
    author: str,
    signer: str,
) -> dict[str, Any]:
    from rescue import __version__

    hashes = {h for p in persons for c in p["known_material"]["by_category"] for h in c["sha256"]}
    return {
        "format": PACKAGE_FORMAT,
        "referral_id": referral_id,
        "country": country,
        "created_at": plain(now),
        "created_by": author,
        "handling": HANDLING,
        "content_note": CONTENT_NOTE,
        "case": {"id": case.info.id, "name": case.info.name, "authority": case.info.authority},
        "software": {"name": "rescue", "version": __version__},
        "signer_fingerprint": signer,
        "ranked": any(p["rank"] is not None for p in persons),
        "figures": {
            "persons": len(persons),
            "accounts": sum(len(p["accounts"]) for p in persons),
            "identifiers": sum(len(p["identifiers"]) for p in persons),
            "known_files": len(hashes),
            "new_material_clusters": sum(len(p["new_material"]) for p in persons),
            "flagged_persons": sum(1 for p in persons if p["flags"]),
        },
        "persons": persons,
    }


def _write_files(folder: Path, document: dict[str, Any], signer: str) -> None:
    text = json.dumps(_finite(document), indent=2, ensure_ascii=False, allow_nan=False)
    (folder / "package.json").write_text(text + "\n", encoding="utf-8")
    # The report is rendered from the JSON as written, so the two cannot say different things.
    html = render_html(json.loads(text), signer)
    (folder / "report.html").write_text(html, encoding="utf-8")
    (folder / "report.pdf").write_bytes(render_pdf(html))


def _finite(value: Any) -> Any:
    """NaN and infinities (a metric over an empty graph) as null: JSON has no such numbers."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
