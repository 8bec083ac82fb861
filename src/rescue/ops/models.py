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


class WebSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is kept, so a copy of the
    database does not let anyone take over a session.

    ``last_seen_at`` drives the inactivity lock; ``expires_at`` is the absolute end.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    locked: Mapped[bool] = mapped_column(Boolean)
    ended_at: Mapped[datetime | None]


# -- the hotline: reported URLs, their hosting, notices, re-checks (rescue.hotline) -------------
# A URL is one row however often it is reported (``url_sha256`` is the SHA-256 of its canonical
# form, unique, because an index on unbounded text is not portable); reports, assessments,
# checks, notices and events are rows of their own, appended and never edited, so every stage
# timestamp stays readable. The URL row also keeps the latest of each, for the queries the
# scheduler and the statistics run.


class HotlineUrl(Base):
    """A reported URL and where it stands: verdict, removal state, latest check and hosting."""

    __tablename__ = "hotline_urls"
    __table_args__ = (
        Index("ix_hotline_urls_next_check", "next_check_at"),
        Index("ix_hotline_urls_state", "state", "verdict"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    url: Mapped[str] = mapped_column(Text)  # canonical (rescue.hotline.urls)
    url_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(300))
    verdict: Mapped[str] = mapped_column(String(20))  # pending | illegal | not_illegal
    state: Mapped[str] = mapped_column(String(20))  # open | removed | confirmed
    last_outcome: Mapped[str] = mapped_column(String(20))  # unchecked | live | removed | ...
    reported_at: Mapped[datetime]  # the first report
    assessed_at: Mapped[datetime | None]  # the first assessment
    notified_at: Mapped[datetime | None]  # the first notice
    last_notified_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    removed_seen_at: Mapped[datetime | None]  # the first check that found it gone (this time)
    removed_confirmed_at: Mapped[datetime | None]
    reappeared_at: Mapped[datetime | None]  # the latest reappearance
    reappearances: Mapped[int] = mapped_column(Integer)
    last_checked_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]  # None: not checked any more
    # The content first seen live, by SHA-256 (content itself is never stored), and whether it
    # was an image: a different image at the same URL later means the reported one is gone.
    baseline_sha256: Mapped[str | None] = mapped_column(String(64))
    baseline_image: Mapped[bool] = mapped_column(Boolean)
    # Hosting, from the latest check that reached the server.
    ip: Mapped[str | None] = mapped_column(String(45))
    country: Mapped[str | None] = mapped_column(String(2))
    asn_name: Mapped[str | None] = mapped_column(String(200))
    asn_network: Mapped[str | None] = mapped_column(String(50))
    network_kind: Mapped[str | None] = mapped_column(String(20))
    provider: Mapped[str | None] = mapped_column(String(200))
    abuse_email: Mapped[str | None] = mapped_column(String(300))
    partner: Mapped[str | None] = mapped_column(String(200))  # the country's partner hotline
    geo_database: Mapped[str | None] = mapped_column(String(120))
    geo_date: Mapped[str | None] = mapped_column(String(10))
    hosting_at: Mapped[datetime | None]


class HotlineReport(Base):
    """One report of a URL, as given: a repeat report of a known URL is a new row."""

    __tablename__ = "hotline_reports"
    __table_args__ = (Index("ix_hotline_reports_url", "url_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    url_id: Mapped[int] = mapped_column(ForeignKey("hotline_urls.id"))
    submitted: Mapped[str] = mapped_column(Text)  # the URL as the reporter wrote it
    reporter: Mapped[str | None] = mapped_column(String(200))  # None: anonymous
    notes: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))  # cli | csv | web | api
    origin: Mapped[str] = mapped_column(String(300))  # e.g. "feed.csv, line 12"
    reported_at: Mapped[datetime]
    received_at: Mapped[datetime]


class HotlineAssessment(Base):
    """An analyst's classification of a URL under one jurisdiction; the latest per one wins."""

    __tablename__ = "hotline_assessments"
    __table_args__ = (Index("ix_hotline_assessments_url", "url_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    url_id: Mapped[int] = mapped_column(ForeignKey("hotline_urls.id"))
    jurisdiction: Mapped[str] = mapped_column(String(8))  # ISO alpha-2, or INT (Interpol)
    classification: Mapped[str] = mapped_column(String(20))  # interpol_baseline | national | ...
    analyst: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text)
    assessed_at: Mapped[datetime]


class HotlineCheck(Base):
    """One fetch of a URL: what came back, by hashes and status only."""

    __tablename__ = "hotline_checks"
    __table_args__ = (Index("ix_hotline_checks_url", "url_id", "checked_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    url_id: Mapped[int] = mapped_column(ForeignKey("hotline_urls.id"))
    checked_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(20))  # live | removed | unreachable | refused
    reason: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    redirects: Mapped[int] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    pdq: Mapped[str | None] = mapped_column(String(64))
    known_hits: Mapped[int] = mapped_column(Integer)


class HotlineHashHit(Base):
    """A known hash found in a URL's content by a check, for an analyst to confirm or reject."""

    __tablename__ = "hotline_hash_hits"
    __table_args__ = (
        Index("ux_hotline_hash_hits", "url_id", "hash_set", "known_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    url_id: Mapped[int] = mapped_column(ForeignKey("hotline_urls.id"))
    check_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("hotline_checks.id")
    )
    hash_set: Mapped[str] = mapped_column(String(120))
    known_id: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(60))
    matched_on: Mapped[str] = mapped_column(String(10))  # sha256 | sha1 | md5 | pdq
    known_hash: Mapped[str] = mapped_column(String(64))
    distance: Mapped[int] = mapped_column(Integer)
    found_at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(String(10))  # confirmed | rejected
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]


class HotlineEvent(Base):
    """One stage of a URL's life, timestamped: reported, assessed, notified, renotified,
    escalated, removed_seen, removed_confirmed, reappeared."""

    __tablename__ = "hotline_events"
    __table_args__ = (Index("ix_hotline_events_url", "url_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    url_id: Mapped[int] = mapped_column(ForeignKey("hotline_urls.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]]


class HotlineNotice(Base):
    """One notice to one provider, listing many URLs; e-mailed, or exported for a partner."""

    __tablename__ = "hotline_notices"
    __table_args__ = (Index("ix_hotline_notices_provider", "provider"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # HN-..., quoted in replies
    provider: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))  # email | export
    recipient: Mapped[str] = mapped_column(String(300))  # an address, or the partner's name
    escalation: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))  # sent | failed
    result: Mapped[str] = mapped_column(Text)  # the Message-ID or file written, or the error


class HotlineNoticeUrl(Base):
    __tablename__ = "hotline_notice_urls"
    __table_args__ = (Index("ix_hotline_notice_urls_url", "url_id"),)

    notice_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("hotline_notices.id", ondelete="CASCADE"),
        primary_key=True,
    )
    url_id: Mapped[int] = mapped_column(ForeignKey("hotline_urls.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # notice | renotice | escalation


class HotlineContact(Base):
    """The hotline's directory of abuse contacts: per network (ASN) or per provider domain."""

    __tablename__ = "hotline_contacts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    provider: Mapped[str] = mapped_column(String(200))
    abuse_email: Mapped[str] = mapped_column(String(300))
    asn_name: Mapped[str | None] = mapped_column(String(200))  # as the geo database names it
    domain: Mapped[str | None] = mapped_column(String(300))  # hosts under it are this provider's
    line: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime]


class HotlinePartner(Base):
    """A partner hotline for the URLs hosted in its country (e.g. an INHOPE member)."""

    __tablename__ = "hotline_partners"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))
    imported_at: Mapped[datetime]
