"""How each phpBB table becomes a lake table.

One function per phpBB table takes the statement's ``Columns`` and returns the output columns.
They read columns by name and tolerate absent ones (a 3.0 board lacks some 3.3 columns), so one
mapping serves phpBB 3.0 to 3.3. Everything forum-specific about phpBB lives here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from rescue.ingest.columns import Columns, global_ids
from rescue.ingest.phpbb_text import PostText, parse_post_text

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
    referenced: set[str] = field(default_factory=set)  # attachment files some row points to


Mapper = Callable[[Columns, MapContext], dict[str, Any]]


def _texts(cols: Columns, text_col: str, uid_col: str) -> dict[str, Any]:
    uids = cols.str(uid_col)
    parsed: list[PostText] = [
        parse_post_text(raw, uid or "") for raw, uid in zip(cols.str(text_col), uids, strict=True)
    ]
    return {
        "text": [p.text for p in parsed],
        "quotes": [
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
        "urls": [list(p.urls) for p in parsed],
        "emails": [list(p.emails) for p in parsed],
        "attachment_refs": [[a.index for a in p.attachments] for p in parsed],
    }


def map_users(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    user_id = cols.int("user_id", required=True)
    user_type = cols.int("user_type")
    ids = user_id.to_pylist()
    kinds = [
        "anonymous" if uid == ANONYMOUS_ID else USER_TYPES.get(t if t is not None else 0, "member")
        for uid, t in zip(ids, user_type.to_pylist(), strict=True)
    ]
    sigs = [
        parse_post_text(raw, uid or "")
        for raw, uid in zip(cols.str("user_sig"), cols.str("user_sig_bbcode_uid"), strict=True)
    ]
    avatar_types = cols.str("user_avatar_type")
    return {
        "account_id": global_ids(ctx.source, user_id),
        "user_id": user_id,
        "username": cols.str("username"),
        "username_clean": cols.str("username_clean"),
        "user_type": user_type,
        "kind": kinds,
        "is_person": [k not in ("anonymous", "bot") for k in kinds],
        "email": cols.str("user_email"),
        "registration_ip": cols.str("user_ip"),
        "registered_at": cols.ts("user_regdate"),
        "last_visit_at": cols.ts("user_lastvisit"),
        "last_active_at": cols.ts("user_last_active")
        if cols.has("user_last_active")
        else cols.ts("user_lastmark"),
        "birthday": [b if b and b.strip(" -0") else None for b in cols.str("user_birthday")],
        "timezone": [str(t) if t not in (None, "") else None for t in cols.raw("user_timezone")],
        "lang": cols.str("user_lang"),
        "default_group_id": cols.int("group_id"),
        "posts_count": cols.int("user_posts"),
        "signature": [s.text or None for s in sigs],
        "signature_urls": [list(s.urls) for s in sigs],
        "avatar": [a or None for a in cols.str("user_avatar")],
        "avatar_type": [str(t) if t not in (None, "") else None for t in avatar_types],
        "avatar_file": [
            ctx.avatar_files.get(uid) if uid is not None and str(t) in UPLOAD_AVATAR else None
            for uid, t in zip(ids, avatar_types, strict=True)
        ],
        "jabber": [j or None for j in cols.str("user_jabber")],
        "inactive_reason": cols.int("user_inactive_reason"),
    }


def map_groups(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    names = cols.str("group_name")
    return {
        "group_id": cols.int("group_id", required=True),
        "name": names,
        "type": cols.int("group_type"),
        "founder_manage": cols.bool("group_founder_manage"),
        "description": cols.str("group_desc"),
        "role": [GROUP_ROLES.get(n or "", "custom") for n in names],
    }


def map_user_group(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    user_id = cols.int("user_id", required=True)
    return {
        "group_id": cols.int("group_id", required=True),
        "user_id": user_id,
        "account_id": global_ids(ctx.source, user_id),
        "is_leader": cols.bool("group_leader"),
        "pending": cols.bool("user_pending"),
    }


def map_forums(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "forum_id": cols.int("forum_id", required=True),
        "parent_id": cols.int("parent_id", zero_is_null=True),
        "name": cols.str("forum_name"),
        "description": cols.str("forum_desc"),
        "forum_type": cols.int("forum_type"),
    }


def map_topics(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "topic_id": cols.int("topic_id", required=True),
        "forum_id": cols.int("forum_id"),
        "title": cols.str("topic_title"),
        "poster_id": cols.int("topic_poster"),
        "created_at": cols.ts("topic_time"),
        "first_post_id": cols.int("topic_first_post_id", zero_is_null=True),
        "last_post_id": cols.int("topic_last_post_id", zero_is_null=True),
        "views": cols.int("topic_views"),
        "visibility": cols.int("topic_visibility")
        if cols.has("topic_visibility")
        else cols.int("topic_approved"),
    }


def map_posts(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    post_id = cols.int("post_id", required=True)
    poster_id = cols.int("poster_id")
    return {
        "post_id": post_id,
        "global_id": global_ids(ctx.source, post_id),
        "topic_id": cols.int("topic_id"),
        "forum_id": cols.int("forum_id"),
        "poster_id": poster_id,
        "account_id": global_ids(ctx.source, poster_id),
        "poster_ip": cols.str("poster_ip"),
        "posted_at": cols.ts("post_time"),
        "edited_at": cols.ts("post_edit_time"),
        "subject": cols.str("post_subject"),
        "post_username": [u or None for u in cols.str("post_username")],
        "visibility": cols.int("post_visibility")
        if cols.has("post_visibility")
        else cols.int("post_approved"),
        "has_attachments": cols.bool("post_attachment"),
        **_texts(cols, "post_text", "bbcode_uid"),
    }


def _addresses(values: list[str | None], kind: str) -> list[list[int]]:
    return [[int(n) for k, n in _ADDRESS.findall(v or "") if k == kind] for v in values]


def map_privmsgs(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    msg_id = cols.int("msg_id", required=True)
    author_id = cols.int("author_id")
    to, bcc = cols.str("to_address"), cols.str("bcc_address")
    return {
        "msg_id": msg_id,
        "global_id": global_ids(ctx.source, msg_id),
        "author_id": author_id,
        "account_id": global_ids(ctx.source, author_id),
        "author_ip": cols.str("author_ip"),
        "sent_at": cols.ts("message_time"),
        "subject": cols.str("message_subject"),
        "root_level": cols.int("root_level", zero_is_null=True),
        "to_users": _addresses(to, "u"),
        "to_groups": _addresses(to, "g"),
        "bcc_users": _addresses(bcc, "u"),
        "bcc_groups": _addresses(bcc, "g"),
        "has_attachments": cols.bool("message_attachment"),
        **_texts(cols, "message_text", "bbcode_uid"),
    }


def map_privmsgs_to(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "msg_id": cols.int("msg_id", required=True),
        "user_id": cols.int("user_id", required=True),
        "author_id": cols.int("author_id"),
        "folder_id": cols.int("folder_id"),
        "is_deleted": cols.bool("pm_deleted"),
        "is_read": pa.array([not bool(v) for v in cols.raw("pm_unread", 0)]),
        "forwarded": cols.bool("pm_forwarded"),
    }


def _file_columns(cols: Columns, ctx: MapContext) -> dict[str, list[Any]]:
    """Tie each attachment row to its file on disk, as registered."""
    out: dict[str, list[Any]] = {"file": [], "file_size": [], "file_sha256": [], "file_status": []}
    for name, declared in zip(
        cols.str("physical_filename"), cols.int("filesize").to_pylist(), strict=True
    ):
        found = ctx.attachment_files.get(name or "")
        if found is None:
            out["file"].append(None)
            out["file_size"].append(None)
            out["file_sha256"].append(None)
            out["file_status"].append("missing")
            continue
        ctx.referenced.add(name or "")
        ctx.referenced.add("thumb_" + (name or ""))
        size, sha = found
        out["file"].append(name)
        out["file_size"].append(size)
        out["file_sha256"].append(sha)
        out["file_status"].append("ok" if declared in (None, size) else "size differs")
    return out


def map_attachments(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    attach_id = cols.int("attach_id", required=True)
    return {
        "attach_id": attach_id,
        "global_id": global_ids(ctx.source, attach_id),
        "post_msg_id": cols.int("post_msg_id", zero_is_null=True),
        "topic_id": cols.int("topic_id", zero_is_null=True),
        "in_message": cols.bool("in_message"),
        "is_orphan": cols.bool("is_orphan"),
        "poster_id": cols.int("poster_id"),
        "physical_filename": cols.str("physical_filename"),
        "real_filename": cols.str("real_filename"),
        "extension": cols.str("extension"),
        "mimetype": cols.str("mimetype"),
        "declared_size": cols.int("filesize"),
        "filetime": cols.ts("filetime"),
        "download_count": cols.int("download_count"),
        "comment": [c or None for c in cols.str("attach_comment")],
        "thumbnail": cols.bool("thumbnail"),
        **_file_columns(cols, ctx),
    }


def map_sessions(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "session_id": cols.str("session_id"),
        "user_id": cols.int("session_user_id"),
        "ip": cols.str("session_ip"),
        "browser": cols.str("session_browser"),
        "forwarded_for": [f or None for f in cols.str("session_forwarded_for")],
        "started_at": cols.ts("session_start"),
        "last_seen_at": cols.ts("session_time"),
        "autologin": cols.bool("session_autologin"),
    }


def map_sessions_keys(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "key_id": cols.str("key_id"),
        "user_id": cols.int("user_id"),
        "last_ip": cols.str("last_ip"),
        "last_login_at": cols.ts("last_login"),
    }


def map_login_attempts(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "ip": cols.str("attempt_ip"),
        "browser": cols.str("attempt_browser"),
        "forwarded_for": [f or None for f in cols.str("attempt_forwarded_for")],
        "attempted_at": cols.ts("attempt_time"),
        "user_id": cols.int("user_id", zero_is_null=True),
        "username": cols.str("username"),
    }


def map_log(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "log_id": cols.int("log_id", required=True),
        "log_type": cols.int("log_type"),
        "user_id": cols.int("user_id"),
        "forum_id": cols.int("forum_id", zero_is_null=True),
        "topic_id": cols.int("topic_id", zero_is_null=True),
        "reportee_id": cols.int("reportee_id", zero_is_null=True),
        "ip": cols.str("log_ip"),
        "logged_at": cols.ts("log_time"),
        "operation": cols.str("log_operation"),
        "data": cols.str("log_data"),
    }


def map_zebra(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "user_id": cols.int("user_id", required=True),
        "contact_id": cols.int("zebra_id", required=True),
        "friend": cols.bool("friend"),
        "foe": cols.bool("foe"),
    }


def map_profile_fields_data(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    """Wide (one pf_ column per custom field) to long: one row per user and filled field."""
    user_ids = cols.int("user_id", required=True).to_pylist()
    fields = [name for name in cols.names() if name.startswith("pf_")]
    users, names, values = [], [], []
    for name in fields:
        for uid, value in zip(user_ids, cols.str(name), strict=True):
            if value not in (None, ""):
                users.append(uid)
                names.append(name[3:])
                values.append(value)
    return {"user_id": users, "field": names, "value": values}


def map_banlist(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "ban_id": cols.int("ban_id", required=True),
        "user_id": cols.int("ban_userid", zero_is_null=True),
        "ip": [v or None for v in cols.str("ban_ip")],
        "email": [v or None for v in cols.str("ban_email")],
        "started_at": cols.ts("ban_start"),
        "ends_at": cols.ts("ban_end"),
        "exclude": cols.bool("ban_exclude"),
        "reason": cols.str("ban_reason"),
    }


def map_config(cols: Columns, ctx: MapContext) -> dict[str, Any]:
    return {
        "name": cols.str("config_name"),
        "value": cols.str("config_value"),
        "is_dynamic": cols.bool("is_dynamic"),
    }


@dataclass(frozen=True)
class TableMap:
    output: str
    mapper: Mapper
    key: str | None  # the column naming a row in messages, e.g. "post_id"


TABLE_MAPS: dict[str, TableMap] = {
    "users": TableMap("accounts", map_users, "user_id"),
    "groups": TableMap("groups", map_groups, "group_id"),
    "user_group": TableMap("memberships", map_user_group, "user_id"),
    "forums": TableMap("forums", map_forums, "forum_id"),
    "topics": TableMap("topics", map_topics, "topic_id"),
    "posts": TableMap("posts", map_posts, "post_id"),
    "privmsgs": TableMap("messages", map_privmsgs, "msg_id"),
    "privmsgs_to": TableMap("message_recipients", map_privmsgs_to, "msg_id"),
    "attachments": TableMap("attachments", map_attachments, "attach_id"),
    "sessions": TableMap("sessions", map_sessions, "session_id"),
    "sessions_keys": TableMap("session_keys", map_sessions_keys, "key_id"),
    "login_attempts": TableMap("login_attempts", map_login_attempts, "attempt_ip"),
    "log": TableMap("logs", map_log, "log_id"),
    "zebra": TableMap("contacts", map_zebra, "user_id"),
    "profile_fields_data": TableMap("profile_values", map_profile_fields_data, "user_id"),
    "banlist": TableMap("bans", map_banlist, "ban_id"),
    "config": TableMap("board_config", map_config, "config_name"),
}
