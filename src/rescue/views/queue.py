"""The new-material queue for the victim-identification team: metadata, spread, first appearance.

Clusters of near-duplicate files no hash list knows, most urgent first (the order of
``rescue.media.reports.new_material_queue``), with how far each spread: posters, persons and
their countries. An item's files are hashes and sizes; never content, never a thumbnail. The
queue is not limited by country: who may open it is the web layer's decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rescue.errors import InputError
from rescue.views.reader import Reader, ReadModel
from rescue.views.records import Record, json_list

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class CountrySpread(Record):
    country: str | None  # None: persons not attributed to any country
    persons: int


@dataclass(frozen=True)
class QueueEntry(Record):
    priority: int  # 1 = look first
    cluster_id: str
    files: int  # distinct files, near duplicates of each other
    attachments: int  # times posted
    posters: int  # distinct accounts
    persons: int  # distinct persons behind those accounts
    countries: tuple[CountrySpread, ...]  # most persons first
    first_seen_at: str | None
    first_place: str | None  # "post 12 in topic 3" | "private message 7"
    first_account_id: str | None
    first_username: str | None
    first_person_id: str | None
    last_seen_at: str | None


@dataclass(frozen=True)
class QueuePage(Record):
    total: int
    page: int
    per_page: int
    pages: int
    items: tuple[QueueEntry, ...]
    built_at: str


@dataclass(frozen=True)
class QueueFile(Record):
    file: str  # "source:file name on disk" (the forum's storage name, not the uploader's)
    role: str | None  # attachment | avatar
    size: int | None
    sha256: str | None
    md5: str | None
    pdq: str | None
    pdq_quality: int | None
    media_type: str | None
    format: str | None
    width: int | None
    height: int | None


@dataclass(frozen=True)
class QueuePlace(Record):
    """One appearance: an attachment (to a post, a private message, or none), or an avatar."""

    kind: str  # post | message | orphan (uploaded, never attached) | avatar
    file: str
    source: str | None
    attach_id: int | None
    post_msg_id: int | None  # the post or message id
    topic_id: int | None
    forum_id: int | None
    seen_at: str | None
    account_id: str | None
    username: str | None
    person_id: str | None
    extension: str | None


@dataclass(frozen=True)
class QueueAccount(Record):
    account_id: str
    username: str | None
    person_id: str | None
    appearances: int
    first_seen_at: str | None


@dataclass(frozen=True)
class QueueItem(Record):
    entry: QueueEntry
    files: tuple[QueueFile, ...]
    places: tuple[QueuePlace, ...]  # earliest first
    accounts: tuple[QueueAccount, ...]  # earliest first
    built_at: str


_ENTRY = """
SELECT q.priority, q.cluster_id, q.files, q.attachments, q.posters,
       coalesce(s.persons, 0) AS persons, s.countries, q.first_seen_at, q.first_place,
       q.first_account_id, q.first_username, p.person_id AS first_person_id, q.last_seen_at
FROM queue q
LEFT JOIN spread s ON s.cluster_id = q.cluster_id
LEFT JOIN accounts a ON a.account_id = q.first_account_id
LEFT JOIN person p ON p.pid = a.pid
"""


def _entry(row: Any) -> QueueEntry:
    countries = tuple(
        CountrySpread(c.get("country"), int(c.get("persons") or 0))
        for c in json_list(row["countries"])
    )
    return QueueEntry(
        priority=row["priority"],
        cluster_id=row["cluster_id"],
        files=row["files"],
        attachments=row["attachments"],
        posters=row["posters"],
        persons=row["persons"],
        countries=countries,
        first_seen_at=row["first_seen_at"],
        first_place=row["first_place"],
        first_account_id=row["first_account_id"],
        first_username=row["first_username"],
        first_person_id=row["first_person_id"],
        last_seen_at=row["last_seen_at"],
    )


def material_queue(reader: Reader, *, page: int = 1, per_page: int = 50) -> QueuePage:
    """One page of the queue, most urgent cluster first."""
    if page < 1:
        raise InputError(f"page {page} is before the first", "pages count from 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InputError(f"{per_page} clusters per page asked for", f"ask for 1 to {MAX_PER_PAGE}")
    model = reader.model()
    total = _count(model)
    rows = model.rows(
        _ENTRY + "ORDER BY q.priority, q.cluster_id LIMIT ? OFFSET ?",
        [per_page, (page - 1) * per_page],
    )
    return QueuePage(
        total=total,
        page=page,
        per_page=per_page,
        pages=max(1, -(-total // per_page)),
        items=tuple(_entry(r) for r in rows),
        built_at=model.built_at,
    )


def _count(model: ReadModel) -> int:
    row = model.one("SELECT count(*) AS n FROM queue")
    return int(row["n"]) if row else 0


def queue_item(reader: Reader, cluster_id: str) -> QueueItem | None:
    """One cluster: its files' hashes, every appearance, the accounts that posted it."""
    model = reader.model()
    row = model.one(_ENTRY + "WHERE q.cluster_id = ?", [cluster_id])
    if row is None:
        return None
    files = model.rows(
        "SELECT file, role, size, sha256, md5, pdq, pdq_quality, media_type, format, width, "
        "height FROM queue_files WHERE cluster_id = ? ORDER BY file",
        [cluster_id],
    )
    places = [
        QueuePlace(*r)
        for r in model.rows(
            "SELECT kind, file, source, attach_id, post_msg_id, topic_id, forum_id, seen_at, "
            "account_id, username, person_id, extension FROM queue_places WHERE cluster_id = ? "
            "ORDER BY seen_at IS NULL, seen_at, source, attach_id, account_id",
            [cluster_id],
        )
    ]
    return QueueItem(
        entry=_entry(row),
        files=tuple(QueueFile(*f) for f in files),
        places=tuple(places),
        accounts=_accounts(places),
        built_at=model.built_at,
    )


def _accounts(places: list[QueuePlace]) -> tuple[QueueAccount, ...]:
    found: dict[str, QueueAccount] = {}
    for place in places:  # earliest first, so an account's first appearance comes first
        if place.account_id is None:
            continue
        seen = found.get(place.account_id)
        found[place.account_id] = QueueAccount(
            account_id=place.account_id,
            username=place.username,
            person_id=place.person_id,
            appearances=1 + (seen.appearances if seen else 0),
            first_seen_at=seen.first_seen_at if seen else place.seen_at,
        )
    return tuple(found.values())
