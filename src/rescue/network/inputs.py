"""The tables the network stage reads (missing ones get stand-ins: ``rescue.engine.stand_ins``)."""

from __future__ import annotations

INPUTS: tuple[str, ...] = (
    "persons",
    "person_accounts",
    "accounts",
    "posts",
    "messages",
    "message_recipients",
    "contacts",
    "memberships",
    "groups",
    "attachments",
    "matches",
    "media_clusters",
)
