"""phpBB 3.3 table definitions, rendered as MariaDB's ``mysqldump`` writes them.

The column lists follow phpBB's own schema description (``install/schemas/schema.json`` of
3.1, the ``dbms_type_map`` of ``phpbb\\db\\tools\\tools`` for ``mysql_41``) plus the later
migrations that touch the imported tables, as installed by phpBB 3.3.15:

* v320 ``default_data_type_ids``: most id columns become ``ULINT`` (``int(10) unsigned``);
  ``log_post_id`` adds ``log.post_id``.
* v31x ``add_log_time_index``, ``add_latest_topics_index``, ``increase_size_of_dateformat``.
* v32x ``forum_topics_per_page_type``; v330 ``forums_legend_limit``, ``reset_password``,
  ``remove_email_hash`` (drops ``user_email_hash``, indexes ``user_email``),
  ``profilefield_cleanup`` (drops Google+).
* v33x ``add_resend_activation_expiration``, ``add_user_last_active``, ``topic_views_update``.
* profile fields: the 3.1 defaults (interests, occupation, icq, location, website, yahoo, aol,
  facebook, skype, twitter, youtube); WLM went in 3.2.0.

Columns are written in phpBB's notation (``name TYPE default``) so a reader can hold them
against phpBB's source; ``_render`` turns them into the exact text of ``SHOW CREATE TABLE`` on
MariaDB 10.11 (a test creates every table in MariaDB and compares). The indexes are the real
ones, because the import benchmark compares against MariaDB loading the same dump.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "KNOWN_TABLES",
    "PHPBB_TABLES",
    "PHPBB_VERSION",
    "Column",
    "create_table_sql",
    "table_columns",
]

PHPBB_VERSION = "3.3.15"

# phpBB type -> MariaDB type as SHOW CREATE TABLE prints it (mysql_41 dbms_type_map).
_TYPES = {
    "BINT": "bigint(20)",
    "ULINT": "int(10) unsigned",
    "UINT": "mediumint(8) unsigned",
    "USINT": "smallint(4) unsigned",
    "BOOL": "tinyint(1) unsigned",
    "VCHAR": "varchar(255)",
    "VCHAR_UNI": "varchar(255)",
    "VCHAR_CI": "varchar(255)",
    "STEXT_UNI": "varchar(255)",
    "TEXT": "text",
    "TEXT_UNI": "text",
    "MTEXT": "mediumtext",
    "MTEXT_UNI": "mediumtext",
    "TIMESTAMP": "int(11) unsigned",
}
_SIZED_TYPES = {
    "INT": "int({})",
    "UINT": "int({}) unsigned",
    "TINT": "tinyint({})",
    "VCHAR": "varchar({})",
    "VCHAR_UNI": "varchar({})",
    "CHAR": "char({})",
}

# One table: "name TYPE default" per column, comma separated; default "ai" = auto_increment,
# '' = empty string, anything else a number (or a quoted string).
_SPEC: dict[str, tuple[str, str]] = {
    "attachments": (
        """attach_id ULINT ai, post_msg_id ULINT 0, topic_id ULINT 0, in_message BOOL 0,
        poster_id ULINT 0, is_orphan BOOL 1, physical_filename VCHAR '', real_filename VCHAR '',
        download_count UINT 0, attach_comment TEXT_UNI '', extension VCHAR:100 '',
        mimetype VCHAR:100 '', filesize UINT:20 0, filetime TIMESTAMP 0, thumbnail BOOL 0""",
        """PRIMARY attach_id; KEY filetime filetime; KEY post_msg_id post_msg_id;
        KEY topic_id topic_id; KEY poster_id poster_id; KEY is_orphan is_orphan""",
    ),
    "banlist": (
        """ban_id ULINT ai, ban_userid ULINT 0, ban_ip VCHAR:40 '', ban_email VCHAR_UNI:100 '',
        ban_start TIMESTAMP 0, ban_end TIMESTAMP 0, ban_exclude BOOL 0, ban_reason VCHAR_UNI '',
        ban_give_reason VCHAR_UNI ''""",
        """PRIMARY ban_id; KEY ban_end ban_end; KEY ban_user ban_userid,ban_exclude;
        KEY ban_email ban_email,ban_exclude; KEY ban_ip ban_ip,ban_exclude""",
    ),
    "config": (
        "config_name VCHAR '', config_value VCHAR_UNI '', is_dynamic BOOL 0",
        "PRIMARY config_name; KEY is_dynamic is_dynamic",
    ),
    "forums": (
        """forum_id UINT ai, parent_id UINT 0, left_id UINT 0, right_id UINT 0,
        forum_parents MTEXT '', forum_name STEXT_UNI '', forum_desc TEXT_UNI '',
        forum_desc_bitfield VCHAR:255 '', forum_desc_options UINT:11 7, forum_desc_uid VCHAR:8 '',
        forum_link VCHAR_UNI '', forum_password VCHAR:255 '', forum_style UINT 0,
        forum_image VCHAR '', forum_rules TEXT_UNI '', forum_rules_link VCHAR_UNI '',
        forum_rules_bitfield VCHAR:255 '', forum_rules_options UINT:11 7,
        forum_rules_uid VCHAR:8 '', forum_topics_per_page USINT 0, forum_type TINT:4 0,
        forum_status TINT:4 0, forum_last_post_id ULINT 0, forum_last_poster_id ULINT 0,
        forum_last_post_subject STEXT_UNI '', forum_last_post_time TIMESTAMP 0,
        forum_last_poster_name VCHAR_UNI '', forum_last_poster_colour VCHAR:6 '',
        forum_flags TINT:4 32, display_on_index BOOL 1, enable_indexing BOOL 1,
        enable_icons BOOL 1, enable_prune BOOL 0, prune_next TIMESTAMP 0, prune_days UINT 0,
        prune_viewed UINT 0, prune_freq UINT 0, display_subforum_list BOOL 1,
        display_subforum_limit BOOL 0, forum_options UINT:20 0, enable_shadow_prune BOOL 0,
        prune_shadow_days UINT 7, prune_shadow_freq UINT 1, prune_shadow_next INT:11 0,
        forum_posts_approved UINT 0, forum_posts_unapproved UINT 0,
        forum_posts_softdeleted UINT 0, forum_topics_approved UINT 0,
        forum_topics_unapproved UINT 0, forum_topics_softdeleted UINT 0""",
        """PRIMARY forum_id; KEY left_right_id left_id,right_id;
        KEY forum_lastpost_id forum_last_post_id""",
    ),
    "groups": (
        """group_id UINT ai, group_type TINT:4 1, group_founder_manage BOOL 0,
        group_skip_auth BOOL 0, group_name VCHAR_CI '', group_desc TEXT_UNI '',
        group_desc_bitfield VCHAR:255 '', group_desc_options UINT:11 7, group_desc_uid VCHAR:8 '',
        group_display BOOL 0, group_avatar VCHAR '', group_avatar_type VCHAR:255 '',
        group_avatar_width USINT 0, group_avatar_height USINT 0, group_rank UINT 0,
        group_colour VCHAR:6 '', group_sig_chars UINT 0, group_receive_pm BOOL 0,
        group_message_limit UINT 0, group_legend UINT 0, group_max_recipients UINT 0""",
        "PRIMARY group_id; KEY group_legend_name group_legend,group_name",
    ),
    "log": (
        """log_id ULINT ai, log_type TINT:4 0, user_id ULINT 0, forum_id UINT 0, topic_id ULINT 0,
        post_id ULINT 0, reportee_id ULINT 0, log_ip VCHAR:40 '', log_time TIMESTAMP 0,
        log_operation TEXT_UNI '', log_data MTEXT_UNI ''""",
        """PRIMARY log_id; KEY log_type log_type; KEY forum_id forum_id; KEY topic_id topic_id;
        KEY reportee_id reportee_id; KEY user_id user_id; KEY log_time log_time""",
    ),
    "login_attempts": (
        """attempt_ip VCHAR:40 '', attempt_browser VCHAR:150 '', attempt_forwarded_for VCHAR:255 '',
        attempt_time TIMESTAMP 0, user_id ULINT 0, username VCHAR_UNI:255 '0',
        username_clean VCHAR_CI '0'""",
        """KEY att_ip attempt_ip,attempt_time; KEY att_for attempt_forwarded_for,attempt_time;
        KEY att_time attempt_time; KEY user_id user_id""",
    ),
    "posts": (
        """post_id ULINT ai, topic_id ULINT 0, forum_id UINT 0, poster_id ULINT 0, icon_id UINT 0,
        poster_ip VCHAR:40 '', post_time TIMESTAMP 0, post_reported BOOL 0, enable_bbcode BOOL 1,
        enable_smilies BOOL 1, enable_magic_url BOOL 1, enable_sig BOOL 1,
        post_username VCHAR_UNI:255 '', post_subject STEXT_UNI '', post_text MTEXT_UNI '',
        post_checksum VCHAR:32 '', post_attachment BOOL 0, bbcode_bitfield VCHAR:255 '',
        bbcode_uid VCHAR:8 '', post_postcount BOOL 1, post_edit_time TIMESTAMP 0,
        post_edit_reason STEXT_UNI '', post_edit_user ULINT 0, post_edit_count USINT 0,
        post_edit_locked BOOL 0, post_visibility TINT:3 0, post_delete_time TIMESTAMP 0,
        post_delete_reason STEXT_UNI '', post_delete_user ULINT 0""",
        """PRIMARY post_id; KEY forum_id forum_id; KEY topic_id topic_id; KEY poster_ip poster_ip;
        KEY poster_id poster_id; KEY tid_post_time topic_id,post_time;
        KEY post_username post_username; KEY post_visibility post_visibility""",
    ),
    "privmsgs": (
        """msg_id ULINT ai, root_level UINT 0, author_id ULINT 0, icon_id UINT 0,
        author_ip VCHAR:40 '', message_time TIMESTAMP 0, enable_bbcode BOOL 1,
        enable_smilies BOOL 1, enable_magic_url BOOL 1, enable_sig BOOL 1,
        message_subject STEXT_UNI '', message_text MTEXT_UNI '', message_edit_reason STEXT_UNI '',
        message_edit_user ULINT 0, message_attachment BOOL 0, bbcode_bitfield VCHAR:255 '',
        bbcode_uid VCHAR:8 '', message_edit_time TIMESTAMP 0, message_edit_count USINT 0,
        to_address TEXT_UNI '', bcc_address TEXT_UNI '', message_reported BOOL 0""",
        """PRIMARY msg_id; KEY author_ip author_ip; KEY message_time message_time;
        KEY author_id author_id; KEY root_level root_level""",
    ),
    "privmsgs_to": (
        """msg_id ULINT 0, user_id ULINT 0, author_id ULINT 0, pm_deleted BOOL 0, pm_new BOOL 1,
        pm_unread BOOL 1, pm_replied BOOL 0, pm_marked BOOL 0, pm_forwarded BOOL 0,
        folder_id INT:11 0""",
        "KEY msg_id msg_id; KEY author_id author_id; KEY usr_flder_id user_id,folder_id",
    ),
    "profile_fields": (
        """field_id UINT ai, field_name VCHAR_UNI '', field_type VCHAR:100 '',
        field_ident VCHAR:20 '', field_length VCHAR:20 '', field_minlen VCHAR '',
        field_maxlen VCHAR '', field_novalue VCHAR_UNI '', field_default_value VCHAR_UNI '',
        field_validation VCHAR_UNI:20 '', field_required BOOL 0, field_show_on_reg BOOL 0,
        field_hide BOOL 0, field_no_view BOOL 0, field_active BOOL 0, field_order UINT 0,
        field_show_profile BOOL 0, field_show_on_vt BOOL 0, field_show_novalue BOOL 0,
        field_show_on_pm BOOL 0, field_show_on_ml BOOL 0, field_is_contact BOOL 0,
        field_contact_desc VCHAR '', field_contact_url VCHAR ''""",
        "PRIMARY field_id; KEY fld_type field_type; KEY fld_ordr field_order",
    ),
    "profile_fields_data": (
        """user_id ULINT 0, pf_phpbb_interests MTEXT '', pf_phpbb_occupation MTEXT '',
        pf_phpbb_icq VCHAR '', pf_phpbb_location VCHAR '', pf_phpbb_website VCHAR '',
        pf_phpbb_yahoo VCHAR '', pf_phpbb_aol VCHAR '', pf_phpbb_facebook VCHAR '',
        pf_phpbb_skype VCHAR '', pf_phpbb_twitter VCHAR '', pf_phpbb_youtube VCHAR ''""",
        "PRIMARY user_id",
    ),
    "sessions": (
        """session_id CHAR:32 '', session_user_id ULINT 0, session_last_visit TIMESTAMP 0,
        session_start TIMESTAMP 0, session_time TIMESTAMP 0, session_ip VCHAR:40 '',
        session_browser VCHAR:150 '', session_forwarded_for VCHAR:255 '', session_page VCHAR_UNI '',
        session_viewonline BOOL 1, session_autologin BOOL 0, session_admin BOOL 0,
        session_forum_id UINT 0""",
        """PRIMARY session_id; KEY session_time session_time;
        KEY session_user_id session_user_id; KEY session_fid session_forum_id""",
    ),
    "sessions_keys": (
        "key_id CHAR:32 '', user_id ULINT 0, last_ip VCHAR:40 '', last_login TIMESTAMP 0",
        "PRIMARY key_id,user_id; KEY last_login last_login",
    ),
    "topics": (
        """topic_id ULINT ai, forum_id UINT 0, icon_id UINT 0, topic_attachment BOOL 0,
        topic_reported BOOL 0, topic_title STEXT_UNI '', topic_poster ULINT 0,
        topic_time TIMESTAMP 0, topic_time_limit TIMESTAMP 0, topic_views ULINT 0,
        topic_status TINT:3 0, topic_type TINT:3 0, topic_first_post_id ULINT 0,
        topic_first_poster_name VCHAR_UNI '', topic_first_poster_colour VCHAR:6 '',
        topic_last_post_id ULINT 0, topic_last_poster_id ULINT 0,
        topic_last_poster_name VCHAR_UNI '', topic_last_poster_colour VCHAR:6 '',
        topic_last_post_subject STEXT_UNI '', topic_last_post_time TIMESTAMP 0,
        topic_last_view_time TIMESTAMP 0, topic_moved_id ULINT 0, topic_bumped BOOL 0,
        topic_bumper UINT 0, poll_title STEXT_UNI '', poll_start TIMESTAMP 0,
        poll_length TIMESTAMP 0, poll_max_options TINT:4 1, poll_last_vote TIMESTAMP 0,
        poll_vote_change BOOL 0, topic_visibility TINT:3 0, topic_delete_time TIMESTAMP 0,
        topic_delete_reason STEXT_UNI '', topic_delete_user ULINT 0,
        topic_posts_approved UINT 0, topic_posts_unapproved UINT 0,
        topic_posts_softdeleted UINT 0""",
        """PRIMARY topic_id; KEY forum_id forum_id; KEY forum_id_type forum_id,topic_type;
        KEY last_post_time topic_last_post_time;
        KEY fid_time_moved forum_id,topic_last_post_time,topic_moved_id;
        KEY topic_visibility topic_visibility;
        KEY forum_vis_last forum_id,topic_visibility,topic_last_post_id;
        KEY latest_topics forum_id,topic_last_post_time,topic_last_post_id,topic_moved_id""",
    ),
    "user_group": (
        "group_id UINT 0, user_id ULINT 0, group_leader BOOL 0, user_pending BOOL 1",
        "KEY group_id group_id; KEY user_id user_id; KEY group_leader group_leader",
    ),
    "users": (
        """user_id ULINT ai, user_type TINT:2 0, group_id UINT 3, user_permissions MTEXT '',
        user_perm_from UINT 0, user_ip VCHAR:40 '', user_regdate TIMESTAMP 0,
        username VCHAR_CI '', username_clean VCHAR_CI '', user_password VCHAR:255 '',
        user_passchg TIMESTAMP 0, user_email VCHAR_UNI:100 '', user_birthday VCHAR:10 '',
        user_lastvisit TIMESTAMP 0, user_lastmark TIMESTAMP 0, user_lastpost_time TIMESTAMP 0,
        user_lastpage VCHAR_UNI:200 '', user_last_confirm_key VCHAR:10 '',
        user_last_search TIMESTAMP 0, user_warnings TINT:4 0, user_last_warning TIMESTAMP 0,
        user_login_attempts TINT:4 0, user_inactive_reason TINT:2 0,
        user_inactive_time TIMESTAMP 0, user_posts UINT 0, user_lang VCHAR:30 '',
        user_timezone VCHAR:100 '', user_dateformat VCHAR_UNI:64 'd M Y H:i', user_style UINT 0,
        user_rank UINT 0, user_colour VCHAR:6 '', user_new_privmsg INT:4 0,
        user_unread_privmsg INT:4 0, user_last_privmsg TIMESTAMP 0, user_message_rules BOOL 0,
        user_full_folder INT:11 -3, user_emailtime TIMESTAMP 0, user_topic_show_days USINT 0,
        user_topic_sortby_type VCHAR:1 't', user_topic_sortby_dir VCHAR:1 'd',
        user_post_show_days USINT 0, user_post_sortby_type VCHAR:1 't',
        user_post_sortby_dir VCHAR:1 'a', user_notify BOOL 0, user_notify_pm BOOL 1,
        user_notify_type TINT:4 0, user_allow_pm BOOL 1, user_allow_viewonline BOOL 1,
        user_allow_viewemail BOOL 1, user_allow_massemail BOOL 1, user_options UINT:11 230271,
        user_avatar VCHAR '', user_avatar_type VCHAR:255 '', user_avatar_width USINT 0,
        user_avatar_height USINT 0, user_sig MTEXT_UNI '', user_sig_bbcode_uid VCHAR:8 '',
        user_sig_bbcode_bitfield VCHAR:255 '', user_jabber VCHAR_UNI '', user_actkey VCHAR:32 '',
        user_actkey_expiration TIMESTAMP 0, reset_token VCHAR:64 '',
        reset_token_expiration TIMESTAMP 0, user_newpasswd VCHAR:255 '',
        user_form_salt VCHAR_UNI:32 '', user_new BOOL 1, user_reminded TINT:4 0,
        user_reminded_time TIMESTAMP 0, user_last_active TIMESTAMP 0""",
        """PRIMARY user_id; UNIQUE username_clean username_clean; KEY user_birthday user_birthday;
        KEY user_type user_type; KEY user_email user_email""",
    ),
    "zebra": (
        "user_id ULINT 0, zebra_id ULINT 0, friend BOOL 0, foe BOOL 0",
        "PRIMARY user_id,zebra_id",
    ),
}

# Every table of a default phpBB 3.3 install: tells "known but not imported" from "unknown".
_KNOWN = """
acl_groups acl_options acl_roles acl_roles_data acl_users attachments banlist bbcodes
bookmarks bots config config_text confirm disallow drafts ext extension_groups extensions
forums forums_access forums_track forums_watch groups icons lang log login_attempts migrations
moderator_cache modules notification_emails notification_types notifications oauth_accounts
oauth_states oauth_tokens poll_options poll_votes posts privmsgs privmsgs_folder
privmsgs_rules privmsgs_to profile_fields profile_fields_data profile_fields_lang profile_lang
ranks reports reports_reasons search_results search_wordlist search_wordmatch sessions
sessions_keys sitelist smilies styles teampage topics topics_posted topics_track topics_watch
user_group user_notifications users warnings words zebra
"""
KNOWN_TABLES: frozenset[str] = frozenset(_KNOWN.split())


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str  # as SHOW CREATE TABLE prints it, e.g. "int(10) unsigned"
    default: int | str | None  # None for text columns (no default) and auto_increment
    auto_increment: bool = False

    @property
    def is_text(self) -> bool:
        return self.sql_type.endswith("text")


def _sql_type(phpbb_type: str) -> str:
    base, _, size = phpbb_type.partition(":")
    if size:
        return _SIZED_TYPES[base].format(int(size))
    return _TYPES[base]


def _parse_columns(spec: str) -> tuple[Column, ...]:
    columns = []
    for item in spec.split(","):
        name, phpbb_type, raw_default = item.split(maxsplit=2)
        sql_type = _sql_type(phpbb_type)
        if raw_default == "ai":
            columns.append(Column(name, sql_type, None, auto_increment=True))
            continue
        quoted = raw_default.startswith("'")
        default: int | str = raw_default.strip("'") if quoted else int(raw_default)
        # phpBB gives text columns no DEFAULT on MySQL (it was not allowed before 8.0.13).
        columns.append(Column(name, sql_type, None if sql_type.endswith("text") else default))
    return tuple(columns)


def _render_column(column: Column) -> str:
    line = f"  `{column.name}` {column.sql_type} NOT NULL"
    if column.auto_increment:
        return line + " AUTO_INCREMENT"
    if column.default is None:
        return line
    if isinstance(column.default, int) and not column.sql_type.startswith(("varchar", "char")):
        return f"{line} DEFAULT {column.default}"
    return f"{line} DEFAULT '{column.default}'"


def _render_keys(spec: str) -> list[str]:
    lines = []
    for item in spec.split(";"):
        kind, *rest = item.split()
        if kind == "PRIMARY":
            cols = ",".join(f"`{c}`" for c in rest[0].split(","))
            lines.append(f"  PRIMARY KEY ({cols})")
            continue
        name, fields = rest
        cols = ",".join(f"`{c}`" for c in fields.split(","))
        prefix = "UNIQUE KEY" if kind == "UNIQUE" else "KEY"
        lines.append(f"  {prefix} `{name}` ({cols})")
    return lines


_COLUMNS: dict[str, tuple[Column, ...]] = {t: _parse_columns(c) for t, (c, _) in _SPEC.items()}


def _render(table: str) -> str:
    body = [_render_column(c) for c in _COLUMNS[table]] + _render_keys(_SPEC[table][1])
    head = "CREATE TABLE `{prefix}" + table + "` (\n" + ",\n".join(body)
    return f"{head}\n) ENGINE=InnoDB {_CHARSET_TAILS['utf8mb3']};"


_CHARSET_TAILS = {
    "utf8mb3": "DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin",
    "utf8mb4": "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    # What an old board created under latin1 defaults shows (MySQL latin1 is cp1252).
    "latin1": "DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci",
}

# Unprefixed name -> CREATE TABLE template with "{prefix}" where the table prefix goes.
PHPBB_TABLES: dict[str, str] = {table: _render(table) for table in sorted(_SPEC)}


def table_columns(table: str) -> tuple[Column, ...]:
    """The columns of an imported table in dump order (the order of the INSERT values)."""
    return _COLUMNS[table]


def create_table_sql(
    table: str,
    prefix: str = "phpbb_",
    charset: str = "utf8mb3",
    auto_increment: int | None = None,
) -> str:
    """The CREATE TABLE statement (with its ``;``) as mysqldump writes it.

    ``auto_increment`` is the table's next id, which mysqldump prints when it is above 1.
    """
    try:
        template = PHPBB_TABLES[table]
    except KeyError:
        raise KeyError(f"not an imported phpBB table: {table!r}") from None
    try:
        tail = _CHARSET_TAILS[charset]
    except KeyError:
        raise ValueError(
            f"unsupported charset {charset!r}; use one of {sorted(_CHARSET_TAILS)}"
        ) from None
    engine = "ENGINE=InnoDB"
    if auto_increment is not None and auto_increment > 1:
        engine += f" AUTO_INCREMENT={auto_increment}"
    default_tail = f") ENGINE=InnoDB {_CHARSET_TAILS['utf8mb3']};"
    head = template.replace("{prefix}", prefix).removesuffix(default_tail)
    return f"{head}) {engine} {tail};"
