"""Deconfliction: is this person already someone else's case, or already referred by us?

Before a package leaves, each person is checked against (a) other agencies' subject lists,
imported as CSV, by the identifiers the lake holds for the person's accounts, and (b) this
case's referrals register. A hit is a lead for the deconfliction officer, not a ruling: an IP
address or a username can be shared by strangers, so each hit says exactly what matched, on
whose list, under which reference, so the officer can call the right desk.

A list is imported whole: importing a list under a name it already has replaces it, since
agencies send their lists again when they change, and a half-read list must not stand in for
the whole one, so one bad line refuses the file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from rescue.case import Case
from rescue.errors import InputError
from rescue.operation import fields
from rescue.operation.lake import lake, require_persons, rows
from rescue.operation.subjects import LAKE_VALUE_SQL, BadValueError, normalise
from rescue.ops.models import ExternalSubject, Referral, ReferralPerson

_SHOWN = 10  # bad lines named in one error


@dataclass(frozen=True)
class Hit:
    person_id: str
    basis: str  # "identifier": on another agency's list | "referral": referred by this case
    kind: str | None = None  # the identifier's kind (email, ip, btc, ...)
    value: str | None = None
    account_id: str | None = None  # which of the person's accounts holds the identifier
    list_name: str | None = None
    agency: str | None = None
    reference: str | None = None  # the other agency's case reference
    referral_id: str | None = None
    country: str | None = None
    status: str | None = None

    def explain(self) -> str:
        if self.basis == "referral":
            return f"already in referral {self.referral_id} to {self.country} ({self.status})"
        ref = f", ref {self.reference}" if self.reference else ""
        return (
            f"{self.kind} {self.value} of {self.account_id} is on list {self.list_name!r} "
            f"of {self.agency}{ref}"
        )


def import_subjects(case: Case, csv_path: Path, list_name: str, agency: str) -> int:
    """Read a list (columns kind, value and optionally reference); replace any list so named."""
    name = fields.name(list_name, "the list's name")
    source = fields.name(agency, "the agency")
    parsed = _read_list(csv_path)
    now = datetime.now(UTC)
    with case.store.session() as session:
        session.execute(delete(ExternalSubject).where(ExternalSubject.list_name == name))
        session.add_all(
            ExternalSubject(
                list_name=name,
                agency=source,
                kind=kind,
                value=value,
                raw=raw,
                reference=reference,
                line=line,
                imported_at=now,
            )
            for line, kind, value, raw, reference in parsed
        )
    return len(parsed)


@dataclass(frozen=True)
class SubjectList:
    name: str
    agency: str
    subjects: int
    imported_at: datetime


def subject_lists(case: Case) -> list[SubjectList]:
    query = (
        select(
            ExternalSubject.list_name,
            ExternalSubject.agency,
            func.count(),
            func.max(ExternalSubject.imported_at),
        )
        .group_by(ExternalSubject.list_name, ExternalSubject.agency)
        .order_by(ExternalSubject.list_name)
    )
    with case.store.session() as session:
        return [
            SubjectList(name, agency, int(n), fields.utc(when))
            for name, agency, n, when in session.execute(query)
        ]


def _read_list(path: Path) -> list[tuple[int, str, str, str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no file {path}", "give the path of the list's CSV file") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not UTF-8 text (byte {exc.start})", "save the list as UTF-8 CSV"
        ) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not {"kind", "value"} <= set(header):
        raise InputError(
            f"{path} line 1: the header needs columns kind and value, it has {header}",
            "first line: kind,value,reference",
        )
    reader.fieldnames = header
    parsed: list[tuple[int, str, str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    errors: list[str] = []
    for record in reader:
        line = reader.line_num
        kind = (record.get("kind") or "").strip().lower()
        raw = (record.get("value") or "").strip()
        reference = (record.get("reference") or "").strip()
        if not kind and not raw:
            continue  # a blank line
        try:
            value = normalise(kind, raw)
        except BadValueError as exc:
            errors.append(f"{path} line {line}: {kind or '(no kind)'} {raw!r}: {exc}")
            continue
        if (kind, value, reference) not in seen:
            seen.add((kind, value, reference))
            parsed.append((line, kind, value, raw, reference))
    if errors:
        more = f"\n  and {len(errors) - _SHOWN} more" if len(errors) > _SHOWN else ""
        raise InputError(
            f"{len(errors)} bad line(s); nothing imported:\n  "
            + "\n  ".join(errors[:_SHOWN])
            + more,
            "correct those lines (or ask the agency for a corrected list) and import again",
        )
    if not parsed:
        raise InputError(f"{path} holds no subjects", "check it is the right file")
    return parsed


def deconfliction(case: Case, person_ids: list[str] | None = None) -> dict[str, list[Hit]]:
    """person_id -> hits. With ``person_ids`` every one is a key (an empty list: no hit);
    without, all persons that have a hit."""
    wanted = sorted(set(person_ids)) if person_ids is not None else None
    if wanted is not None:
        require_persons(case, wanted)
    found: dict[str, list[Hit]] = {p: [] for p in wanted or []}
    for hit in [*_referral_hits(case, wanted), *_list_hits(case, wanted)]:
        found.setdefault(hit.person_id, []).append(hit)
    return found


def _referral_hits(case: Case, wanted: list[str] | None) -> list[Hit]:
    query = (
        select(ReferralPerson.person_id, Referral.id, Referral.country, Referral.status)
        .join(Referral, Referral.id == ReferralPerson.referral_id)
        .order_by(Referral.created_at, Referral.id)
    )
    if wanted is not None:
        query = query.where(ReferralPerson.person_id.in_(wanted))
    with case.store.session() as session:
        return [
            Hit(person, "referral", referral_id=ref, country=country, status=status)
            for person, ref, country, status in session.execute(query)
        ]


def _list_hits(case: Case, wanted: list[str] | None) -> list[Hit]:
    with case.store.session() as session:
        subjects = list(session.scalars(select(ExternalSubject).order_by(ExternalSubject.id)))
    if not subjects:
        return []
    by_key: dict[str, list[ExternalSubject]] = {}
    for s in subjects:
        by_key.setdefault(f"{s.kind}|{s.value}", []).append(s)
    hits = []
    for match in _lake_matches(case, sorted(by_key), wanted):
        for s in by_key[f"{match['kind']}|{match['key']}"]:
            hits.append(
                Hit(
                    match["person_id"],
                    "identifier",
                    kind=s.kind,
                    value=match["value"],
                    account_id=match["account_id"],
                    list_name=s.list_name,
                    agency=s.agency,
                    reference=s.reference,
                )
            )
    return hits


def _lake_matches(case: Case, keys: list[str], wanted: list[str] | None) -> list[dict[str, Any]]:
    """Identifiers (and usernames) of persons' accounts whose "kind|value" is one of ``keys``."""
    with lake(case) as engine:
        tables = set(engine.tables())
        if "person_accounts" not in tables:
            return []  # no persons yet: nothing to deconflict by identifier
        parts = []
        if "identifiers" in tables:
            parts.append(
                f"SELECT i.account_id, i.kind, i.value, {LAKE_VALUE_SQL} AS key FROM identifiers i"
            )
        if "accounts" in tables:
            parts.append(
                "SELECT account_id, 'username' AS kind, username AS value, "
                "lower(username) AS key FROM accounts WHERE username IS NOT NULL"
            )
        if not parts:
            return []
        person_filter = "AND pa.person_id IN (SELECT unnest(?))" if wanted is not None else ""
        params: list[Any] = [keys] + ([wanted] if wanted is not None else [])
        return rows(
            engine,
            f"SELECT DISTINCT pa.person_id, x.account_id, x.kind, x.value, x.key "
            f"FROM ({' UNION ALL '.join(parts)}) x "
            "JOIN person_accounts pa ON pa.account_id = x.account_id "
            f"WHERE x.kind || '|' || x.key IN (SELECT unnest(?)) {person_filter} "
            "ORDER BY pa.person_id, x.kind, x.value, x.account_id",
            params,
        )
