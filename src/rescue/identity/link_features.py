"""One row of linkage features per account: what two accounts of one person tend to share.

Forum users who run several accounts rarely reuse everything, but they reuse small things: a
username typed a little differently, an e-mail local part at another provider, a home
connection, a signature, an avatar file, a birthday in a time zone, a bitcoin address. Each
feature below is the normalised form those comparisons need, built in one SQL query over the
lake so 100,000 accounts take seconds.

Addresses count only when they say something about a person: an IP the geolocation stage
classed as a VPN, Tor exit, hosting, private or unknown network is left out, and so is any
address used by more than ``max_accounts_per_ip`` accounts (a carrier-grade NAT, a library, an
unflagged proxy), since thousands of strangers share those. Hard identifiers (crypto address,
PGP fingerprint, messenger handle, phone number) mentioned by more than
``max_accounts_per_hard_id`` accounts are dropped for the same reason: a donation address the
whole board quotes is not one person's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from rescue.engine.base import Engine
from rescue.engine.stand_ins import stand_ins

HARD_KINDS = ("btc", "eth", "xmr", "pgp", "handle", "phone")


@dataclass(frozen=True)
class FeatureParams:
    max_accounts_per_ip: int = 8
    max_accounts_per_hard_id: int = 3
    # Fewer posts and messages than this give no reliable daily rhythm.
    min_posts_for_rhythm: int = 5


def _residential_ips(engine: Engine, params: FeatureParams) -> str:
    """SQL for (account_id, ip, seen_at) sightings of addresses that can point to a person."""
    located = "ip_locations" in engine.tables()
    kind_filter = (
        "JOIN ip_locations g ON g.ip = i.value AND g.network_kind = 'residential'"
        if located
        else ""
    )
    return f"""
        sightings AS (
            SELECT i.account_id, i.value AS ip, i.seen_at
            FROM identifiers i {kind_filter}
            WHERE i.kind = 'ip' AND i.account_id IS NOT NULL
        ),
        common_ips AS (
            SELECT ip FROM sightings GROUP BY ip
            HAVING count(DISTINCT account_id) > {int(params.max_accounts_per_ip)}
        ),
        personal AS (
            SELECT * FROM sightings WHERE ip NOT IN (SELECT ip FROM common_ips)
        )"""


# Tables a forum may lack (no private messages, no uploaded avatars): read as empty.
OPTIONAL = ("posts", "messages", "message_recipients", "files", "board_config")


def features_sql(engine: Engine, params: FeatureParams) -> str:
    missing = stand_ins(OPTIONAL, engine.tables())
    return f"""
    WITH {missing + "," if missing else ""}
    {_residential_ips(engine, params)},
    ips AS (
        SELECT account_id,
               list(DISTINCT ip ORDER BY ip) AS ips,
               -- overlap in time: two accounts on one address in the same month
               list(DISTINCT ip || '@' || strftime(seen_at, '%Y-%m') ORDER BY 1)
                   FILTER (WHERE seen_at IS NOT NULL) AS ip_periods,
               -- a dynamic address moves within the provider's pool: the same /20 (IPv4)
               list(DISTINCT {_ipv4_network("ip")} ORDER BY 1)
                   FILTER (WHERE regexp_full_match(ip, '[0-9.]+')) AS networks
        FROM personal GROUP BY account_id
    ),
    hard_counts AS (
        SELECT kind, value, count(DISTINCT account_id) AS n
        FROM identifiers
        WHERE kind IN {HARD_KINDS} AND account_id IS NOT NULL
        GROUP BY kind, value
    ),
    hard AS (
        SELECT i.account_id, list(DISTINCT i.kind || ':' || i.value ORDER BY 1) AS hard_ids
        FROM identifiers i JOIN hard_counts c USING (kind, value)
        WHERE c.n <= {int(params.max_accounts_per_hard_id)} AND i.account_id IS NOT NULL
        GROUP BY i.account_id
    ),
    mail AS (
        SELECT account_id, any_value(value) AS email
        FROM identifiers
        WHERE kind = 'email' AND origin_table = 'accounts' AND field = 'email'
        GROUP BY account_id
    ),
    activity AS (
        SELECT account_id, posted_at AS happened, forum_id FROM posts
        UNION ALL
        SELECT account_id, sent_at, NULL FROM messages
    ),
    rhythm AS (
        -- the circular mean of the UTC hour: one person's accounts keep one day's rhythm
        SELECT account_id,
               avg(sin(2 * pi() * (hour(happened) + minute(happened) / 60) / 24)) AS s,
               avg(cos(2 * pi() * (hour(happened) + minute(happened) / 60) / 24)) AS c,
               count(*) AS n
        FROM activity WHERE account_id IS NOT NULL AND happened IS NOT NULL
        GROUP BY account_id
    ),
    hours AS (
        SELECT account_id,
               round((degrees(atan2(s, c)) / 15 + 24) % 24, 2) AS active_hour
        FROM rhythm
        WHERE n >= {int(params.min_posts_for_rhythm)} AND sqrt(s * s + c * c) >= 0.3
    ),
    forum_counts AS (
        SELECT account_id, forum_id, count(*) AS n,
               row_number() OVER (PARTITION BY account_id ORDER BY count(*) DESC, forum_id)
                   AS place
        FROM activity WHERE forum_id IS NOT NULL AND account_id IS NOT NULL
        GROUP BY account_id, forum_id
    ),
    haunts AS (
        SELECT account_id, list(forum_id ORDER BY forum_id) AS forums
        FROM forum_counts WHERE place <= 3 AND n >= 2
        GROUP BY account_id
    ),
    exchanges AS (
        SELECT m.account_id AS a, r.source || ':' || r.user_id AS b
        FROM messages m
        JOIN message_recipients r ON r.source = m.source AND r.msg_id = m.msg_id
        WHERE m.account_id IS NOT NULL
    ),
    correspondents AS (
        -- whom an account writes to or hears from: one person's accounts keep one circle
        SELECT a AS account_id, list(DISTINCT b ORDER BY b) AS correspondents
        FROM (SELECT a, b FROM exchanges UNION ALL SELECT b, a FROM exchanges)
        WHERE a <> b
        GROUP BY a
    ),
    avatars AS (
        SELECT source, file, any_value(sha256) AS sha256
        FROM files WHERE role = 'avatar' GROUP BY source, file
    ),
    base AS (
        SELECT a.account_id,
               a.source,
               a.username,
               lower(a.username_clean) AS username_lower,
               {_username_parts("lower(a.username_clean)")},
               -- phpBB stores the board's zone for a member who never chose one: not a signal
               CASE WHEN trim(a.timezone) NOT IN ('', coalesce(bz.value, '')) THEN a.timezone
               END AS timezone,
               nullif(trim(a.lang), '') AS lang,
               nullif(regexp_replace(trim(coalesce(a.birthday, '')), '\\s+', '', 'g'), '')
                   AS birthday,
               nullif(lower(regexp_replace(trim(coalesce(a.signature, '')), '\\s+', ' ', 'g')), '')
                   AS signature,
               av.sha256 AS avatar_sha256,
               CASE WHEN reg.ip IS NOT NULL THEN a.registration_ip END AS registration_ip
        FROM accounts a
        LEFT JOIN avatars av ON av.source = a.source AND av.file = a.avatar_file
        LEFT JOIN board_config bz
            ON bz.source = a.source AND bz.name = 'board_timezone'
        LEFT JOIN (SELECT DISTINCT ip FROM personal) reg ON reg.ip = a.registration_ip
        WHERE a.is_person
    )
    SELECT b.account_id AS unique_id, b.* EXCLUDE (account_id),
           m.email,
           nullif(split_part(m.email, '@', 1), '') AS email_local,
           coalesce(ips.ips, []) AS ips,
           coalesce(ips.ip_periods, []) AS ip_periods,
           coalesce(ips.networks, []) AS networks,
           coalesce(hard.hard_ids, []) AS hard_ids,
           hours.active_hour,
           coalesce(haunts.forums, []) AS forums,
           coalesce(correspondents.correspondents, []) AS correspondents
    FROM base b
    LEFT JOIN mail m ON m.account_id = b.account_id
    LEFT JOIN ips ON ips.account_id = b.account_id
    LEFT JOIN hard ON hard.account_id = b.account_id
    LEFT JOIN hours ON hours.account_id = b.account_id
    LEFT JOIN haunts ON haunts.account_id = b.account_id
    LEFT JOIN correspondents ON correspondents.account_id = b.account_id
    ORDER BY b.account_id
    """


def _ipv4_network(column: str) -> str:
    octets = [f"CAST(split_part({column}, '.', {i}) AS BIGINT)" for i in range(1, 5)]
    value = f"({octets[0]} * 16777216 + {octets[1]} * 65536 + {octets[2]} * 256 + {octets[3]})"
    return f"CAST({value} // 4096 AS VARCHAR) || '/20'"


def _username_parts(column: str) -> str:
    """Username without separators (digits kept), its letters alone, and its digits alone."""
    return (
        f"regexp_replace({column}, '[^[:alnum:]]', '', 'g') AS username_compact, "
        f"nullif(regexp_replace({column}, '[^[:alpha:]]', '', 'g'), '') AS username_letters, "
        f"nullif(regexp_replace({column}, '[^0-9]', '', 'g'), '') AS username_digits"
    )


def account_features(engine: Engine, params: FeatureParams | None = None) -> pa.Table:
    return engine.query(features_sql(engine, params or FeatureParams()))
