"""The board's fixed furniture: forums, default groups, default bots, profile fields, config.

These follow a default phpBB 3.3 install (group ids 1-7 and names, the bot list, the profile
field definitions of the 3.1 migrations) so an importer meets what real boards contain.
"""

from __future__ import annotations

from dataclasses import dataclass

from rescue.ingest.phpbb_schema import PHPBB_VERSION

# Default group ids of a phpBB 3.3 install.
GUESTS, REGISTERED, REGISTERED_COPPA, GLOBAL_MODERATORS, ADMINISTRATORS, BOTS, NEWLY_REGISTERED = (
    range(1, 8)
)
GROUPS = (
    # id, name, colour, legend position, receives PMs
    (GUESTS, "GUESTS", "", 0, 0),
    (REGISTERED, "REGISTERED", "", 0, 0),
    (REGISTERED_COPPA, "REGISTERED_COPPA", "", 0, 0),
    (GLOBAL_MODERATORS, "GLOBAL_MODERATORS", "00AA00", 2, 1),
    (ADMINISTRATORS, "ADMINISTRATORS", "AA0000", 1, 1),
    (BOTS, "BOTS", "9E8DA7", 0, 0),
    (NEWLY_REGISTERED, "NEWLY_REGISTERED", "", 0, 0),
)

# The crawler accounts a default install creates (user_type 2, group BOTS).
BOT_NAMES = (
    "AdsBot [Google]", "Ahrefs [Bot]", "Alexa [Bot]", "Alta Vista [Bot]", "Amazon [Bot]",
    "Ask Jeeves [Bot]", "Baidu [Spider]", "Bing [Bot]", "DuckDuckGo [Bot]", "Exabot [Bot]",
    "FAST Enterprise [Crawler]", "FAST WebCrawler [Crawler]", "Francis [Bot]", "Gigabot [Bot]",
    "Google Adsense [Bot]", "Google Desktop", "Google Feedfetcher", "Google [Bot]",
    "Heise IT-Markt [Crawler]", "Heritrix [Crawler]", "IBM Research [Bot]",
    "ICCrawler - ICjobs", "ichiro [Crawler]", "Majestic-12 [Bot]", "Metager [Bot]",
    "MSN NewsBlogs", "MSN [Bot]", "MSNbot Media", "NG-Search [Bot]", "Nutch [Bot]",
    "Nutch/CVS [Bot]", "OmniExplorer [Bot]", "Online link [Validator]", "psbot [Picsearch]",
    "Seekport [Bot]", "Semrush [Bot]", "Sensis [Crawler]", "SEO Crawler", "Seoma [Crawler]",
    "SEOSearch [Crawler]", "Snappy [Bot]", "Steeler [Crawler]", "Telekom [Bot]",
    "TurnitinBot [Bot]", "Voyager [Bot]", "W3 [Sitesearch]", "W3C [Linkcheck]",
    "W3C [Validator]", "YaCy [Bot]", "Yahoo MMCrawler [Bot]", "Yahoo Slurp [Bot]",
    "Yahoo [Bot]", "YahooSeeker [Bot]",
)  # fmt: skip

CATEGORIES = (
    ("Community", ("Introductions", "Off-topic lounge")),
    ("Outdoors", ("Hiking and trails", "Cycling", "Birdwatching", "Weather watching")),
    ("Making things", ("Woodworking", "Baking", "Gardening", "Model railways")),
    ("Technology", ("Cameras and lenses", "Linux and software", "Retro computing")),
    ("Travel", ("Trip reports", "Rail travel")),
)

# ident, type, length, minlen, maxlen, validation, show on viewtopic, contact, contact url
PROFILE_FIELDS = (
    ("phpbb_location", "profilefields.type.string", "20", "2", "100", ".*", 1, 0, ""),
    ("phpbb_website", "profilefields.type.url", "40", "12", "255", "", 0, 1, "%s"),
    ("phpbb_interests", "profilefields.type.text", "3|30", "2", "500", ".*", 0, 0, ""),
    ("phpbb_occupation", "profilefields.type.text", "3|30", "2", "500", ".*", 0, 0, ""),
    ("phpbb_icq", "profilefields.type.string", "20", "3", "15", "[0-9]+", 1, 1, ""),
    ("phpbb_yahoo", "profilefields.type.string", "40", "5", "255", ".*", 1, 1, ""),
    ("phpbb_aol", "profilefields.type.string", "40", "5", "255", ".*", 1, 1, ""),
    ("phpbb_facebook", "profilefields.type.string", "20", "5", "50", "[\\w.]+", 1, 1, ""),
    ("phpbb_skype", "profilefields.type.string", "20", "6", "32", "[a-zA-Z][\\w\\.,\\-_]+", 1, 1,
     "skype:%s?userinfo"),
    ("phpbb_twitter", "profilefields.type.string", "20", "1", "15", "[\\w_]+", 1, 1,
     "https://twitter.com/%s"),
    ("phpbb_youtube", "profilefields.type.string", "20", "3", "60", "[a-zA-Z][\\w\\.,\\-_]+",
     1, 1, "https://youtube.com/user/%s"),
)  # fmt: skip


@dataclass(frozen=True)
class ForumNode:
    forum_id: int
    parent_id: int
    left_id: int
    right_id: int
    name: str
    is_category: bool
    parents: str  # phpBB's serialised forum_parents cache


def forum_tree() -> list[ForumNode]:
    """Categories with their forums, numbered as phpBB's nested set (left/right ids)."""
    nodes: list[ForumNode] = []
    forum_id = 0
    left = 1
    for category, forums in CATEGORIES:
        forum_id += 1
        category_id = forum_id
        category_left = left
        children = []
        for index, name in enumerate(forums):
            child_left = category_left + 1 + 2 * index
            parents = php_serialize({category_id: [category, 1]})
            children.append(
                ForumNode(
                    category_id + 1 + index,
                    category_id,
                    child_left,
                    child_left + 1,
                    name,
                    False,
                    parents,
                )
            )
        right = category_left + 1 + 2 * len(forums)
        nodes.append(ForumNode(category_id, 0, category_left, right, category, True, ""))
        nodes.extend(children)
        forum_id += len(forums)
        left = right + 1
    return nodes


def php_serialize(value: object) -> str:
    """PHP's serialize() for the shapes phpBB stores: str, int, list and dict (lengths in bytes)."""
    if isinstance(value, bool):
        return f"b:{int(value)};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, str):
        return f's:{len(value.encode("utf-8"))}:"{value}";'
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        items = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return f"a:{len(value)}:{{{items}}}"
    raise TypeError(f"cannot serialise {type(value).__name__}")


def config_rows(
    *,
    board_start: int,
    avatar_salt: str,
    sitename: str,
    counts: dict[str, int],
    newest: tuple[int, str],
    board_timezone: str,
    dump_time: int,
) -> list[tuple[str, str, int]]:
    """(config_name, config_value, is_dynamic), a realistic subset of a 3.3 board's config."""
    rows = [
        ("allow_avatar", "1", 0),
        ("allow_avatar_upload", "1", 0),
        ("allow_attachments", "1", 0),
        ("allow_pm_attach", "1", 0),
        ("allow_sig", "1", 0),
        ("avatar_path", "images/avatars/upload", 0),
        ("avatar_salt", avatar_salt, 0),
        ("board_email", "board@hobbyforum.example", 0),
        ("board_startdate", str(board_start), 0),
        ("board_timezone", board_timezone, 0),
        ("cookie_domain", "hobbyforum.example", 0),
        ("cookie_name", "phpbb3_" + avatar_salt[:5], 0),
        ("default_dateformat", "D M d, Y g:i a", 0),
        ("default_lang", "en", 0),
        ("img_max_thumb_width", "400", 0),
        ("img_min_thumb_filesize", "12000", 0),
        ("last_queue_run", str(dump_time - 600), 1),
        ("max_filesize", "262144", 0),
        ("newest_user_colour", "", 1),
        ("newest_user_id", str(newest[0]), 1),
        ("newest_username", newest[1], 1),
        ("num_files", str(counts.get("attachments", 0)), 1),
        ("num_posts", str(counts.get("posts", 0)), 1),
        ("num_topics", str(counts.get("topics", 0)), 1),
        ("num_users", str(counts.get("users", 0)), 1),
        ("record_online_date", str(dump_time - 86400 * 40), 1),
        ("record_online_users", "212", 1),
        ("script_path", "/", 0),
        ("server_name", "hobbyforum.example", 0),
        ("server_protocol", "https://", 0),
        ("site_desc", "A friendly place for hobbies, trips and tinkering", 0),
        ("sitename", sitename, 0),
        ("upload_dir_size", str(counts.get("upload_dir_size", 0)), 1),
        ("upload_path", "files", 0),
        ("version", PHPBB_VERSION, 0),
    ]
    return sorted(rows)
