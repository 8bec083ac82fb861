"""The operations database: mutable, transactional state shared by the people on a case.

The evidence lake holds what the evidence says; this database holds what was done with it:
registered sources and their files, stage runs. Later areas (users, audit, referrals, hotline)
add their tables here through Alembic migrations, never by ``create_all``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
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
