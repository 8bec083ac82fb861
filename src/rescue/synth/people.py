"""Persons and their forum accounts, with the signals that tie one person's accounts together.

About 15% of persons own two to four accounts. Each extra account shares a few signals with the
person's first one, never all of them (``SIGNALS``): a sibling username, the e-mail local part
at another provider, the same connection, signature, avatar file, birthday, bitcoin address or
PGP fingerprint. Time zone and language stay those of home. VPN users share exit addresses with
unrelated persons, which must not count as a link.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field

from . import identifiers, names
from .config import Clock, SynthConfig
from .gazetteer import COUNTRIES, GLOBAL_PROVIDERS, Country
from .ipspace import IpSpace
from .text import OCCUPATIONS

SIGNALS = ("username", "email_local", "ip", "signature", "avatar", "birthday", "crypto", "pgp")
DAY = 86400


@dataclass
class IpTimeline:
    """The addresses one connection used over time; ``pick`` draws one for an event."""

    changes: list[int]  # times at which ``homes[i]`` took over
    homes: list[str]
    mobile: str | None
    exits: tuple[str, ...]  # VPN/Tor exits this person favours (shared with strangers)

    def home_at(self, when: int) -> str:
        return self.homes[max(0, bisect.bisect_right(self.changes, when) - 1)]

    def pick(self, when: int, rng: random.Random) -> str:
        roll = rng.random()
        if self.exits and roll < 0.85:
            return self.exits[int(roll * 1000) % len(self.exits)]
        if self.mobile and roll > 0.88:
            return self.mobile
        return self.home_at(when)

    def all_addresses(self) -> list[str]:
        return [*self.homes, *([self.mobile] if self.mobile else [])]


@dataclass
class Person:
    person_id: int
    country: Country
    timezone: str
    language: str
    city: str
    uses_vpn: bool
    occupation: str | None
    peak_hour: float  # local hour around which this person is online
    email_local: str
    username: str
    birthday: str
    signature: str
    website: str
    btc: str | None
    pgp: str | None
    handle: tuple[str, str] | None
    phone: str | None
    ips: IpTimeline
    avatar_seed: int | None
    accounts: list[int] = field(default_factory=list)
    friends: list[int] = field(default_factory=list)  # person ids
    forums: list[str] = field(default_factory=list)  # favourite forum names
    sharer: float = 0.0  # how much more than average this person attaches images
    # What triage should find (ground truth only): producer - first to post new pictures;
    # distributor - posts many known pictures; member - everyone else.
    role_truth: str = "member"
    meets: bool = False  # arranges to meet other members in person (private messages)


@dataclass
class Account:
    user_id: int
    person: Person | None  # None for Anonymous and the bots
    kind: str  # anonymous | bot | admin | moderator | member
    username: str
    email: str
    regdate: int
    active_until: int
    weight: float  # posting activity; 0 never posts
    shared: tuple[str, ...] = ()  # signals this account shares with the person's first account
    ips: IpTimeline | None = None
    timezone: str = ""
    birthday: str = ""
    signature: str = ""
    avatar_seed: int | None = None
    inactive: bool = False
    posts: int = 0
    last_post_time: int = 0


def _birthday(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):2d}-{rng.randint(1, 12):2d}-{rng.randint(1950, 2004)}"


def _weighted_country(rng: random.Random) -> Country:
    total = sum(c.weight for c in COUNTRIES)
    roll = rng.random() * total
    for country in COUNTRIES:
        roll -= country.weight
        if roll <= 0:
            return country
    return COUNTRIES[-1]


def _provider(country: Country, rng: random.Random, avoid: str = "") -> str:
    options = [p for p in (*country.providers, *GLOBAL_PROVIDERS) if p != avoid]
    return rng.choice(options)


def _timeline(
    country: str, ipspace: IpSpace, clock: Clock, exits: tuple[str, ...], rng: random.Random
) -> IpTimeline:
    first = ipspace.home_address(country, rng)
    changes, homes = [clock.board_start], [first]
    when = clock.board_start
    while True:
        when += rng.randint(120, 700) * DAY
        if when >= clock.dump_time:
            break
        # Most reassignments stay in the provider's block; some are a move to a new provider.
        if rng.random() < 0.7:
            homes.append(ipspace.nearby_address(homes[-1], rng))
        else:
            homes.append(ipspace.home_address(country, rng))
        changes.append(when)
    mobile = ipspace.home_address(country, rng) if rng.random() < 0.4 else None
    return IpTimeline(changes, homes, mobile, exits)


def make_persons(
    count: int,
    clock: Clock,
    ipspace: IpSpace,
    exit_pool: list[str],
    rng: random.Random,
    names_taken: set[str] | None = None,
) -> list[Person]:
    """``names_taken`` holds compact names (letters and digits) already chosen by others."""
    persons = []
    names_taken = set() if names_taken is None else names_taken
    forum_names = list(_FORUMS)
    for person_id in range(1, count + 1):
        country = _weighted_country(rng)
        uses_vpn = rng.random() < 0.10
        exits: tuple[str, ...] = ()
        if uses_vpn:
            # Popular exits first: low indexes are drawn more often, so strangers share them.
            exits = tuple(
                exit_pool[int(len(exit_pool) * rng.random() ** 2)] for _ in range(rng.randint(1, 3))
            )
        # The name vocabulary is small; real people rarely pick a name that differs from a
        # stranger's only by separators or case, so each person's own name is new.
        username = names.username_base(rng)
        while _compact(username) in names_taken:
            username = names.username_base(rng)
        names_taken.add(_compact(username))
        handle_base = names.email_local_part(username, rng).replace(".", "_")
        person = Person(
            person_id=person_id,
            country=country,
            timezone=rng.choice(country.timezones),
            language=country.languages[0] if rng.random() < 0.8 else rng.choice(country.languages),
            city=rng.choice(country.cities),
            uses_vpn=uses_vpn,
            occupation=rng.choice(OCCUPATIONS) if rng.random() < 0.3 else None,
            peak_hour=rng.choice((9.0, 13.0, 19.0, 20.5, 21.5)) + rng.uniform(-1.0, 1.0),
            email_local=names.email_local_part(username, rng),
            username=username,
            birthday=_birthday(rng) if rng.random() < 0.45 else "",
            signature=names.signature_text(rng) if rng.random() < 0.35 else "",
            website=f"https://{handle_base.replace('_', '')}.example/"
            if rng.random() < 0.1
            else "",
            btc=identifiers.bitcoin_address(rng) if rng.random() < 0.06 else None,
            pgp=identifiers.pgp_fingerprint(rng) if rng.random() < 0.04 else None,
            handle=identifiers.messenger_handle(rng, handle_base) if rng.random() < 0.08 else None,
            phone=identifiers.fictional_phone(country.code, rng) if rng.random() < 0.1 else None,
            ips=_timeline(country.code, ipspace, clock, exits, rng),
            avatar_seed=rng.randrange(1 << 30) if rng.random() < 0.3 else None,
            forums=rng.sample(forum_names, k=rng.randint(2, 5)),
            sharer=rng.random() ** 4 * 12,
        )
        _plant_role(person, rng)
        persons.append(person)
    _befriend(persons, rng)
    return persons


# Shares of persons, roughly as an operation's triage finds them: a few producers, more
# distributors, a few who arrange meetings.
PRODUCER_SHARE, DISTRIBUTOR_SHARE, MEETING_SHARE = 0.012, 0.04, 0.015


def _plant_role(person: Person, rng: random.Random) -> None:
    roll = rng.random()
    if roll < PRODUCER_SHARE:
        person.role_truth = "producer"
        person.sharer = max(person.sharer, 3.0 + rng.random() * 3)
    elif roll < PRODUCER_SHARE + DISTRIBUTOR_SHARE:
        person.role_truth = "distributor"
        person.sharer = max(person.sharer, 5.0 + rng.random() * 6)
    person.meets = rng.random() < MEETING_SHARE


def _compact(username: str) -> str:
    return "".join(c for c in username.lower() if c.isalnum())


def ensure_producers(persons: list[Person], accounts: list[Account], minimum: int) -> None:
    """Small boards still get a few producers, so new material exists to be found.

    Promoted are the members most likely to post: the busiest, longest-active accounts.
    """
    producers = sum(1 for p in persons if p.role_truth == "producer")

    def activity(account: Account) -> float:
        return account.weight * max(0, account.active_until - account.regdate)

    ranked = sorted(
        (a for a in accounts if a.person and a.person.role_truth == "member" and not a.inactive),
        key=lambda a: (-activity(a), a.username),
    )
    for account in ranked[: max(0, minimum - producers)]:
        assert account.person is not None
        account.person.role_truth = "producer"
        account.person.sharer = max(account.person.sharer, 4.0)


def _befriend(persons: list[Person], rng: random.Random) -> None:
    """Small circles around shared forums, plus a few long-range ties."""
    by_forum: dict[str, list[Person]] = {}
    for person in persons:
        for forum in person.forums:
            by_forum.setdefault(forum, []).append(person)
    for person in persons:
        wanted = min(len(persons) - 1, int(rng.expovariate(1 / 4)) + 1)
        pool = by_forum[rng.choice(person.forums)]
        for _ in range(wanted):
            other = rng.choice(pool) if rng.random() < 0.8 else rng.choice(persons)
            if other is not person and other.person_id not in person.friends:
                person.friends.append(other.person_id)
                other.friends.append(person.person_id)


def _alt_signals(person: Person, rng: random.Random) -> tuple[str, ...]:
    available = [
        s
        for s in SIGNALS
        if (s != "signature" or person.signature)
        and (s != "birthday" or person.birthday)
        and (s != "crypto" or person.btc)
        and (s != "pgp" or person.pgp)
        and (s != "avatar" or person.avatar_seed is not None)
    ]
    return tuple(sorted(rng.sample(available, k=min(len(available), rng.randint(2, 4)))))


def make_accounts(
    persons: list[Person],
    config: SynthConfig,
    clock: Clock,
    ipspace: IpSpace,
    taken: set[str],
    rng: random.Random,
    emails_taken: set[str] | None = None,
) -> list[Account]:
    """Member accounts (not yet numbered), sorted by registration time."""
    emails_taken = set() if emails_taken is None else emails_taken
    accounts: list[Account] = []
    for person in persons:
        # Membership grows over the board's life: arrivals thin out towards the start.
        regdate = clock.board_start + int(clock.span * 0.97 * rng.random() ** 0.8) + 3600
        n_accounts = 1 if rng.random() >= 0.15 else rng.randint(2, 4)
        for index in range(n_accounts):
            shared = _alt_signals(person, rng) if index else tuple(SIGNALS)
            if index:
                regdate = min(clock.dump_time - DAY, regdate + rng.randint(20, 600) * DAY)
            username = person.username if index == 0 else _alt_username(person, shared, rng)
            username = _unique(username, taken, rng)
            local = person.email_local
            if index and "email_local" not in shared:
                local = names.email_local_part(names.username_base(rng), rng)
            email = _unused_email(local, person.country, emails_taken, rng)
            lifetime = int(rng.expovariate(1 / 700) * DAY)
            active_until = clock.dump_time if rng.random() < 0.35 else regdate + lifetime
            exits = person.ips.exits
            ips = (
                person.ips
                if "ip" in shared
                else _timeline(person.country.code, ipspace, clock, exits, rng)
            )
            accounts.append(
                Account(
                    user_id=0,
                    person=person,
                    kind="member",
                    username=username,
                    email=email,
                    regdate=regdate,
                    active_until=min(clock.dump_time, max(active_until, regdate + 7 * DAY)),
                    # Planted roles must show in the forum, so their holders post.
                    weight=math.exp(rng.gauss(0, 1.4))
                    * (3.0 if person.role_truth != "member" or person.meets else 1.0),
                    shared=shared if index else (),
                    ips=ips,
                    timezone=person.timezone if "ip" in shared or rng.random() < 0.7 else "",
                    birthday=person.birthday if "birthday" in shared else "",
                    signature=person.signature if "signature" in shared else "",
                    avatar_seed=person.avatar_seed if "avatar" in shared else None,
                    inactive=rng.random() < 0.03,
                )
            )
    accounts.sort(key=lambda a: (a.regdate, a.username))
    return accounts


def _unused_email(local: str, country: Country, taken: set[str], rng: random.Random) -> str:
    """phpBB refuses an address another account holds (allow_emailreuse is off by default)."""
    email = f"{local}@{_provider(country, rng)}"
    for attempt in range(30):
        if email not in taken:
            break
        # Another provider first, so an account that reuses its local part still does.
        suffix = str(rng.randrange(10, 100)) if attempt >= 10 else ""
        email = f"{local}{suffix}@{_provider(country, rng)}"
    taken.add(email)
    return email


def _alt_username(person: Person, shared: tuple[str, ...], rng: random.Random) -> str:
    if "username" in shared:
        return names.username_variant(person.username, rng)
    return names.username_base(rng)


def _unique(username: str, taken: set[str], rng: random.Random) -> str:
    while names.username_clean(username) in taken:
        username = names.username_variant(username, rng)
    taken.add(names.username_clean(username))
    return username


_FORUMS = (
    "Introductions",
    "Off-topic lounge",
    "Hiking and trails",
    "Cycling",
    "Birdwatching",
    "Weather watching",
    "Woodworking",
    "Baking",
    "Gardening",
    "Model railways",
    "Cameras and lenses",
    "Linux and software",
    "Retro computing",
    "Trip reports",
    "Rail travel",
)
