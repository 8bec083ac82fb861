"""The lake's table contracts: column names and types of every table a stage writes.

Every row carries ``source`` (the registered source it came from) and its native id; global ids
are ``"{source}:{native_id}"`` so that several seized forums can live in one case. Times are UTC.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("s", tz="UTC")
STR = pa.string()
INT = pa.int64()
BOOL = pa.bool_()
STRS = pa.list_(pa.string())
INTS = pa.list_(pa.int64())
F64 = pa.float64()

QUOTE = pa.struct(
    [
        ("author", STR),
        ("post_id", INT),
        ("user_id", INT),
        ("time", INT),
        ("text", STR),
    ]
)

VPDQ_FRAME = pa.struct([("frame", INT), ("seconds", pa.float64()), ("pdq", STR), ("quality", INT)])


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([("source", STR), *fields])


REJECTS = "rejects"

# Text-bearing tables share one shape for what the stored text format held.
TEXT_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("text", STR),
    ("quotes", pa.list_(QUOTE)),
    ("urls", STRS),
    ("emails", STRS),
    ("attachment_refs", INTS),
)

SCHEMAS: dict[str, pa.Schema] = {
    "accounts": _schema(
        ("account_id", STR),
        ("user_id", INT),
        ("username", STR),
        ("username_clean", STR),
        ("user_type", INT),
        ("kind", STR),  # member | inactive | founder | anonymous | bot
        ("is_person", BOOL),  # false for Anonymous and bots
        ("email", STR),
        ("registration_ip", STR),
        ("registered_at", TS),
        ("last_visit_at", TS),
        ("last_active_at", TS),
        ("birthday", STR),  # as phpBB stores it: "dd-mm-yyyy", space padded
        ("timezone", STR),
        ("lang", STR),
        ("default_group_id", INT),
        ("posts_count", INT),
        ("signature", STR),
        ("signature_urls", STRS),
        ("avatar", STR),
        ("avatar_type", STR),
        ("avatar_file", STR),  # the uploaded avatar's file name in the avatars folder
        ("jabber", STR),
        ("inactive_reason", INT),
    ),
    "groups": _schema(
        ("group_id", INT),
        ("name", STR),
        ("type", INT),
        ("founder_manage", BOOL),
        ("description", STR),
        ("role", STR),  # administrator | moderator | bots | guests | registered | custom
    ),
    "memberships": _schema(
        ("group_id", INT),
        ("user_id", INT),
        ("account_id", STR),
        ("is_leader", BOOL),
        ("pending", BOOL),
    ),
    "forums": _schema(
        ("forum_id", INT),
        ("parent_id", INT),
        ("name", STR),
        ("description", STR),
        ("forum_type", INT),
    ),
    "topics": _schema(
        ("topic_id", INT),
        ("forum_id", INT),
        ("title", STR),
        ("poster_id", INT),
        ("created_at", TS),
        ("first_post_id", INT),
        ("last_post_id", INT),
        ("views", INT),
        ("visibility", INT),
    ),
    "posts": _schema(
        ("post_id", INT),
        ("global_id", STR),
        ("topic_id", INT),
        ("forum_id", INT),
        ("poster_id", INT),
        ("account_id", STR),
        ("poster_ip", STR),
        ("posted_at", TS),
        ("edited_at", TS),
        ("subject", STR),
        ("post_username", STR),
        ("visibility", INT),
        ("has_attachments", BOOL),
        *TEXT_FIELDS,
    ),
    "messages": _schema(
        ("msg_id", INT),
        ("global_id", STR),
        ("author_id", INT),
        ("account_id", STR),
        ("author_ip", STR),
        ("sent_at", TS),
        ("subject", STR),
        ("root_level", INT),
        ("to_users", INTS),
        ("to_groups", INTS),
        ("bcc_users", INTS),
        ("bcc_groups", INTS),
        ("has_attachments", BOOL),
        *TEXT_FIELDS,
    ),
    "message_recipients": _schema(
        ("msg_id", INT),
        ("user_id", INT),
        ("author_id", INT),
        ("folder_id", INT),
        ("is_deleted", BOOL),
        ("is_read", BOOL),
        ("forwarded", BOOL),
    ),
    "attachments": _schema(
        ("attach_id", INT),
        ("global_id", STR),
        ("post_msg_id", INT),
        ("topic_id", INT),
        ("in_message", BOOL),
        ("is_orphan", BOOL),
        ("poster_id", INT),
        ("physical_filename", STR),
        ("real_filename", STR),
        ("extension", STR),
        ("mimetype", STR),
        ("declared_size", INT),
        ("filetime", TS),
        ("download_count", INT),
        ("comment", STR),
        ("thumbnail", BOOL),
        ("file", STR),  # path relative to the attachment folder, null when the file is missing
        ("file_size", INT),
        ("file_sha256", STR),
        ("file_status", STR),  # ok | missing | size differs
    ),
    "files": _schema(
        ("role", STR),  # attachment | avatar
        ("file", STR),  # path relative to the role's folder
        ("size", INT),
        ("sha256", STR),
        ("kind", STR),  # attachment | thumbnail | avatar | unreferenced
        ("attach_id", INT),
        ("user_id", INT),
    ),
    "sessions": _schema(
        ("session_id", STR),
        ("user_id", INT),
        ("ip", STR),
        ("browser", STR),
        ("forwarded_for", STR),
        ("started_at", TS),
        ("last_seen_at", TS),
        ("autologin", BOOL),
    ),
    "session_keys": _schema(
        ("key_id", STR),
        ("user_id", INT),
        ("last_ip", STR),
        ("last_login_at", TS),
    ),
    "login_attempts": _schema(
        ("ip", STR),
        ("browser", STR),
        ("forwarded_for", STR),
        ("attempted_at", TS),
        ("user_id", INT),
        ("username", STR),
    ),
    "logs": _schema(
        ("log_id", INT),
        ("log_type", INT),
        ("user_id", INT),
        ("forum_id", INT),
        ("topic_id", INT),
        ("reportee_id", INT),
        ("ip", STR),
        ("logged_at", TS),
        ("operation", STR),
        ("data", STR),
    ),
    "contacts": _schema(
        ("user_id", INT),
        ("contact_id", INT),
        ("friend", BOOL),
        ("foe", BOOL),
    ),
    "profile_fields": _schema(
        ("field_id", INT),
        ("name", STR),
        ("ident", STR),
        ("field_type", STR),
        ("active", BOOL),
    ),
    "profile_values": _schema(
        ("user_id", INT),
        ("field", STR),
        ("value", STR),
    ),
    "bans": _schema(
        ("ban_id", INT),
        ("user_id", INT),
        ("ip", STR),
        ("email", STR),
        ("started_at", TS),
        ("ends_at", TS),
        ("exclude", BOOL),
        ("reason", STR),
    ),
    "board_config": _schema(
        ("name", STR),
        ("value", STR),
        ("is_dynamic", BOOL),
    ),
    "source_tables": _schema(
        ("table_name", STR),  # as named in the dump
        ("phpbb_table", STR),  # unprefixed, null when it is no phpBB table
        ("line", INT),
        ("charset", STR),
        ("status", STR),  # imported | not needed | unknown
        ("rows_read", INT),
        ("rows_loaded", INT),
        ("rows_rejected", INT),
        ("rows_repaired", INT),
    ),
    # -- media -------------------------------------------------------------------------------
    "known_hashes": _schema(  # source = the hash set's name
        ("known_id", STR),
        ("md5", STR),
        ("sha1", STR),
        ("sha256", STR),
        ("pdq", STR),
        ("category", STR),
        ("line", INT),
    ),
    "media_hashes": _schema(
        ("role", STR),  # attachment | avatar
        ("file", STR),
        ("size", INT),
        ("md5", STR),
        ("sha1", STR),
        ("sha256", STR),
        ("media_type", STR),  # image | video | other
        ("format", STR),
        ("width", INT),
        ("height", INT),
        ("pdq", STR),
        ("pdq_quality", INT),
        ("pdq_dihedral", STRS),  # the 8 orientations, original first
        ("vpdq", pa.list_(VPDQ_FRAME)),  # videos: one PDQ a second (Meta's vPDQ)
        ("error", STR),  # why no perceptual hash: corrupt, too large, unsupported...
    ),
    "matches": _schema(
        ("role", STR),
        ("file", STR),
        ("attachment_id", INT),  # null for avatars
        ("sha256", STR),
        ("pdq", STR),
        ("match_type", STR),  # exact | perceptual
        ("matched_on", STR),  # md5 | sha1 | sha256 | pdq
        ("known_id", STR),
        ("hash_set", STR),
        ("distance", INT),  # 0 for exact matches
        ("category", STR),
    ),
    "media_clusters": _schema(
        ("cluster_id", STR),
        ("priority", INT),  # 1 = look first
        ("files", INT),  # distinct files (near duplicates of each other)
        ("attachments", INT),  # times it was posted
        ("posters", INT),  # distinct accounts that posted it
        ("first_seen_at", TS),
        ("first_account_id", STR),
        ("first_place", STR),  # "post 12 in topic 3" | "private message 7"
        ("last_seen_at", TS),
        ("representative_pdq", STR),
        ("members", STRS),  # the files
    ),
    # -- identity ----------------------------------------------------------------------------
    "identifiers": _schema(
        ("account_id", STR),  # null when the row names no known account (a guest's session)
        ("kind", STR),  # email | ip | btc | eth | pgp | phone | url | domain | handle | ...
        ("value", STR),  # normalised: what linkage compares
        ("raw", STR),  # as written
        ("detail", STR),  # e.g. "local=x provider=y", a city's country code, checksum notes
        ("seen_at", TS),
        ("origin_table", STR),  # accounts | posts | messages | sessions | ... | profile_values
        ("origin_id", STR),  # the row's id as text (post id, message id, user id...)
        ("field", STR),  # registration_ip | poster_ip | email | signature | text | location...
    ),
    "ip_locations": _schema(  # one row per distinct address the identifiers hold
        ("ip", STR),
        ("country", STR),  # ISO 3166-1 alpha-2; null when the database has none
        ("network", STR),  # the database's CIDR for the answer
        ("asn_name", STR),
        ("asn_network", STR),
        ("network_kind", STR),  # residential | hosting | vpn | tor | private | unknown
        ("flag_reason", STR),  # why it is not residential: "ASN name matches 'M247'", ...
        ("database", STR),  # which database answered, e.g. "geoip2fast GeoLite2-Country"
        ("database_date", STR),  # that database's date, ISO 8601
    ),
    "persons": _schema(
        ("person_id", STR),  # "P-" + the person's smallest account id: stable across re-runs
        ("accounts", STRS),
        ("usernames", STRS),
        ("n_accounts", INT),
        ("linked_by", STRS),  # methods behind its links: model | deterministic | analyst
    ),
    "person_accounts": _schema(("person_id", STR), ("account_id", STR)),
    "account_links": _schema(  # every scored or forced pair, accepted or not
        ("account_a", STR),
        ("account_b", STR),
        (
            "match_weight",
            F64,
        ),  # log2 Bayes factor from the model; null when it did not score the pair
        ("match_probability", F64),
        ("method", STR),  # model | deterministic | analyst
        ("accepted", BOOL),  # part of a person after clustering and analyst decisions
        ("reason", STR),  # one line an analyst reads: what the two accounts share
        ("features", STR),  # JSON: per comparison, the level reached and its weight
    ),
    "link_model": _schema(  # the trained model: what each level of each comparison weighs
        ("comparison", STR),  # "(prior)" for the chance two random accounts are one person
        ("level", STR),
        ("condition", STR),  # the SQL that decides the level
        ("m_probability", F64),  # share of true matches at this level
        ("u_probability", F64),  # share of non-matches at this level
        ("match_weight", F64),  # log2(m / u): what reaching this level adds
    ),
    "attributions": _schema(
        ("person_id", STR),
        ("country", STR),  # null when nothing points anywhere
        ("confidence", F64),  # 0..1: the winning country's share of the evidence weight
        ("runner_up", STR),
        ("conflict", BOOL),  # strong evidence points to more than one country
        ("evidence", STR),  # JSON list: {kind, country, weight, detail}
    ),
    # -- network and triage ----------------------------------------------------------------
    "graph_edges": _schema(  # person-level ties, one row per (from, to, kind)
        ("from_person", STR),
        ("to_person", STR),
        ("kind", STR),  # reply | quote | message | thread | friend | media
        ("weight", INT),  # how many times
        ("first_at", TS),
        ("last_at", TS),
    ),
    "graph_metrics": _schema(
        ("person_id", STR),
        ("degree", INT),  # distinct persons tied to, any kind
        ("weighted_degree", F64),
        ("pagerank", F64),
        ("kcore", INT),
        ("betweenness", F64),  # normalised to 0..1; estimated on large graphs
        ("community", INT),  # Leiden community id (-1: isolated)
        ("community_size", INT),
        ("role", STR),  # administrator | moderator | producer | distributor | consumer | peripheral
        ("role_reasons", STRS),  # neutral statements behind the role
        ("posts", INT),
        ("messages", INT),
        ("known_files_posted", INT),  # distinct known files this person posted
        ("new_clusters_seeded", INT),  # new-material clusters this person posted first
        ("seeded_spread", INT),  # other persons who later posted clusters this person seeded
        ("first_active_at", TS),
        ("last_active_at", TS),
    ),
    "priorities": _schema(
        ("person_id", STR),
        ("score", F64),  # 0..100, a ranking aid, not a prediction
        ("rank", INT),  # 1 = most urgent
        ("tier", STR),  # Very High | High | Medium | Low
        ("indicators", STRS),  # neutral statements of what was found
        ("explanation", STR),  # JSON list: {indicator, value, weight, contribution, detail}
    ),
    REJECTS: pa.schema(
        [
            ("stage", STR),
            ("target", STR),
            ("run_id", STR),
            ("kind", STR),
            ("detail", STR),
            ("location", STR),
            ("line", INT),
            ("table_name", STR),
            ("record", STR),
            ("rows", INT),
            ("action", STR),  # skipped | repaired | noted
        ]
    ),
}
