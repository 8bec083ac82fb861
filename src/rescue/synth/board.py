"""The remaining tables: groups, forums, profile fields, config, bans, logs, friends, sessions.

Log rows follow phpBB's conventions: ``log_type`` 0 admin, 1 moderator, 2 critical, 3 user;
``log_operation`` a language key; ``log_data`` a PHP-serialised array of the key's arguments.
Sessions, autologin keys and failed logins cluster near the dump time, as phpBB prunes them.
"""

from __future__ import annotations

import random

from . import forum, names
from .activity import ForumStats
from .dumpwriter import DumpWriter, row
from .ipspace import IpSpace
from .people import DAY, Account

LOG_ADMIN, LOG_MOD, LOG_CRITICAL, LOG_USERS = 0, 1, 2, 3
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Mobile Safari/537.36",
)


def write_groups(dump: DumpWriter) -> None:
    sink = dump.table("groups")
    for group_id, name, colour, legend, receive_pm in forum.GROUPS:
        values: dict[str, int | str] = {
            "group_id": group_id,
            "group_type": 3,  # GROUP_SPECIAL: the built-in groups
            "group_name": name,
            "group_colour": colour,
            "group_legend": legend,
            "group_receive_pm": receive_pm,
            "group_max_recipients": 5,
            "group_founder_manage": int(name == "ADMINISTRATORS"),
            "group_rank": 1 if name == "ADMINISTRATORS" else 0,
        }
        sink.add(row("groups", values))


def write_forums(dump: DumpWriter, stats: dict[int, ForumStats]) -> None:
    sink = dump.table("forums")
    nodes = forum.forum_tree()
    for node in nodes:
        values: dict[str, int | str] = {
            "forum_id": node.forum_id,
            "parent_id": node.parent_id,
            "left_id": node.left_id,
            "right_id": node.right_id,
            "forum_parents": node.parents,
            "forum_name": node.name,
            "forum_desc": "" if node.is_category else f"Everything about {node.name.lower()}.",
            "forum_type": 0 if node.is_category else 1,  # FORUM_CAT, FORUM_POST
            "forum_flags": 48,
            "prune_days": 7,
            "prune_viewed": 7,
            "prune_freq": 1,
        }
        own = stats.get(node.forum_id)
        if own is not None and own.last_poster is not None:
            values.update(
                forum_posts_approved=own.posts,
                forum_topics_approved=own.topics,
                forum_last_post_id=own.last_post_id,
                forum_last_poster_id=own.last_poster.user_id,
                forum_last_post_subject=own.last_subject,
                forum_last_post_time=own.last_time,
                forum_last_poster_name=own.last_poster.username,
            )
        sink.add(row("forums", values))


def write_profile_fields(dump: DumpWriter) -> None:
    sink = dump.table("profile_fields")
    for order, field in enumerate(forum.PROFILE_FIELDS, start=1):
        ident, ftype, length, minlen, maxlen, validation, on_vt, contact, url = field
        values: dict[str, int | str] = {
            "field_id": order,
            "field_name": ident,
            "field_type": ftype,
            "field_ident": ident,
            "field_length": length,
            "field_minlen": minlen,
            "field_maxlen": maxlen,
            "field_validation": validation,
            "field_active": 0 if ident in ("phpbb_icq", "phpbb_yahoo", "phpbb_aol") else 1,
            "field_order": order,
            "field_show_profile": 1,
            "field_show_on_vt": on_vt,
            "field_show_on_pm": on_vt,
            "field_is_contact": contact,
            "field_contact_desc": f"VIEW_{ident.removeprefix('phpbb_').upper()}_PROFILE"
            if contact
            else "",
            "field_contact_url": url,
        }
        sink.add(row("profile_fields", values))


def write_config(dump: DumpWriter, rows: list[tuple[str, str, int]]) -> None:
    sink = dump.table("config")
    for name, value, dynamic in rows:
        sink.add((name, value, dynamic))


def write_banlist(
    dump: DumpWriter, members: list[Account], exits: list[str], dump_time: int, rng: random.Random
) -> list[int]:
    """Bans a few exit addresses, spam domains and members; returns the banned user ids."""
    sink = dump.table("banlist")
    ban_id = 0
    banned: list[int] = []

    def add(**values: int | str) -> None:
        nonlocal ban_id
        ban_id += 1
        start = dump_time - rng.randint(1, 900) * DAY
        sink.add(row("banlist", {"ban_id": ban_id, "ban_start": start, **values}))

    for address in exits[:3]:
        add(ban_ip=address, ban_reason="Open proxy abuse")
    for domain in ("spam-offers.example", "bulk-mailer.example"):
        add(ban_email=f"*@{domain}", ban_reason="Spam registrations")
    for account in rng.sample(members, k=min(len(members), max(1, len(members) // 400))):
        add(ban_userid=account.user_id, ban_reason="Repeated off-topic spam", ban_give_reason="")
        banned.append(account.user_id)
    return banned


def write_zebra(dump: DumpWriter, members: list[Account], rng: random.Random) -> None:
    sink = dump.table("zebra")
    primary = {a.person.person_id: a for a in members if a.person is not None and not a.shared}
    for account in members:
        person = account.person
        if person is None or account.shared:
            continue
        seen: set[int] = set()
        for friend_id in sorted(person.friends):
            other = primary.get(friend_id)
            if other is not None and rng.random() < 0.4 and other.user_id not in seen:
                seen.add(other.user_id)
                sink.add((account.user_id, other.user_id, 1, 0))
        if rng.random() < 0.02:
            foe = rng.choice(members)
            if foe.user_id not in seen and foe.person is not person:
                sink.add((account.user_id, foe.user_id, 0, 1))


def write_log(
    dump: DumpWriter,
    staff: list[Account],
    members: list[Account],
    topics: list[tuple[int, int, str]],
    rng: random.Random,
) -> None:
    sink = dump.table("log")
    entries = []
    for account in staff:
        assert account.ips is not None
        for _ in range(rng.randint(5, 20)):
            when = rng.randint(account.regdate, account.active_until)
            ip = account.ips.pick(when, rng)
            if account.kind == "admin" and rng.random() < 0.5:
                entries.append(
                    (LOG_ADMIN, account, 0, 0, 0, ip, when, "LOG_ADMIN_AUTH_SUCCESS", "")
                )
            elif topics:
                topic_id, forum_id, title = rng.choice(topics)
                operation = rng.choice(("LOG_LOCK", "LOG_MOVE", "LOG_TOPIC_TYPE_CHANGED"))
                data = forum.php_serialize([title])
                entries.append((LOG_MOD, account, forum_id, topic_id, 0, ip, when, operation, data))
    for account in rng.sample(members, k=min(len(members), len(members) // 25 + 1)):
        if account.ips is None:
            continue
        when = rng.randint(account.regdate, account.active_until)
        ip = account.ips.pick(when, rng)
        data = forum.php_serialize([account.username])
        operation = "LOG_USER_NEW_PASSWORD"
        entries.append((LOG_USERS, account, 0, 0, account.user_id, ip, when, operation, data))
    entries.sort(key=lambda e: (e[6], e[1].user_id))
    for log_id, (kind, account, fid, tid, reportee, ip, when, op, data) in enumerate(entries, 1):
        sink.add((log_id, kind, account.user_id, fid, tid, 0, reportee, ip, when, op, data))


def write_sessions(
    dump: DumpWriter,
    members: list[Account],
    bots: list[Account],
    ipspace: IpSpace,
    dump_time: int,
    rng: random.Random,
) -> None:
    sessions = dump.table("sessions")
    keys = dump.table("sessions_keys")
    attempts = dump.table("login_attempts")
    # About one in twelve still-active members is online when the board is seized.
    online = [a for a in members if a.active_until >= dump_time and a.ips is not None]
    for account in online[: len(online) // 12 + 1]:
        assert account.ips is not None
        start = dump_time - rng.randint(60, 3000)
        sessions.add(
            row(
                "sessions",
                {
                    "session_id": f"{rng.getrandbits(128):032x}",
                    "session_user_id": account.user_id,
                    "session_last_visit": start - rng.randint(3600, 86400 * 3),
                    "session_start": start,
                    "session_time": min(dump_time, start + rng.randint(0, 1800)),
                    "session_ip": account.ips.pick(dump_time, rng),
                    "session_browser": rng.choice(BROWSERS),
                    "session_page": f"viewtopic.php?t={rng.randrange(1, 5000)}",
                    "session_autologin": int(rng.random() < 0.3),
                },
            )
        )
    for bot in bots[:5]:
        sessions.add(
            row(
                "sessions",
                {
                    "session_id": f"{rng.getrandbits(128):032x}",
                    "session_user_id": bot.user_id,
                    "session_start": dump_time - 400,
                    "session_time": dump_time - 30,
                    "session_ip": ipspace.home_address("US", rng),
                    "session_browser": f"Mozilla/5.0 (compatible; {bot.username.split()[0]})",
                    "session_page": "index.php",
                },
            )
        )
    for account in members:
        if account.ips is None or account.inactive or rng.random() >= 0.25:
            continue
        login = rng.randint(account.regdate, account.active_until)
        keys.add(
            (f"{rng.getrandbits(128):032x}", account.user_id, account.ips.pick(login, rng), login)
        )
    for account in rng.sample(members, k=min(len(members), len(members) // 50 + 2)):
        if account.ips is None:
            continue
        when = dump_time - rng.randint(60, 6 * 3600)
        attempts.add(
            (account.ips.pick(when, rng), rng.choice(BROWSERS), "", when, account.user_id,
             account.username, names.username_clean(account.username))
        )  # fmt: skip
    for _ in range(len(members) // 100 + 3):
        address, _operator = ipspace.hosting_address(rng)
        guess = names.username_base(rng)
        attempts.add(
            (address, "python-requests/2.31", "", dump_time - rng.randint(60, 6 * 3600), 0,
             guess, names.username_clean(guess))
        )  # fmt: skip
