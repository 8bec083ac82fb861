"""Encrypting a package to its recipient with age (X25519), so only that partner can open it.

The signed package folder is put in a tar (one top folder named by the referral id) and the tar
encrypted with pyrage to the recipient's age public key as ``package.tar.age``. The exports
folder then keeps only the encrypted form: the plaintext is built in a scratch folder beside it
and removed, so what an analyst copies to the partner cannot be the unencrypted one by mistake.

The encrypted archive is signed in turn: the delivered folder holds ``package.tar.age`` with its
own manifest.json, manifest.sig and signer.pub, so integrity and sender can be checked before
anyone decrypts, and the inner package verifies again after decryption. A partner without
Rescue decrypts with the age tool: ``age -d -i KEY_FILE package.tar.age | tar x``.

Recipients come from ``--recipient CC=age1...`` or from case.toml:

    [refer.recipients]
    GB = "age1..."
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pyrage  # type: ignore[import-untyped]

from rescue.case import Case
from rescue.errors import CaseError, InputError
from rescue.operation import fields

ARCHIVE = "package.tar.age"


def parse_recipients(specs: Iterable[str]) -> dict[str, str]:
    """``["GB=age1...", ...]`` -> {"GB": "age1..."}; each key is checked."""
    found: dict[str, str] = {}
    for spec in specs:
        code, eq, key = spec.partition("=")
        if not eq or not key.strip():
            raise InputError(
                f"--recipient {spec!r} is not COUNTRY=KEY", "write it as GB=age1... (one a country)"
            )
        country = fields.country(code)
        if country in found:
            raise InputError(f"two recipients for {country}", "give one age key per country")
        found[country] = check_recipient(key.strip(), country)
    return found


def case_recipients(case: Case) -> dict[str, str]:
    """The ``[refer.recipients]`` table of case.toml (country -> age public key)."""
    table: Any = case.settings("refer").get("recipients", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise CaseError(
            '[refer.recipients] in case.toml is not a table of country = "age1..." lines',
            'write it as: [refer.recipients] then GB = "age1..."',
        )
    return {fields.country(c): check_recipient(k, c) for c, k in table.items()}


def check_recipient(key: str, country: str) -> str:
    _recipient(key, country)
    return key


def _recipient(key: str, country: str) -> object:
    """The parsed key: opaque to us, handed back to pyrage (which ships no type hints)."""
    try:
        return cast(object, pyrage.x25519.Recipient.from_str(key))
    except pyrage.RecipientError as exc:
        raise InputError(
            f"the recipient key for {country} is not an age public key ({exc})",
            "give the partner's key as age-keygen prints it: age1... (62 characters)",
        ) from None


def seal(folder: Path, into: Path, recipient: str, country: str) -> Path:
    """Tar ``folder`` (as a top folder of its own name) and encrypt it into ``into``/ARCHIVE."""
    into.mkdir(parents=True, exist_ok=True)
    plain = into / (ARCHIVE + ".tar-plain")
    with tarfile.open(plain, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                arcname = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                tar.add(path, arcname=arcname, recursive=False, filter=_anonymous)
    archive = into / ARCHIVE
    try:
        pyrage.encrypt_file(str(plain), str(archive), [_recipient(recipient, country)])
    finally:
        plain.unlink()
    return archive


def decrypt_package(archive: Path, identity: str, out_dir: Path) -> Path:
    """Decrypt ``package.tar.age`` with an age identity (AGE-SECRET-KEY-1...) into ``out_dir``;
    returns the package folder it held, ready for ``verify_package``."""
    try:
        key = pyrage.x25519.Identity.from_str(identity.strip())
    except pyrage.IdentityError as exc:
        raise InputError(
            f"not an age identity ({exc})", "give the AGE-SECRET-KEY-1... line"
        ) from None
    try:
        plain = pyrage.decrypt(archive.read_bytes(), [key])
    except pyrage.DecryptError as exc:
        raise InputError(
            f"{archive} cannot be decrypted with this identity ({exc})",
            "use the identity whose public key the package was encrypted to",
        ) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = out_dir / (archive.name + ".tar")
    scratch.write_bytes(plain)
    try:
        with tarfile.open(scratch) as tar:
            tops = {Path(m.name).parts[0] for m in tar.getmembers()}
            # The "data" filter refuses absolute paths, "..", links out of the folder, devices.
            tar.extractall(out_dir, filter="data")
    finally:
        scratch.unlink()
    if len(tops) != 1:
        raise InputError(f"{archive} does not hold one package folder", "ask the sender")
    return out_dir / tops.pop()


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # The builder's login and numeric ids are nothing the partner needs.
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    return info
