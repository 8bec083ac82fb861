"""Assessment: an analyst classifies a URL under each jurisdiction that matters, without seeing it.

What the analyst has instead of the picture: the reports' notes, and the known-hash matches the
checker found (``rescue.hotline.content``), each to confirm or reject. A classification is one
of ``interpol_baseline`` (meets Interpol's baseline: illegal in every member country),
``national`` (illegal under the law of that jurisdiction) or ``not_illegal``, recorded per
jurisdiction (ISO 3166-1 alpha-2, or INT for the international baseline).

Assessments are never edited: a change of mind is a new row and the latest per jurisdiction is
in force. A URL is ``illegal`` when any jurisdiction in force says so, ``not_illegal`` when all
of them say not; only illegal URLs get notices. A not-illegal URL is no longer checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rescue.case import Case
from rescue.errors import InputError
from rescue.hotline.lifecycle import ILLEGAL, NOT_ILLEGAL
from rescue.hotline.records import add_event, get_url, now_or, when
from rescue.hotline.settings import hotline_settings
from rescue.operation import fields
from rescue.ops.models import HotlineAssessment, HotlineHashHit
from rescue.security.audit import append

CLASSIFICATIONS = ("interpol_baseline", "national", "not_illegal")
INTERNATIONAL = "INT"
DECISIONS = ("confirmed", "rejected")


@dataclass(frozen=True)
class Assessment:
    id: int
    url_id: int
    jurisdiction: str
    classification: str
    analyst: str
    note: str
    assessed_at: datetime
    verdict: str  # the URL's verdict after this assessment


@dataclass(frozen=True)
class HashHit:
    id: int
    url_id: int
    hash_set: str
    known_id: str | None
    category: str | None
    matched_on: str
    known_hash: str
    distance: int
    found_at: datetime
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None


def jurisdiction_code(value: str) -> str:
    code = value.strip().upper()
    return INTERNATIONAL if code == INTERNATIONAL else fields.country(code)


def verdict_of(latest: Iterable[str]) -> str:
    """``illegal`` when any classification in force is illegal, else ``not_illegal``."""
    return ILLEGAL if any(c != NOT_ILLEGAL for c in latest) else NOT_ILLEGAL


def _in_force(session: Session, url_id: int) -> dict[str, str]:
    rows = session.scalars(
        select(HotlineAssessment)
        .where(HotlineAssessment.url_id == url_id)
        .order_by(HotlineAssessment.assessed_at, HotlineAssessment.id)
    )
    return {row.jurisdiction: row.classification for row in rows}


def assess_url(
    case: Case,
    url_id: int,
    classification: str,
    *,
    analyst: str,
    jurisdiction: str | None = None,
    note: str = "",
    source: str = "cli",
    now: datetime | None = None,
) -> Assessment:
    if classification not in CLASSIFICATIONS:
        raise InputError(
            f"unknown classification {classification!r}",
            f"use one of: {', '.join(CLASSIFICATIONS)}",
        )
    settings = hotline_settings(case.settings("hotline"))
    place = jurisdiction_code(jurisdiction or settings.jurisdiction)
    who = fields.name(analyst, "the analyst")
    moment = now_or(now)
    with case.store.session() as session:
        url = get_url(session, url_id)
        row = HotlineAssessment(
            url_id=url.id, jurisdiction=place, classification=classification, analyst=who,
            note=note.strip(), assessed_at=moment,
        )  # fmt: skip
        session.add(row)
        session.flush()
        url.verdict = verdict_of({**_in_force(session, url.id), place: classification}.values())
        if url.assessed_at is None:
            url.assessed_at = moment
        if url.verdict == NOT_ILLEGAL:
            url.next_check_at = None  # nothing to remove: stop fetching it
        elif url.next_check_at is None:
            url.next_check_at = moment  # illegal after all, or again: look at once
        what = {"jurisdiction": place, "classification": classification}
        add_event(session, url.id, "assessed", moment, {"assessment_id": row.id, **what})
        append(
            session, who, "hotline.assess", target=f"hotline url {url.id}", source=source,
            now=moment, detail={**what, "verdict": url.verdict},
        )  # fmt: skip
        return Assessment(row.id, url.id, place, classification, who, row.note, moment, url.verdict)


def assessments_of(case: Case, url_id: int) -> list[Assessment]:
    """Every assessment of a URL, oldest first; ``verdict`` is the URL's current one."""
    with case.store.session() as session:
        url = get_url(session, url_id)
        rows = session.scalars(
            select(HotlineAssessment)
            .where(HotlineAssessment.url_id == url_id)
            .order_by(HotlineAssessment.assessed_at, HotlineAssessment.id)
        )
        return [
            Assessment(r.id, r.url_id, r.jurisdiction, r.classification, r.analyst, r.note,
                       fields.utc(r.assessed_at), url.verdict)
            for r in rows
        ]  # fmt: skip


def hit_record(row: HotlineHashHit) -> HashHit:
    return HashHit(
        row.id, row.url_id, row.hash_set, row.known_id, row.category, row.matched_on,
        row.known_hash, row.distance, fields.utc(row.found_at), row.decision, row.decided_by,
        when(row.decided_at),
    )  # fmt: skip


def hits_of(case: Case, url_id: int | None = None) -> list[HashHit]:
    query = select(HotlineHashHit).order_by(HotlineHashHit.id)
    if url_id is not None:
        query = query.where(HotlineHashHit.url_id == url_id)
    with case.store.session() as session:
        return [hit_record(row) for row in session.scalars(query)]


def decide_hit(
    case: Case,
    hit_id: int,
    decision: str,
    *,
    analyst: str,
    source: str = "cli",
    now: datetime | None = None,
) -> HashHit:
    """An analyst confirms a known-hash match, or rejects it (a perceptual false match).

    A later decision replaces an earlier one; the audit log keeps both.
    """
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}", f"use one of: {', '.join(DECISIONS)}")
    who = fields.name(analyst, "the analyst")
    moment = now_or(now)
    with case.store.session() as session:
        row = session.get(HotlineHashHit, hit_id)
        if row is None:
            raise InputError(
                f"no hash match {hit_id} in this case", "see: rescue hotline show URL_ID"
            )
        before = row.decision
        row.decision, row.decided_by, row.decided_at = decision, who, moment
        append(
            session, who, "hotline.hit", target=f"hotline url {row.url_id}", source=source,
            now=moment, detail={"hit": row.id, "decision": decision, "before": before,
                                "hash_set": row.hash_set, "known_id": row.known_id},
        )  # fmt: skip
        session.flush()
        return hit_record(row)
