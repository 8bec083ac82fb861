"""``generate``: a whole synthetic phpBB 3.3 operation, reproducible from its seed.

Order of work: persons and accounts, the picture catalogue, then posts and messages streamed
into the dump (they decide the counters), then users and the small tables, then the dump is
assembled in mysqldump's table order. Each part draws from its own RNG, derived from the seed
and the part's name, so changing one part does not reshuffle the others.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from rescue.ingest.phpbb_schema import PHPBB_TABLES

from . import board, forum, userrows
from .activity import PostWriter
from .attachments import AttachmentMaker
from .config import Clock, SynthConfig, SynthResult
from .dumpwriter import DumpWriter
from .groundtruth import Disclosures, GroundTruth
from .ipspace import IpSpace
from .media import Catalogue, Picture
from .messages import MessageWriter
from .people import Account, Person, ensure_producers, make_accounts, make_persons

Progress = Callable[[str, int, int], None]
_AUTO_INCREMENT = (
    "attachments", "banlist", "forums", "groups", "log", "posts", "privmsgs",
    "profile_fields", "topics", "users",
)  # fmt: skip
_BOARD_TIMEZONE = "UTC"


def _empty_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty; generate into a fresh directory")
    return path


def _population(
    config: SynthConfig, clock: Clock, ipspace: IpSpace, exits: list[str]
) -> tuple[list[Person], list[Account]]:
    """Exactly ``config.members`` human accounts, numbered as phpBB would number them."""
    rng = random.Random(f"{config.seed}:people")
    names: set[str] = set()
    persons = make_persons(max(8, round(config.members / 1.3)), clock, ipspace, exits, rng, names)
    taken = {"anonymous"} | {forum_name.lower() for forum_name in forum.BOT_NAMES}
    emails: set[str] = set()
    members = make_accounts(persons, config, clock, ipspace, taken, rng, emails)
    while len(members) < config.members:
        extra = make_persons(len(persons) // 10 + 5, clock, ipspace, exits, rng, names)
        for offset, person in enumerate(extra, start=1):
            person.person_id = len(persons) + offset
        persons += extra
        members += make_accounts(extra, config, clock, ipspace, taken, rng, emails)
        members.sort(key=lambda a: (a.regdate, a.username))
    members = members[: config.members]
    ensure_producers(persons, members, 2)
    founder = members[0]
    founder.regdate = clock.board_start + 120
    founder.kind = "admin"
    founder.weight = max(founder.weight, 3.0)
    founder.active_until = clock.dump_time
    founder.inactive = False
    early = [a for a in members[1 : len(members) // 2] if not a.shared and not a.inactive]
    staff = rng.sample(early, k=min(len(early), 1 + config.members // 250))
    for index, account in enumerate(staff):
        account.kind = "admin" if index == 0 else "moderator"
        account.active_until = max(account.active_until, clock.dump_time - 86400 * 30)
    anonymous = Account(1, None, "anonymous", "Anonymous", "", clock.board_start, 0, 0.0)
    bots = [
        Account(0, None, "bot", name, "", clock.board_start + 120, 0, 0.0)
        for name in forum.BOT_NAMES
    ]
    ordered = [anonymous, founder, *bots, *members[1:]]
    for user_id, account in enumerate(ordered, start=1):
        account.user_id = user_id
    for person in persons:
        person.accounts = []
    for account in members:
        assert account.person is not None
        account.person.accounts.append(account.user_id)
    persons = [p for p in persons if p.accounts]
    kept = {p.person_id for p in persons}
    for person in persons:
        person.friends = [f for f in person.friends if f in kept]
    return persons, ordered


def generate(out_dir: Path, config: SynthConfig, progress: Progress | None = None) -> SynthResult:
    """Writes the dump, attachment and avatar folders, known-hash list and ground truth."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files_dir = _empty_dir(out_dir / "files")
    avatars_dir = _empty_dir(out_dir / "avatars")
    clock = Clock.from_seed(config.seed)
    truth = GroundTruth()

    def rng(part: str) -> random.Random:
        return random.Random(f"{config.seed}:{part}")

    ipspace = IpSpace()
    exit_rng = rng("exits")
    exits: list[str] = []
    for index in range(max(8, config.members // 300) + 6):
        address, operator = ipspace.hosting_address(exit_rng)
        exits.append(address)
        kind = "tor" if index % 7 == 6 else "vpn"
        truth.shared_ips.append({"ip": address, "operator": operator, "kind": kind})
    persons, accounts = _population(config, clock, ipspace, exits)
    members = [a for a in accounts if a.person is not None]
    if progress:
        progress("members", len(members), config.members)

    total_posts = round(config.members * config.posts_per_member)
    total_messages = round(config.members * config.messages_per_member)
    expected_attachments = int(total_posts * config.attachment_rate + total_messages * 0.01)
    suffix = ".sql.gz" if config.compress else ".sql"
    dump = DumpWriter(
        out_dir / f"forum{suffix}", config.prefix, config.latin1_tables, config.compress
    )
    for table in PHPBB_TABLES:
        dump.table(table)
    with tempfile.TemporaryDirectory(prefix=".synth-media-", dir=out_dir) as work:
        catalogue = Catalogue(
            rng("images"), Path(work), expected_attachments, corrupt=3 if config.anomalies else 0
        )
        if progress:
            progress("images", len(catalogue.pictures), len(catalogue.pictures))
        attachments = AttachmentMaker(
            catalogue, dump.table("attachments"), files_dir, truth, rng("attachments"),
            expected_attachments, config.anomalies,
        )  # fmt: skip
        disclosures = Disclosures(truth, rng("disclosures"))
        by_person = {p.person_id: p for p in persons}
        posts = PostWriter(
            clock, members, forum.forum_tree(), dump, attachments, disclosures,
            config.attachment_rate, rng("posts"),
        )  # fmt: skip
        posts.run(total_posts, progress)
        messages = MessageWriter(
            clock, members, by_person, dump, attachments, disclosures, rng("messages")
        )
        messages.run(total_messages, progress)
        extra = rng("extra")
        for account in extra.sample(members, k=min(len(members), 2 + len(members) // 500)):
            attachments.attach(account, clock.dump_time - extra.randint(600, 86400), 0, 0, False)
        if config.anomalies:
            attachments.unreferenced_file(extra.choice(members).user_id)
        catalogue.write_known_hashes(out_dir / "known_hashes.csv")
        pictures = [_picture_record(p) for p in catalogue.pictures]

    avatar_salt = f"{rng('salt').getrandbits(128):032x}"
    userrows.write_users(
        accounts, dump, avatars_dir, avatar_salt, _BOARD_TIMEZONE, messages.unread,
        messages.last_message, truth, rng("users"),
    )  # fmt: skip
    userrows.write_profile_data(accounts, dump, truth, rng("profiles"))
    small = rng("board")
    board.write_groups(dump)
    board.write_forums(dump, posts.forum_stats)
    board.write_profile_fields(dump)
    board.write_banlist(dump, members, exits, clock.dump_time, small)
    board.write_zebra(dump, members, small)
    staff = [a for a in members if a.kind in ("admin", "moderator")]
    board.write_log(dump, staff, members, posts.sample_topics, small)
    bots = [a for a in accounts if a.kind == "bot"]
    board.write_sessions(dump, members, bots, ipspace, clock.dump_time, small)
    post_count, topic_count = posts.counts
    newest = max(members, key=lambda a: (a.regdate, a.user_id))
    config_rows = forum.config_rows(
        board_start=clock.board_start,
        avatar_salt=avatar_salt,
        sitename="The Tinkerers' Lounge",
        counts={
            "posts": post_count,
            "topics": topic_count,
            "users": len(members),
            "attachments": attachments.next_id - 1,
            "upload_dir_size": attachments.total_bytes,
        },
        newest=(newest.user_id, newest.username),
        board_timezone=_BOARD_TIMEZONE,
        dump_time=clock.dump_time,
    )
    board.write_config(dump, config_rows)
    counts = dump.counts()
    if progress:
        progress("dump", 0, 1)
    dump.finish(clock.dump_time, _AUTO_INCREMENT)
    if progress:
        progress("dump", 1, 1)
    ground_truth = out_dir / "ground_truth.json"
    truth.write(ground_truth, config, persons, accounts, counts, pictures)
    return SynthResult(
        out_dir=out_dir,
        dump_path=dump.path,
        files_dir=files_dir,
        avatars_dir=avatars_dir,
        known_hashes_path=out_dir / "known_hashes.csv",
        ground_truth_path=ground_truth,
        counts=counts,
    )


def _picture_record(picture: Picture) -> dict[str, object]:
    return {
        "image_id": picture.image_id,
        "kind": picture.kind,
        "known_id": picture.known_id,
        "category": picture.category,
        "sha256": picture.sha256,
        "pdq": picture.pdq,
        "pdq_quality": picture.pdq_quality,
        "source_image_id": picture.source_image_id,
        "transform": picture.transform,
        "pdq_distance": picture.pdq_distance,
        "first_poster": picture.first_poster,
        "extension": picture.encoded.extension,
        "width": picture.encoded.width,
        "height": picture.encoded.height,
    }
