"""The ground truth describes the dump: accounts, persons, disclosures, attachments, anomalies."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from dumprows import table_dicts

from rescue.synth import SynthResult
from rescue.synth.gazetteer import CITY_COUNTRY, COUNTRY_BY_CODE
from rescue.synth.people import SIGNALS

Truth = dict[str, Any]


def test_counts_and_config_recorded(forum: SynthResult, truth: Truth) -> None:
    assert truth["counts"] == forum.counts
    assert truth["config"]["members"] == 200
    assert truth["config"]["latin1_tables"] == ["profile_fields_data"]


def test_accounts_match_the_users_table(dump_text: str, truth: Truth) -> None:
    users = {int(u["user_id"]): u for u in table_dicts(dump_text, "phpbb_users")}
    accounts = {a["user_id"]: a for a in truth["accounts"]}
    assert set(users) == set(accounts)
    for user_id, account in accounts.items():
        assert users[user_id]["username"] == account["username"]
        assert users[user_id]["user_posts"] == account["posts"]
    assert users[1]["username"] == "Anonymous" and users[1]["user_type"] == 2
    assert users[2]["user_type"] == 3  # the founder
    kinds = Counter(a["kind"] for a in accounts.values())
    assert kinds["bot"] >= 40 and kinds["anonymous"] == 1 and kinds["admin"] >= 1
    humans = [a for a in accounts.values() if a["person_id"] is not None]
    assert len(humans) == truth["config"]["members"]
    assert all(
        users[a["user_id"]]["user_type"] == 2 for a in accounts.values() if a["kind"] == "bot"
    )


def test_persons_own_their_accounts(truth: Truth) -> None:
    owner = {a["user_id"]: a["person_id"] for a in truth["accounts"]}
    sizes = Counter()
    for person in truth["persons"]:
        assert person["accounts"], person["person_id"]
        assert all(owner[u] == person["person_id"] for u in person["accounts"])
        assert person["country"] in COUNTRY_BY_CODE
        assert person["timezone"] in COUNTRY_BY_CODE[person["country"]].timezones
        assert CITY_COUNTRY[person["city"]] == person["country"]
        sizes[len(person["accounts"])] += 1
    multi = sum(v for k, v in sizes.items() if k > 1) / sum(sizes.values())
    assert 0.05 < multi < 0.3
    assert max(sizes) <= 4


def test_alt_accounts_share_some_signals_not_all(truth: Truth) -> None:
    alts = [a for a in truth["accounts"] if a["shared_signals"]]
    assert alts
    for account in alts:
        assert 1 <= len(account["shared_signals"]) < len(SIGNALS)
        assert set(account["shared_signals"]) <= set(SIGNALS)


def test_shared_signals_are_visible_in_the_dump(dump_text: str, truth: Truth) -> None:
    users = {int(u["user_id"]): u for u in table_dicts(dump_text, "phpbb_users")}
    persons = {p["person_id"]: p for p in truth["persons"]}
    for account in truth["accounts"]:
        if not account["shared_signals"]:
            continue
        first = users[persons[account["person_id"]]["accounts"][0]]
        mine = users[account["user_id"]]
        if "birthday" in account["shared_signals"]:
            assert mine["user_birthday"] == first["user_birthday"] != ""
        if "email_local" in account["shared_signals"]:
            assert str(mine["user_email"]).split("@")[0] == str(first["user_email"]).split("@")[0]
        if "signature" in account["shared_signals"]:
            assert _first_line(first["user_sig"]) == _first_line(mine["user_sig"]) != ""


def _first_line(xml: object) -> str:
    return re.sub(r"<[^>]+>", "", str(xml)).split("\n")[0]


def test_birthdays_use_phpbbs_padding(dump_text: str) -> None:
    days = [str(u["user_birthday"]) for u in table_dicts(dump_text, "phpbb_users")]
    filled = [d for d in days if d]
    assert filled
    for day in filled:
        d, m, y = day.split("-")
        assert len(d) == 2 and len(m) == 2 and len(y) == 4 and 1 <= int(d) <= 31


def test_disclosures_appear_where_recorded(dump_text: str, truth: Truth) -> None:
    texts: dict[tuple[str, int], str] = {}
    for post in table_dicts(dump_text, "phpbb_posts"):
        texts["post", int(post["post_id"])] = str(post["post_text"])
    for message in table_dicts(dump_text, "phpbb_privmsgs"):
        texts["message", int(message["msg_id"])] = str(message["message_text"])
    for user in table_dicts(dump_text, "phpbb_users"):
        texts["signature", int(user["user_id"])] = str(user["user_sig"])
    kinds = Counter()
    for item in truth["disclosures"]:
        kinds[item["kind"]] += 1
        if item["where"] == "profile":
            continue
        assert item["value"].replace("&", "&amp;") in texts[item["where"], item["id"]], item
    assert {"location", "occupation"} <= set(kinds)


def test_post_times_follow_the_persons_day(dump_text: str, truth: Truth) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    zone = {}
    for person in truth["persons"]:
        for user_id in person["accounts"]:
            zone[user_id] = person["timezone"]
    night = total = 0
    for post in table_dicts(dump_text, "phpbb_posts"):
        local = dt.datetime.fromtimestamp(
            int(post["post_time"]), ZoneInfo(zone[int(post["poster_id"])])
        )
        total += 1
        night += 3 <= local.hour < 6
    assert night / total < 0.08  # few people post between 3 and 6 in the morning


def test_posts_reference_existing_topics_and_forums(dump_text: str) -> None:
    topics = {int(t["topic_id"]): t for t in table_dicts(dump_text, "phpbb_topics")}
    forums = {int(f["forum_id"]) for f in table_dicts(dump_text, "phpbb_forums")}
    posts = table_dicts(dump_text, "phpbb_posts")
    per_topic = Counter(int(p["topic_id"]) for p in posts)
    for post in posts:
        assert int(post["forum_id"]) in forums
        assert topics[int(post["topic_id"])]["forum_id"] == post["forum_id"]
    for topic_id, topic in topics.items():
        assert topic["topic_posts_approved"] == per_topic[topic_id]
    times = [int(p["post_time"]) for p in posts]
    assert times == sorted(times)  # post ids follow time


def test_attachments_match_rows_and_files(forum: SynthResult, dump_text: str, truth: Truth) -> None:
    rows = {int(a["attach_id"]): a for a in table_dicts(dump_text, "phpbb_attachments")}
    assert {a["attach_id"] for a in truth["attachments"]} == set(rows)
    missing = {a["attach_id"] for a in truth["anomalies"] if a["kind"] == "missing_file"}
    for item in truth["attachments"]:
        row = rows[item["attach_id"]]
        assert row["physical_filename"] == item["physical_filename"]
        path = forum.files_dir / item["physical_filename"]
        assert path.exists() != (item["attach_id"] in missing)
        if path.exists():
            assert path.stat().st_size == row["filesize"]
    kinds = Counter(a["kind"] for a in truth["attachments"])
    assert kinds["known"] and kinds["new"] and kinds["transformed"] and kinds["corrupt"]
    spread = Counter(a["image_id"] for a in truth["attachments"] if a["kind"] == "new")
    assert max(spread.values()) > 1  # some new pictures are re-posted


def test_anomalies_are_planted(forum: SynthResult, dump_text: str, truth: Truth) -> None:
    kinds = Counter(a["kind"] for a in truth["anomalies"])
    assert kinds["missing_file"] == 1 and kinds["unreferenced_file"] == 1
    assert kinds["corrupt_file"] >= 1
    named = {str(a["physical_filename"]) for a in table_dicts(dump_text, "phpbb_attachments")}
    on_disk = {p.name for p in forum.files_dir.iterdir() if not p.name.startswith("thumb_")}
    assert on_disk - named == {
        a["physical_filename"] for a in truth["anomalies"] if a["kind"] == "unreferenced_file"
    }


def test_avatars_follow_phpbbs_naming(forum: SynthResult, dump_text: str) -> None:
    config = {
        str(c["config_name"]): str(c["config_value"])
        for c in table_dicts(dump_text, "phpbb_config")
    }
    salt = config["avatar_salt"]
    users = [u for u in table_dicts(dump_text, "phpbb_users") if u["user_avatar"]]
    assert users
    for user in users:
        assert user["user_avatar_type"] == "avatar.driver.upload"
        ext = str(user["user_avatar"]).rsplit(".", 1)[1]
        assert (forum.avatars_dir / f"{salt}_{user['user_id']}.{ext}").is_file()
    assert config["version"].startswith("3.3.")
