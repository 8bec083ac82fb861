"""Rows of ``users``, ``user_group`` and ``profile_fields_data``, and the avatar files.

Written after the posts and messages, because a user row carries counters (posts, unread
messages, last post time) that only the simulation knows. phpBB 3.3 semantics: user 1 is
Anonymous, the founder is user 2 (type 3), the bots follow (type 2, group BOTS); uploaded
avatars are stored as ``{avatar_salt}_{user_id}.{ext}`` while ``user_avatar`` holds
``{user_id}_{upload time}.{ext}``.
"""

from __future__ import annotations

import random
from pathlib import Path

from . import forum, images, names
from .dumpwriter import DumpWriter, row
from .groundtruth import GroundTruth
from .people import Account
from .text import bbcode_bitfield

USER_NORMAL, USER_INACTIVE, USER_IGNORE, USER_FOUNDER = 0, 1, 2, 3
_HASH_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_PRIMARY_GROUP = {
    "anonymous": forum.GUESTS,
    "bot": forum.BOTS,
    "admin": forum.ADMINISTRATORS,
    "moderator": forum.GLOBAL_MODERATORS,
}
_MEMBERSHIPS = {
    "anonymous": (forum.GUESTS,),
    "bot": (forum.BOTS,),
    "admin": (forum.REGISTERED, forum.GLOBAL_MODERATORS, forum.ADMINISTRATORS),
    "moderator": (forum.REGISTERED, forum.GLOBAL_MODERATORS),
}
_COLOURS = {"admin": "AA0000", "moderator": "00AA00", "bot": "9E8DA7"}


def _password_hash(rng: random.Random) -> str:
    # Shaped like phpBB's bcrypt hashes; random characters, so it is no one's password.
    return "$2y$10$" + "".join(rng.choice(_HASH_ALPHABET) for _ in range(53))


def write_users(
    accounts: list[Account],
    dump: DumpWriter,
    avatars_dir: Path,
    avatar_salt: str,
    board_timezone: str,
    unread: dict[int, int],
    last_message: dict[int, int],
    truth: GroundTruth,
    rng: random.Random,
) -> None:
    users = dump.table("users")
    groups = dump.table("user_group")
    for account in accounts:
        person = account.person
        kind = account.kind
        user_type = USER_NORMAL
        if kind in ("anonymous", "bot"):
            user_type = USER_IGNORE
        elif kind == "admin":
            user_type = USER_FOUNDER
        elif account.inactive:
            user_type = USER_INACTIVE
        newly = kind == "member" and account.posts < 3 and not account.inactive
        group_id = _PRIMARY_GROUP.get(kind, forum.NEWLY_REGISTERED if newly else forum.REGISTERED)
        values: dict[str, int | str] = {
            "user_id": account.user_id,
            "user_type": user_type,
            "group_id": group_id,
            "user_regdate": account.regdate,
            "username": account.username,
            "username_clean": names.username_clean(account.username),
            "user_lang": person.language if person else "en",
            "user_timezone": account.timezone or board_timezone,
            "user_dateformat": "D M d, Y g:i a",
            "user_style": 1,
            "user_colour": _COLOURS.get(kind, ""),
            "user_posts": account.posts,
            "user_lastpost_time": account.last_post_time,
            "user_options": 230271,
            "user_new": int(newly),
        }
        if person is not None and account.ips is not None:
            seen = max(account.last_post_time, min(account.active_until, account.regdate + 3600))
            values.update(
                user_ip=account.ips.home_at(account.regdate),
                user_password=_password_hash(rng),
                user_passchg=account.regdate,
                user_email=account.email,
                user_birthday=account.birthday,
                user_lastvisit=seen,
                user_last_active=seen,
                user_lastmark=account.regdate,
                user_lastpage=f"viewtopic.php?t={rng.randrange(1, 5000)}",
                user_unread_privmsg=unread.get(account.user_id, 0),
                user_new_privmsg=unread.get(account.user_id, 0),
                user_last_privmsg=last_message.get(account.user_id, 0),
                user_form_salt=f"{rng.getrandbits(64):016x}",
                user_rank=1 if kind == "admin" else 0,
            )
            if person.language not in ("en", "en_us"):
                values["user_dateformat"] = "d M Y H:i"
            if account.inactive:
                values.update(
                    user_inactive_reason=1,
                    user_inactive_time=account.regdate,
                    user_actkey=f"{rng.getrandbits(40):010x}",
                    user_actkey_expiration=account.regdate + 86400 * 30,
                )
            values.update(_signature(account, truth, rng))
            values.update(_avatar(account, avatars_dir, avatar_salt, rng))
        users.add(row("users", values))
        memberships = _MEMBERSHIPS.get(kind, (forum.REGISTERED,))
        if newly:
            memberships = (forum.REGISTERED, forum.NEWLY_REGISTERED)
        for group in memberships:
            leader = int(kind == "admin" and group == forum.ADMINISTRATORS)
            groups.add((group, account.user_id, leader, 0))


def _signature(account: Account, truth: GroundTruth, rng: random.Random) -> dict[str, int | str]:
    person = account.person
    assert person is not None
    text = account.signature
    if not account.shared and person.signature:
        text = person.signature
    if not text:
        return {}
    first = not account.shared
    extra = ""
    if person.btc and (first or "crypto" in account.shared) and rng.random() < 0.5:
        extra = f"BTC: {person.btc}"
        truth.disclose("bitcoin", person.btc, account, "signature", account.user_id)
    elif person.pgp and (first or "pgp" in account.shared) and rng.random() < 0.5:
        extra = f"PGP: {person.pgp}"
        truth.disclose("pgp", person.pgp, account, "signature", account.user_id)
    full = f"{text}\n{extra}" if extra else text
    website = person.website if first else ""
    return {
        "user_sig": names.signature_xml(full, website),
        "user_sig_bbcode_uid": f"{rng.getrandbits(40):x}"[:8] if website else "",
        "user_sig_bbcode_bitfield": bbcode_bitfield({3}) if website else "",
    }


def _avatar(
    account: Account, avatars_dir: Path, salt: str, rng: random.Random
) -> dict[str, int | str]:
    person = account.person
    assert person is not None
    seed = account.avatar_seed
    if not account.shared and person.avatar_seed is not None:
        seed = person.avatar_seed
    elif account.shared and seed is None and rng.random() < 0.2:
        seed = rng.randrange(1 << 30)  # an alt account with an avatar of its own
    if seed is None:
        return {}
    picture = images.avatar(seed)
    ext = picture.extension
    (avatars_dir / f"{salt}_{account.user_id}.{ext}").write_bytes(picture.data)
    uploaded = account.regdate + rng.randint(60, 86400 * 30)
    return {
        "user_avatar": f"{account.user_id}_{uploaded}.{ext}",
        "user_avatar_type": "avatar.driver.upload",
        "user_avatar_width": picture.width,
        "user_avatar_height": picture.height,
    }


def write_profile_data(
    accounts: list[Account], dump: DumpWriter, truth: GroundTruth, rng: random.Random
) -> None:
    sink = dump.table("profile_fields_data")
    for account in accounts:
        person = account.person
        if person is None or account.kind == "bot":
            continue
        primary = not account.shared
        values: dict[str, int | str] = {"user_id": account.user_id}
        if rng.random() < (0.4 if primary else 0.15):
            values["pf_phpbb_location"] = person.city
            truth.disclose("location", person.city, account, "profile", account.user_id)
        if person.occupation and rng.random() < (0.5 if primary else 0.2):
            values["pf_phpbb_occupation"] = person.occupation
            truth.disclose("occupation", person.occupation, account, "profile", account.user_id)
        if rng.random() < 0.3:
            values["pf_phpbb_interests"] = ", ".join(person.forums).lower()
        if primary and person.website:
            values["pf_phpbb_website"] = person.website
        sink.add(row("profile_fields_data", values))
