"""How each phpBB table becomes a lake table.

One function per phpBB table takes the statement's ``Columns`` and returns the output columns.
They read columns by name and tolerate absent ones (a 3.0 board lacks some 3.3 columns), so one
mapping serves phpBB 3.0 to 3.3. Everything forum-specific about phpBB lives here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from rescue.ingest.columns import Columns, global_ids
from rescue.ingest.phpbb_text import PostText, parse_post_text
from rescue.lake.schemas import TEXT_FIELDS

ANONYMOUS_ID = 1
USER_TYPES = {0: "member", 1: "inactive", 2: "bot", 3: "founder"}
GROUP_ROLES = {
    "ADMINISTRATORS": "administrator",
    "GLOBAL_MODERATORS": "moderator",
    "BOTS": "bots",
    "GUESTS": "guests",
    "REGISTERED": "registered",
    "REGISTERED_COPPA": "registered",
    "NEWLY_REGISTERED": "registered",
}
UPLOAD_AVATAR = {"avatar.driver.upload", "1"}  # 3.1+ driver name; 3.0 stored the constant 1
_ADDRESS = re.compile(r"([ug])_(\d+)")


@dataclass
class MapContext:
    source: str
    avatar_files: dict[int, str] = field(default_factory=dict)  # user_id -> avatar file
    attachment_files: dict[str, tuple[int, str]] = field(default_factory=dict)  # file -> size, sha
    referenced: dict[str, int] = field(default_factory=dict)  # file -> attach_id of its row


Mapper = Callable[[Columns, MapContext], dict[str, Any]]


def convert_texts(raws: Sequence[str | None], uids: Sequence[str | None]) -> dict[str, pa.Array]:
    """Stored text (s9e XML or legacy BBCode) to the lake's text columns, as Arrow arrays."""
    parsed: list[PostText] = [
        parse_post_text(raw, uid or "") for raw, uid in zip(raws, uids, strict=True)
    ]
    types = dict(TEXT_FIELDS)
    return {
        "text": pa.array([p.text for p in parsed], types["text"]),
        "quotes": pa.array(
            [
                [
                    {
                        "author": q.author,
                        "post_id": q.post_id,
                        "user_id": q.user_id,
                        "time": q.time,
                        "text": q.text,
                    }
                    for q in p.quotes
                ]
                for p in parsed
            ],
            types["quotes"],
        ),
        "urls": pa.array([list(p.urls) for p in parsed], types["urls"]),
        "emails": pa.array([list(p.emails) for p in parsed], types["emails"]),
        "attachment_refs": pa.array(
            [[a.index for a in p.attachments] for p in parsed], types["attachment_refs"]
        ),
    }


def map_users(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    user_id = cols.integer("user_id", required=True)
    user_type = cols.integer("user_type")
    ids = user_id.to_pylist()
    kinds = [
        "anonymous" if uid == ANONYMOUS_ID else USER_TYPES.get(t if t is not None else 0, "member")
        for uid, t in zip(ids, user_type.to_pylist(), strict=True)
    ]
    sigs = [
        parse_post_text(raw, uid or "")
        for raw, uid in zip(cols.text("user_sig"), cols.text("user_sig_bbcode_uid"), strict=True)
    ]
    avatar_types = cols.text("user_avatar_type")
    return {
        "account_id": global_ids(ctx.source, user_id),
        "user_id": user_id,
        "username": cols.text("username"),
        "username_clean": cols.text("username_clean"),
        "user_type": user_type,
        "kind": kinds,
        "is_person": [k not in ("anonymous", "bot") for k in kinds],
        "email": cols.text("user_email"),
        "registration_ip": cols.text("user_ip"),
        "registered_at": cols.time("user_regdate"),
        "last_visit_at": cols.time("user_lastvisit"),
        "last_active_at": cols.time("user_last_active")
        if cols.has("user_last_active")
        else cols.time("user_lastmark"),
        "birthday": [b if b and b.strip(" -0") else None for b in cols.text("user_birthday")],
        "timezone": [str(t) if t not in (None, "") else None for t in cols.raw("user_timezone")],
        "lang": cols.text("user_lang"),
        "default_group_id": cols.integer("group_id"),
        "posts_count": cols.integer("user_posts"),
        "signature": [s.text or None for s in sigs],
        "signature_urls": [list(s.urls) for s in sigs],
        "avatar": [a or None for a in cols.text("user_avatar")],
        "avatar_type": [str(t) if t not in (None, "") else None for t in avatar_types],
        "avatar_file": [
            ctx.avatar_files.get(uid) if uid is not None and str(t) in UPLOAD_AVATAR else None
            for uid, t in zip(ids, avatar_types, strict=True)
        ],
        "jabber": [j or None for j in cols.text("user_jabber")],
        "inactive_reason": cols.integer("user_inactive_reason"),
    }


def map_groups(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    names = cols.text("group_name")
    return {
        "group_id": cols.integer("group_id", required=True),
        "name": names,
        "type": cols.integer("group_type"),
        "founder_manage": cols.flag("group_founder_manage"),
        "description": cols.text("group_desc"),
        "role": [GROUP_ROLES.get(n or "", "custom") for n in names],
    }


def map_user_group(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    user_id = cols.integer("user_id", required=True)
    return {
        "group_id": cols.integer("group_id", required=True),
        "user_id": user_id,
        "account_id": global_ids(ctx.source, user_id),
        "is_leader": cols.flag("group_leader"),
        "pending": cols.flag("user_pending"),
    }


def map_forums(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "forum_id": cols.integer("forum_id", required=True),
        "parent_id": cols.integer("parent_id", zero_is_null=True),
        "name": cols.text("forum_name"),
        "description": cols.text("forum_desc"),
        "forum_type": cols.integer("forum_type"),
    }


def map_topics(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "topic_id": cols.integer("topic_id", required=True),
        "forum_id": cols.integer("forum_id"),
        "title": cols.text("topic_title"),
        "poster_id": cols.integer("topic_poster"),
        "created_at": cols.time("topic_time"),
        "first_post_id": cols.integer("topic_first_post_id", zero_is_null=True),
        "last_post_id": cols.integer("topic_last_post_id", zero_is_null=True),
        "views": cols.integer("topic_views"),
        "visibility": cols.integer("topic_visibility")
        if cols.has("topic_visibility")
        else cols.integer("topic_approved"),
    }


def map_posts(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    post_id = cols.integer("post_id", required=True)
    poster_id = cols.integer("poster_id")
    return {
        "post_id": post_id,
        "global_id": global_ids(ctx.source, post_id),
        "topic_id": cols.integer("topic_id"),
        "forum_id": cols.integer("forum_id"),
        "poster_id": poster_id,
        "account_id": global_ids(ctx.source, poster_id),
        "poster_ip": cols.text("poster_ip"),
        "posted_at": cols.time("post_time"),
        "edited_at": cols.time("post_edit_time"),
        "subject": cols.text("post_subject"),
        "post_username": [u or None for u in cols.text("post_username")],
        "visibility": cols.integer("post_visibility")
        if cols.has("post_visibility")
        else cols.integer("post_approved"),
        "has_attachments": cols.flag("post_attachment"),
    }


def _addresses(values: list[str | None], kind: str) -> list[list[int]]:
    return [[int(n) for k, n in _ADDRESS.findall(v or "") if k == kind] for v in values]


def map_privmsgs(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    msg_id = cols.integer("msg_id", required=True)
    author_id = cols.integer("author_id")
    to, bcc = cols.text("to_address"), cols.text("bcc_address")
    return {
        "msg_id": msg_id,
        "global_id": global_ids(ctx.source, msg_id),
        "author_id": author_id,
        "account_id": global_ids(ctx.source, author_id),
        "author_ip": cols.text("author_ip"),
        "sent_at": cols.time("message_time"),
        "subject": cols.text("message_subject"),
        "root_level": cols.integer("root_level", zero_is_null=True),
        "to_users": _addresses(to, "u"),
        "to_groups": _addresses(to, "g"),
        "bcc_users": _addresses(bcc, "u"),
        "bcc_groups": _addresses(bcc, "g"),
        "has_attachments": cols.flag("message_attachment"),
    }


def map_privmsgs_to(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "msg_id": cols.integer("msg_id", required=True),
        "user_id": cols.integer("user_id", required=True),
        "author_id": cols.integer("author_id"),
        "folder_id": cols.integer("folder_id"),
        "is_deleted": cols.flag("pm_deleted"),
        "is_read": pa.array([not bool(v) for v in cols.raw("pm_unread", 0)]),
        "forwarded": cols.flag("pm_forwarded"),
    }


def _file_columns(cols: Columns, ctx: MapContext) -> dict[str, list[Any]]:
    """Tie each attachment row to its file on disk, as registered."""
    out: dict[str, list[Any]] = {"file": [], "file_size": [], "file_sha256": [], "file_status": []}
    for attach_id, name, declared in zip(
        cols.integer("attach_id").to_pylist(),
        cols.text("physical_filename"),
        cols.integer("filesize").to_pylist(),
        strict=True,
    ):
        found = ctx.attachment_files.get(name or "")
        if found is None:
            out["file"].append(None)
            out["file_size"].append(None)
            out["file_sha256"].append(None)
            out["file_status"].append("missing")
            continue
        ctx.referenced[name or ""] = attach_id
        ctx.referenced["thumb_" + (name or "")] = attach_id
        size, sha = found
        out["file"].append(name)
        out["file_size"].append(size)
        out["file_sha256"].append(sha)
        out["file_status"].append("ok" if declared in (None, size) else "size differs")
    return out


def map_attachments(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    attach_id = cols.integer("attach_id", required=True)
    return {
        "attach_id": attach_id,
        "global_id": global_ids(ctx.source, attach_id),
        "post_msg_id": cols.integer("post_msg_id", zero_is_null=True),
        "topic_id": cols.integer("topic_id", zero_is_null=True),
        "in_message": cols.flag("in_message"),
        "is_orphan": cols.flag("is_orphan"),
        "poster_id": cols.integer("poster_id"),
        "physical_filename": cols.text("physical_filename"),
        "real_filename": cols.text("real_filename"),
        "extension": cols.text("extension"),
        "mimetype": cols.text("mimetype"),
        "declared_size": cols.integer("filesize"),
        "filetime": cols.time("filetime"),
        "download_count": cols.integer("download_count"),
        "comment": [c or None for c in cols.text("attach_comment")],
        "thumbnail": cols.flag("thumbnail"),
        **_file_columns(cols, ctx),
    }


def map_sessions(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "session_id": cols.text("session_id"),
        "user_id": cols.integer("session_user_id"),
        "ip": cols.text("session_ip"),
        "browser": cols.text("session_browser"),
        "forwarded_for": [f or None for f in cols.text("session_forwarded_for")],
        "started_at": cols.time("session_start"),
        "last_seen_at": cols.time("session_time"),
        "autologin": cols.flag("session_autologin"),
    }


def map_sessions_keys(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "key_id": cols.text("key_id"),
        "user_id": cols.integer("user_id"),
        "last_ip": cols.text("last_ip"),
        "last_login_at": cols.time("last_login"),
    }


def map_login_attempts(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "ip": cols.text("attempt_ip"),
        "browser": cols.text("attempt_browser"),
        "forwarded_for": [f or None for f in cols.text("attempt_forwarded_for")],
        "attempted_at": cols.time("attempt_time"),
        "user_id": cols.integer("user_id", zero_is_null=True),
        "username": cols.text("username"),
    }


def map_log(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "log_id": cols.integer("log_id", required=True),
        "log_type": cols.integer("log_type"),
        "user_id": cols.integer("user_id"),
        "forum_id": cols.integer("forum_id", zero_is_null=True),
        "topic_id": cols.integer("topic_id", zero_is_null=True),
        "reportee_id": cols.integer("reportee_id", zero_is_null=True),
        "ip": cols.text("log_ip"),
        "logged_at": cols.time("log_time"),
        "operation": cols.text("log_operation"),
        "data": cols.text("log_data"),
    }


def map_zebra(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "user_id": cols.integer("user_id", required=True),
        "contact_id": cols.integer("zebra_id", required=True),
        "friend": cols.flag("friend"),
        "foe": cols.flag("foe"),
    }


def map_profile_fields(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "field_id": cols.integer("field_id", required=True),
        "name": cols.text("field_name"),
        "ident": cols.text("field_ident"),
        "field_type": cols.text("field_type"),
        "active": cols.flag("field_active"),
    }


def map_profile_fields_data(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    """Wide (one pf_ column per custom field) to long: one row per user and filled field."""
    user_ids = cols.integer("user_id", required=True).to_pylist()
    fields = [name for name in cols.names() if name.startswith("pf_")]
    users, names, values = [], [], []
    for name in fields:
        for uid, value in zip(user_ids, cols.text(name), strict=True):
            if value not in (None, ""):
                users.append(uid)
                names.append(name[3:])
                values.append(value)
    return {"user_id": users, "field": names, "value": values}


def map_banlist(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "ban_id": cols.integer("ban_id", required=True),
        "user_id": cols.integer("ban_userid", zero_is_null=True),
        "ip": [v or None for v in cols.text("ban_ip")],
        "email": [v or None for v in cols.text("ban_email")],
        "started_at": cols.time("ban_start"),
        "ends_at": cols.time("ban_end"),
        "exclude": cols.flag("ban_exclude"),
        "reason": cols.text("ban_reason"),
    }


def map_config(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "name": cols.text("config_name"),
        "value": cols.text("config_value"),
        "is_dynamic": cols.flag("is_dynamic"),
    }


@dataclass(frozen=True)
class TableMap:
    output: str
    mapper: Mapper
    key: str | None  # the column naming a row in messages, e.g. "post_id"
    text: tuple[str, str] | None = None  # stored text and its BBCode uid, for convert_texts


TABLE_MAPS: dict[str, TableMap] = {
    "users": TableMap("accounts", map_users, "user_id"),
    "groups": TableMap("groups", map_groups, "group_id"),
    "user_group": TableMap("memberships", map_user_group, "user_id"),
    "forums": TableMap("forums", map_forums, "forum_id"),
    "topics": TableMap("topics", map_topics, "topic_id"),
    "posts": TableMap("posts", map_posts, "post_id", ("post_text", "bbcode_uid")),
    "privmsgs": TableMap("messages", map_privmsgs, "msg_id", ("message_text", "bbcode_uid")),
    "privmsgs_to": TableMap("message_recipients", map_privmsgs_to, "msg_id"),
    "attachments": TableMap("attachments", map_attachments, "attach_id"),
    "sessions": TableMap("sessions", map_sessions, "session_id"),
    "sessions_keys": TableMap("session_keys", map_sessions_keys, "key_id"),
    "login_attempts": TableMap("login_attempts", map_login_attempts, "attempt_ip"),
    "log": TableMap("logs", map_log, "log_id"),
    "zebra": TableMap("contacts", map_zebra, "user_id"),
    "profile_fields": TableMap("profile_fields", map_profile_fields, "field_id"),
    "profile_fields_data": TableMap("profile_values", map_profile_fields_data, "user_id"),
    "banlist": TableMap("bans", map_banlist, "ban_id"),
    "config": TableMap("board_config", map_config, "config_name"),
}
