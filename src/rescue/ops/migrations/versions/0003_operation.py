"""the operation side: record checks, referrals, outcomes and retractions, deconfliction lists

Revision ID: 0003
Revises: 0002

Record checks, outcomes and retractions are history an auditor reads: triggers make the database
refuse UPDATE and DELETE on them, whichever program connects. SQLite and PostgreSQL write
triggers differently; that difference lives here and nowhere else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rescue.ops import append_only

revision = "0003"
down_revision = "0002"

APPEND_ONLY = ("record_checks", "outcomes", "outcome_retractions")
_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MESSAGE = "is append-only: record a new row (a retraction or a later check) instead"


def _id() -> sa.Column[int]:
    return sa.Column("id", _BIGID, autoincrement=True, nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "record_checks",
        _id(),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("check_name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("analyst", sa.String(length=120), nullable=False),
        _when("checked_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_checks_person", "record_checks", ["person_id", "check_name"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("package_path", sa.Text(), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("encrypted_to", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        _when("sent_at", nullable=True),
        _when("received_at", nullable=True),
        _when("acknowledged_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referrals_country", "referrals", ["country"])
    op.create_table(
        "referral_persons",
        sa.Column("referral_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("flagged_duplicate", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("referral_id", "person_id"),
    )
    op.create_index("ix_referral_persons_person", "referral_persons", ["person_id"])
    op.create_table(
        "outcomes",
        _id(),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("referral_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        _when("recorded_at"),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outcomes_person", "outcomes", ["person_id"])
    op.create_table(
        "outcome_retractions",
        _id(),
        sa.Column("outcome_id", _BIGID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("retracted_by", sa.String(length=120), nullable=False),
        _when("retracted_at"),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outcome_id"),
    )
    op.create_table(
        "external_subjects",
        _id(),
        sa.Column("list_name", sa.String(length=120), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        _when("imported_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_external_subjects_value", "external_subjects", ["kind", "value"])
    op.create_index("ix_external_subjects_list", "external_subjects", ["list_name"])
    append_only.create_function(_MESSAGE)
    for table in APPEND_ONLY:
        append_only.forbid_changes(table, _MESSAGE)


def downgrade() -> None:
    for table in APPEND_ONLY:
        append_only.allow_changes(table)
    append_only.drop_function()
    op.drop_index("ix_external_subjects_list", table_name="external_subjects")
    op.drop_index("ix_external_subjects_value", table_name="external_subjects")
    op.drop_table("external_subjects")
    op.drop_table("outcome_retractions")
    op.drop_index("ix_outcomes_person", table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_index("ix_referral_persons_person", table_name="referral_persons")
    op.drop_table("referral_persons")
    op.drop_index("ix_referrals_country", table_name="referrals")
    op.drop_table("referrals")
    op.drop_index("ix_record_checks_person", table_name="record_checks")
    op.drop_table("record_checks")
