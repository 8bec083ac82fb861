"""hotline: reported URLs, reports, assessments, checks, hash hits, events, notices, contacts

Revision ID: 0006
Revises: 0005

Reports, assessments, checks, events and notices are the timeline a removal figure is computed
from: as for outcomes (0003), triggers make the database refuse UPDATE and DELETE on them.
PostgreSQL reuses 0003's trigger function ``rescue_append_only``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rescue.ops import append_only

revision = "0006"
down_revision = "0005"

_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = (
    "hotline_reports", "hotline_assessments", "hotline_checks", "hotline_events",
    "hotline_notices", "hotline_notice_urls",
)  # fmt: skip
_MESSAGE = "is append-only: record a new row instead"


def _id() -> sa.Column[object]:
    return sa.Column("id", _BIGID, autoincrement=True, nullable=False)


def _url_id() -> sa.Column[object]:
    return sa.Column("url_id", _BIGID, sa.ForeignKey("hotline_urls.id"), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column[object]:
    kind = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "hotline_urls",
        _id(),
        _text("url"),
        _text("url_sha256", 64),
        _text("host", 300),
        _text("verdict", 20),
        _text("state", 20),
        _text("last_outcome", 20),
        _when("reported_at"),
        *(
            _when(name, nullable=True)
            for name in (
                "assessed_at",
                "notified_at",
                "last_notified_at",
                "escalated_at",
                "removed_seen_at",
                "removed_confirmed_at",
                "reappeared_at",
                "last_checked_at",
                "next_check_at",
            )
        ),
        sa.Column("reappearances", sa.Integer(), nullable=False),
        _text("baseline_sha256", 64, nullable=True),
        sa.Column("baseline_image", sa.Boolean(), nullable=False),
        _text("ip", 45, nullable=True),
        _text("country", 2, nullable=True),
        _text("asn_name", 200, nullable=True),
        _text("asn_network", 50, nullable=True),
        _text("network_kind", 20, nullable=True),
        _text("provider", 200, nullable=True),
        _text("abuse_email", 300, nullable=True),
        _text("partner", 200, nullable=True),
        _text("geo_database", 120, nullable=True),
        _text("geo_date", 10, nullable=True),
        _when("hosting_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url_sha256"),
    )
    op.create_index("ix_hotline_urls_next_check", "hotline_urls", ["next_check_at"])
    op.create_index("ix_hotline_urls_state", "hotline_urls", ["state", "verdict"])
    op.create_table(
        "hotline_reports",
        _id(),
        _url_id(),
        _text("submitted"),
        _text("reporter", 200, nullable=True),
        _text("notes"),
        _text("channel", 10),
        _text("origin", 300),
        _when("reported_at"),
        _when("received_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hotline_reports_url", "hotline_reports", ["url_id"])
    op.create_table(
        "hotline_assessments",
        _id(),
        _url_id(),
        _text("jurisdiction", 8),
        _text("classification", 20),
        _text("analyst", 120),
        _text("note"),
        _when("assessed_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hotline_assessments_url", "hotline_assessments", ["url_id"])
    op.create_table(
        "hotline_checks",
        _id(),
        _url_id(),
        _when("checked_at"),
        _text("outcome", 20),
        _text("reason"),
        sa.Column("http_status", sa.Integer(), nullable=True),
        _text("final_url", nullable=True),
        _text("ip", 45, nullable=True),
        sa.Column("redirects", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        _text("sha256", 64, nullable=True),
        _text("pdq", 64, nullable=True),
        sa.Column("known_hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hotline_checks_url", "hotline_checks", ["url_id", "checked_at"])
    op.create_table(
        "hotline_hash_hits",
        _id(),
        _url_id(),
        sa.Column("check_id", _BIGID, sa.ForeignKey("hotline_checks.id"), nullable=False),
        _text("hash_set", 120),
        _text("known_id", 200, nullable=True),
        _text("category", 60, nullable=True),
        _text("matched_on", 10),
        _text("known_hash", 64),
        sa.Column("distance", sa.Integer(), nullable=False),
        _when("found_at"),
        _text("decision", 10, nullable=True),
        _text("decided_by", 120, nullable=True),
        _when("decided_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_hotline_hash_hits", "hotline_hash_hits", ["url_id", "hash_set", "known_hash"],
        unique=True,
    )  # fmt: skip
    op.create_table(
        "hotline_events",
        _id(),
        _url_id(),
        _text("kind", 20),
        _when("at"),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hotline_events_url", "hotline_events", ["url_id", "at"])
    op.create_table(
        "hotline_notices",
        _id(),
        _text("reference", 40),
        _text("provider", 200),
        _text("channel", 10),
        _text("recipient", 300),
        sa.Column("escalation", sa.Boolean(), nullable=False),
        _when("created_at"),
        _text("status", 10),
        _text("result"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_hotline_notices_provider", "hotline_notices", ["provider"])
    op.create_table(
        "hotline_notice_urls",
        sa.Column(
            "notice_id",
            _BIGID,
            sa.ForeignKey("hotline_notices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _url_id(),
        _text("kind", 20),
        sa.PrimaryKeyConstraint("notice_id", "url_id"),
    )
    op.create_index("ix_hotline_notice_urls_url", "hotline_notice_urls", ["url_id"])
    op.create_table(
        "hotline_contacts",
        _id(),
        _text("provider", 200),
        _text("abuse_email", 300),
        _text("asn_name", 200, nullable=True),
        _text("domain", 300, nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        _when("imported_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "hotline_partners",
        _text("country", 2),
        _text("name", 200),
        _text("email", 300, nullable=True),
        _when("imported_at"),
        sa.PrimaryKeyConstraint("country"),
    )
    for table in APPEND_ONLY:
        append_only.forbid_changes(table, _MESSAGE)


def downgrade() -> None:
    for table in APPEND_ONLY:
        append_only.allow_changes(table)
    op.drop_table("hotline_partners")
    op.drop_table("hotline_contacts")
    op.drop_index("ix_hotline_notice_urls_url", table_name="hotline_notice_urls")
    op.drop_table("hotline_notice_urls")
    op.drop_index("ix_hotline_notices_provider", table_name="hotline_notices")
    op.drop_table("hotline_notices")
    op.drop_index("ix_hotline_events_url", table_name="hotline_events")
    op.drop_table("hotline_events")
    op.drop_index("ux_hotline_hash_hits", table_name="hotline_hash_hits")
    op.drop_table("hotline_hash_hits")
    op.drop_index("ix_hotline_checks_url", table_name="hotline_checks")
    op.drop_table("hotline_checks")
    op.drop_index("ix_hotline_assessments_url", table_name="hotline_assessments")
    op.drop_table("hotline_assessments")
    op.drop_index("ix_hotline_reports_url", table_name="hotline_reports")
    op.drop_table("hotline_reports")
    op.drop_index("ix_hotline_urls_state", table_name="hotline_urls")
    op.drop_index("ix_hotline_urls_next_check", table_name="hotline_urls")
    op.drop_table("hotline_urls")
