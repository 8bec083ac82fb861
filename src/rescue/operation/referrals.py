"""The referrals register: each package sent to a partner force, who is in it, how far it got.

A referral is registered when its package is built (status ``draft``), then moves forward
only: sent, received by the partner, acknowledged. The package's SHA-256 is checked against the
file at registration, so the register can later prove which bytes went to which country.
Each person is kept with the rank they had then and whether deconfliction flagged them (already
referred, or on another agency's list): a partner must be told about a possible duplicate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rescue.case import Case
from rescue.errors import InputError, StoreError
from rescue.operation import fields
from rescue.operation.lake import require_persons
from rescue.ops.models import Referral, ReferralPerson

STATUSES = ("draft", "sent", "received", "acknowledged")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ATTEMPTS = 5  # two analysts registering for one country on one day race for the number


@dataclass(frozen=True)
class ReferredPerson:
    person_id: str
    rank: int | None  # 1 = most urgent, when the referral was made; None before triage ran
    flagged_duplicate: bool


@dataclass(frozen=True)
class ReferralRecord:
    id: str
    country: str
    created_at: datetime
    created_by: str
    persons: tuple[ReferredPerson, ...]
    package_path: str  # relative to the case folder when it lies inside it
    package_sha256: str
    signature: str | None
    encrypted_to: str | None  # the recipient's age public key
    status: str
    sent_at: datetime | None
    received_at: datetime | None
    acknowledged_at: datetime | None


def register_referral(
    case: Case,
    country: str,
    persons: Sequence[tuple[str, int | None]],
    package_path: Path | str,
    package_sha256: str,
    signature: str | None,
    encrypted_to: str | None,
    created_by: str,
) -> ReferralRecord:
    """Record a built package as a draft referral; its persons are deconflicted first."""
    from rescue.operation.deconflict import deconfliction

    code = fields.country(country)
    author = fields.name(created_by, "who made the referral")
    ids = [person_id for person_id, _ in persons]
    if not ids:
        raise InputError("a referral needs at least one person", "choose the persons to refer")
    doubled = sorted({p for p in ids if ids.count(p) > 1})
    if doubled:
        raise InputError(f"{', '.join(doubled)} listed twice", "list each person once")
    require_persons(case, ids)
    stored_path = _check_package(case, Path(package_path), package_sha256)
    if encrypted_to is not None and not encrypted_to.startswith("age1"):
        raise InputError(
            f"{encrypted_to[:20]!r} is not an age public key",
            "give the recipient's key as age prints it: age1...",
        )
    flagged = {p for p, hits in deconfliction(case, ids).items() if hits}
    for _ in range(_ATTEMPTS):
        now = datetime.now(UTC)
        try:
            with case.store.session() as session:
                row = Referral(
                    id=_next_id(session, code, now),
                    country=code,
                    created_at=now,
                    created_by=author,
                    persons=len(ids),
                    package_path=stored_path,
                    package_sha256=package_sha256,
                    signature=signature,
                    encrypted_to=encrypted_to,
                    status="draft",
                )
                session.add(row)
                session.flush()  # the referral first: its persons refer to it
                session.add_all(
                    ReferralPerson(
                        referral_id=row.id, person_id=p, rank=rank, flagged_duplicate=p in flagged
                    )
                    for p, rank in persons
                )
        except IntegrityError:
            continue  # someone took this number meanwhile; take the next one
        return get_referral(case, row.id)
    raise StoreError(
        f"could not number a new referral for {code} after {_ATTEMPTS} attempts",
        "try again; if it keeps failing, check that the operations database is writable",
    )


def mark_referral(
    case: Case, referral_id: str, status: str, when: datetime | None = None
) -> ReferralRecord:
    """Move a referral forward (sent, received, acknowledged); never back."""
    if status not in STATUSES[1:]:
        raise InputError(f"unknown referral status {status!r}", f"use {', '.join(STATUSES[1:])}")
    moment = fields.not_future_time(when or datetime.now(UTC), f"the time it was {status}")
    with case.store.session() as session:
        row = _row(session, referral_id)
        if STATUSES.index(status) <= STATUSES.index(row.status):
            raise InputError(
                f"referral {referral_id} is {row.status} already; it cannot become {status}",
                f"a referral moves forward only: {' -> '.join(STATUSES)}",
            )
        if moment < fields.utc(row.created_at):
            raise InputError(
                f"{moment.isoformat(timespec='seconds')} is before referral {referral_id} was made",
                "give the time it happened",
            )
        row.status = status
        setattr(row, f"{status}_at", moment)
    return get_referral(case, referral_id)


def get_referral(case: Case, referral_id: str) -> ReferralRecord:
    with case.store.session() as session:
        [record] = _records(session, [_row(session, referral_id)])
    return record


def list_referrals(case: Case, country: str | None = None) -> list[ReferralRecord]:
    """The register, oldest first; one country's referrals when ``country`` is given."""
    query = select(Referral).order_by(Referral.created_at, Referral.id)
    if country is not None:
        query = query.where(Referral.country == fields.country(country))
    with case.store.session() as session:
        return _records(session, list(session.scalars(query)))


def referred_persons(case: Case) -> dict[str, list[str]]:
    """person_id -> the referrals it is in (drafts too), oldest first."""
    query = (
        select(ReferralPerson.person_id, ReferralPerson.referral_id)
        .join(Referral, Referral.id == ReferralPerson.referral_id)
        .order_by(Referral.created_at, Referral.id)
    )
    found: dict[str, list[str]] = {}
    with case.store.session() as session:
        for person_id, referral_id in session.execute(query):
            found.setdefault(person_id, []).append(referral_id)
    return found


def _check_package(case: Case, path: Path, sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise InputError(
            f"{sha256!r} is not a SHA-256 digest", "give 64 lower-case hex digits, as sha256sum"
        )
    if not path.is_file():
        raise InputError(f"no package at {path}", "build the package first, then register it")
    with path.open("rb") as handle:
        actual = hashlib.file_digest(handle, "sha256").hexdigest()
    if actual != sha256:
        raise InputError(
            f"{path} has SHA-256 {actual}, not the {sha256} given",
            "the package changed after it was built: build it again and register the new one",
        )
    resolved = path.resolve()
    # Inside the case it is kept relative, so the register stays right when the case moves.
    if resolved.is_relative_to(case.root.resolve()):
        return resolved.relative_to(case.root.resolve()).as_posix()
    return str(resolved)


def _next_id(session: Session, country: str, now: datetime) -> str:
    prefix = f"REF-{country}-{now:%Y%m%d}-"
    taken = session.scalars(select(Referral.id).where(Referral.id.startswith(prefix))).all()
    numbers = [int(t[len(prefix) :]) for t in taken if t[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _row(session: Session, referral_id: str) -> Referral:
    row = session.get(Referral, referral_id)
    if row is None:
        raise InputError(
            f"no referral {referral_id} in this case",
            "list them with: rescue referral list --case CASE_DIR",
        )
    return row


def _records(session: Session, referrals: list[Referral]) -> list[ReferralRecord]:
    members: dict[str, list[ReferredPerson]] = {r.id: [] for r in referrals}
    query = select(ReferralPerson).order_by(
        ReferralPerson.rank.is_(None), ReferralPerson.rank, ReferralPerson.person_id
    )
    if len(members) < 1000:  # past that, reading them all beats a huge IN list
        query = query.where(ReferralPerson.referral_id.in_(members))
    for m in session.scalars(query):
        if m.referral_id in members:
            members[m.referral_id].append(ReferredPerson(m.person_id, m.rank, m.flagged_duplicate))
    return [_record(row, tuple(members[row.id])) for row in referrals]


def _record(row: Referral, persons: tuple[ReferredPerson, ...]) -> ReferralRecord:
    return ReferralRecord(
        id=row.id,
        country=row.country,
        created_at=fields.utc(row.created_at),
        created_by=row.created_by,
        persons=persons,
        package_path=row.package_path,
        package_sha256=row.package_sha256,
        signature=row.signature,
        encrypted_to=row.encrypted_to,
        status=row.status,
        sent_at=_maybe_utc(row.sent_at),
        received_at=_maybe_utc(row.received_at),
        acknowledged_at=_maybe_utc(row.acknowledged_at),
    )


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return fields.utc(moment) if moment is not None else None
