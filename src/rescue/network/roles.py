"""Each person's role in the network, and the neutral statements behind it.

The role is the first that applies, in this order:

1. ``administrator``: a member of an administrator group, or the board's founder account.
2. ``moderator``: a member of a moderator group.
3. ``producer``: first to post at least ``producer_min_clusters`` new-material clusters (a
   candidate only: being first on this board is not proof of making the material).
4. ``distributor``: posted at least ``distributor_min_known_files`` distinct known files, or
   seeded clusters that at least ``distributor_min_spread`` other persons re-posted.
5. ``consumer``: active (at least ``consumer_min_activity`` posts and messages) and tied to at
   least ``consumer_min_degree`` persons, without reaching a rule above.
6. ``peripheral``: everyone else: few posts or few ties.

The reasons list every statement that held, in the same order, so an administrator who also
seeded new material says both. Statements state facts ("posted 40 known files"), never
judgements: they go into referral packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("administrator", "moderator", "producer", "distributor", "consumer", "peripheral")


@dataclass(frozen=True)
class RoleParams:
    # New-material clusters first posted: one is enough to look at a person, since the
    # first poster of a picture nobody has seen before may be near a child at risk.
    producer_min_clusters: int = 1
    # Distinct known files posted: a handful can be chance re-posts, ten is a habit.
    distributor_min_known_files: int = 10
    # Other persons who re-posted what this person seeded first.
    distributor_min_spread: int = 3
    # Posts plus private messages for an active member, rather than one who signed up and left.
    consumer_min_activity: int = 5
    # Distinct persons tied to: below it, a person sits at the network's edge.
    consumer_min_degree: int = 2


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _staff_reasons(tags: list[str]) -> tuple[list[str], list[str]]:
    """Administrator and moderator statements from the activity's ``staff`` tags."""
    admin, moderator = [], []
    for tag in tags:
        role, _, name = tag.partition("|")
        if role == "founder":
            admin.append("the board's founder account")
        elif role == "administrator":
            admin.append(f"member of the administrator group {name}")
        elif role == "moderator":
            moderator.append(f"member of the moderator group {name}")
    return admin, moderator


def assign_role(facts: dict[str, Any], degree: int, params: RoleParams) -> tuple[str, list[str]]:
    """The role and reasons for one person; ``facts`` is a row of ``person_activity``."""
    admin, moderator = _staff_reasons(list(facts.get("staff") or ()))
    seeded = int(facts["new_clusters_seeded"])
    known = int(facts["known_files_posted"])
    spread = int(facts["seeded_spread"])
    activity = int(facts["posts"]) + int(facts["messages"])
    producer = []
    if seeded >= params.producer_min_clusters:
        producer.append(f"first to post {_plural(seeded, 'new picture cluster')}")
    distributor = []
    if known >= params.distributor_min_known_files:
        distributor.append(f"posted {_plural(known, 'known file')}")
    if spread >= params.distributor_min_spread:
        distributor.append(f"seeded clusters re-posted by {_plural(spread, 'other person')}")
    consumer = []
    if activity >= params.consumer_min_activity and degree >= params.consumer_min_degree:
        consumer.append(
            f"wrote {_plural(int(facts['posts']), 'post')} and "
            f"{_plural(int(facts['messages']), 'private message')}"
        )
        consumer.append(f"tied to {_plural(degree, 'person')}")
    found = [admin, moderator, producer, distributor, consumer]
    reasons = [reason for group in found for reason in group]
    for role, group in zip(ROLES, found, strict=False):
        if group:
            return role, reasons
    return "peripheral", [
        f"wrote {_plural(activity, 'post or message', 'posts and messages')}",
        f"tied to {_plural(degree, 'person')}",
    ]
