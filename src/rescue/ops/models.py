"""The operations database: mutable, transactional state shared by the people on a case.

The evidence lake holds what the evidence says; this database holds what was done with it:
registered sources and their files, stage runs. Later areas (users, audit, referrals, hotline)
add their tables here through Alembic migrations, never by ``create_all``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Source(Base):
    """A registered piece of seized evidence: a forum dump with its attachment folders."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    registered_at: Mapped[datetime]
    params: Mapped[dict[str, Any]]


class EvidenceFile(Base):
    """One file of a source, with the size and SHA-256 it had when it was registered."""

    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_source_role", "source", "role"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    source: Mapped[str] = mapped_column(ForeignKey("sources.name", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))  # dump | attachment | avatar | hash_set
    relpath: Mapped[str] = mapped_column(Text)  # relative to the role's root folder
    path: Mapped[str] = mapped_column(Text)  # absolute path at registration
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    registered_at: Mapped[datetime]


class Run(Base):
    """One execution of one stage for one target (a source, or "all")."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_stage_target", "stage", "target"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))  # running | ok | skipped | failed | interrupted
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    fingerprint: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]]
    counts: Mapped[dict[str, Any]]
    rejects: Mapped[dict[str, Any]]  # reason -> count
    error: Mapped[str | None] = mapped_column(Text)


class LinkDecision(Base):
    """An analyst's ruling on two accounts: the same person, or not. The latest one wins.

    Rulings are never edited or deleted: a change of mind is a new row, so the history of who
    decided what, when and why stays readable. Account ids are "source:user_id"; ``account_a``
    sorts before ``account_b``.
    """

    __tablename__ = "link_decisions"
    __table_args__ = (Index("ix_link_decisions_pair", "account_a", "account_b"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    account_a: Mapped[str] = mapped_column(String(200))
    account_b: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(20))  # same | different
    analyst: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime]


# -- the operation side: record checks, referrals, outcomes, deconfliction ---------------------
# Checks, outcomes and retractions are append-only: migration 0003 adds triggers that make the
# database itself refuse an UPDATE or DELETE on them, so a figure reported to a government can
# be traced back row by row. A change of mind is a new row.


class RecordCheck(Base):
    """An agency record check an analyst entered for a person; the latest per check wins."""

    __tablename__ = "record_checks"
    __table_args__ = (Index("ix_record_checks_person", "person_id", "check_name"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    person_id: Mapped[str] = mapped_column(String(200))
    check_name: Mapped[str] = mapped_column(String(40))  # rescue.operation.checks.CHECKS
    value: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))  # whose records were checked
    analyst: Mapped[str] = mapped_column(String(120))
    checked_at: Mapped[datetime]


class Referral(Base):
    """One package sent to one country's partner force, and how far it has got."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_country", "country"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # REF-GB-20240501-1
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120))
    persons: Mapped[int] = mapped_column(Integer)
    package_path: Mapped[str] = mapped_column(Text)
    package_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(Text)
    encrypted_to: Mapped[str | None] = mapped_column(Text)  # the recipient's age public key
    status: Mapped[str] = mapped_column(String(20))  # draft | sent | received | acknowledged
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class ReferralPerson(Base):
    """A person in a referral, with the rank and deconfliction flag they had when it was made."""

    __tablename__ = "referral_persons"
    __table_args__ = (Index("ix_referral_persons_person", "person_id"),)

    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    flagged_duplicate: Mapped[bool] = mapped_column(Boolean)


class Outcome(Base):
    """What happened to a person: identified, arrested, charged, convicted, safeguarded.

    ``count`` is 1, except for ``safeguarded`` where it is the number of children. A wrong
    row is never edited: an ``OutcomeRetraction`` withdraws it, with who, when and why.
    """

    __tablename__ = "outcomes"
    __table_args__ = (Index("ix_outcomes_person", "person_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    person_id: Mapped[str] = mapped_column(String(200))
    referral_id: Mapped[str | None] = mapped_column(ForeignKey("referrals.id"))
    kind: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    event_date: Mapped[date] = mapped_column(Date)
    country: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]


class OutcomeRetraction(Base):
    """The withdrawal of one outcome; an outcome can be withdrawn once (the unique key)."""

    __tablename__ = "outcome_retractions"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    outcome_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("outcomes.id"), unique=True
    )
    reason: Mapped[str] = mapped_column(Text)
    retracted_by: Mapped[str] = mapped_column(String(120))
    retracted_at: Mapped[datetime]


class ExternalSubject(Base):
    """An identifier on another agency's deconfliction list, normalised like the lake's."""

    __tablename__ = "external_subjects"
    __table_args__ = (
        Index("ix_external_subjects_value", "kind", "value"),
        Index("ix_external_subjects_list", "list_name"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    list_name: Mapped[str] = mapped_column(String(120))
    agency: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # rescue.operation.deconflict.KINDS
    value: Mapped[str] = mapped_column(String(500))
    raw: Mapped[str] = mapped_column(Text)  # as the list gave it
    reference: Mapped[str] = mapped_column(String(200))  # the other agency's case reference
    line: Mapped[int] = mapped_column(Integer)  # in the imported file
    imported_at: Mapped[datetime]


# -- security: users and the audit log (rescue.security) ---------------------------------------


class User(Base):
    """A person who may sign in to the web app; no password or TOTP code is ever stored clear.

    ``countries`` scopes a partner to its ISO alpha-2 countries (empty for every other role).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    username: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # rescue.security.users.ROLES
    countries: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, salt and parameters included
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_required: Mapped[bool] = mapped_column(Boolean)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # the last code used
    disabled: Mapped[bool] = mapped_column(Boolean)
    failed_logins: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


class AuditEvent(Base):
    """One audited action, chained to the one before by ``prev_hash`` (rescue.security.audit).

    ``id`` is given by the writer (last id + 1, under a table lock) rather than by a sequence:
    a PostgreSQL sequence skips a value on every rolled-back insert, and a gap is exactly how
    the chain check recognises a deleted event.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_actor", "actor"),
        Index("ix_audit_events_action", "action"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))  # a username, or "system"
    source: Mapped[str] = mapped_column(String(64))  # an IP address, or "cli"
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300))
    result: Mapped[str] = mapped_column(String(10))  # ok | denied | failed
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
