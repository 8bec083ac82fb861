"""Deconfliction flags in a package: what the partner must know may be someone's case already.

Three ways a person is flagged, each saying exactly what matched so the partner can call the
right desk (a flag is a lead, never a ruling):

* ``referral``: the person is in an earlier referral of this case (``deconflict``);
* ``identifier``: one of their identifiers is on another agency's subject list (``deconflict``);
* ``shared_identifier``: one of their identifiers is also held by *another* person of this case
  who has been referred already. Linkage can change between runs, and two persons sharing an
  e-mail address or a wallet may be one: the earlier partner must not be surprised.

The referrals register records ``flagged_duplicate`` from ``deconfliction`` alone (the first
two); the package and the console show all three.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rescue.case import Case
from rescue.operation.deconflict import Hit, deconfliction
from rescue.operation.lake import lake, rows
from rescue.operation.referrals import referred_persons
from rescue.operation.subjects import KINDS

# Identifier kinds worth a flag when shared: those agencies deconflict on, less usernames
# (the same name on two accounts is what linkage weighs, not a sign of the same person).
SHARED_KINDS = tuple(k for k in KINDS if k != "username")

_SHARED = """
WITH held AS (
    SELECT DISTINCT pa.person_id, i.account_id, i.kind, i.value
    FROM identifiers i JOIN person_accounts pa ON pa.account_id = i.account_id
    WHERE i.kind IN (SELECT unnest(?::VARCHAR[])) {public_addresses}
)
SELECT DISTINCT mine.person_id, mine.account_id, mine.kind, mine.value, theirs.person_id AS other
FROM held mine
JOIN held theirs ON theirs.kind = mine.kind AND theirs.value = mine.value
WHERE mine.person_id IN (SELECT unnest(?::VARCHAR[]))
  AND theirs.person_id IN (SELECT unnest(?::VARCHAR[]))
  AND theirs.person_id <> mine.person_id
ORDER BY mine.person_id, mine.kind, mine.value, other, mine.account_id
"""


def package_flags(case: Case, person_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """person_id -> its flags (an empty list: checked, and clear), each with an explanation."""
    found: dict[str, list[dict[str, Any]]] = {p: [] for p in person_ids}
    if not person_ids:
        return found
    for person_id, hits in deconfliction(case, person_ids).items():
        found[person_id] += [_from_hit(h) for h in hits]
    for person_id, flag in _shared_with_referred(case, person_ids):
        found[person_id].append(flag)
    return found


def _from_hit(hit: Hit) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(hit).items() if v is not None and k != "person_id"}
    return {**fields, "explanation": hit.explain()}


def _shared_with_referred(case: Case, person_ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    referred = referred_persons(case)
    if not referred:
        return []
    with lake(case) as engine:
        # A VPN exit or hosting address is shared by strangers: no sign of the same subject.
        public = (
            "AND NOT (i.kind = 'ip' AND i.value IN "
            "(SELECT ip FROM ip_locations WHERE network_kind <> 'residential'))"
            if "ip_locations" in engine.tables()
            else ""
        )
        sql = _SHARED.replace("{public_addresses}", public)
        shared = rows(engine, sql, [list(SHARED_KINDS), person_ids, sorted(referred)])
    flags = []
    for row in shared:
        referrals = referred[row["other"]]
        flag = {
            "basis": "shared_identifier",
            "kind": row["kind"],
            "value": row["value"],
            "account_id": row["account_id"],
            "other_person": row["other"],
            "referral_ids": referrals,
            "explanation": (
                f"{row['kind']} {row['value']} of {row['account_id']} is also held by "
                f"{row['other']}, already in referral {', '.join(referrals)}"
            ),
        }
        flags.append((row["person_id"], flag))
    return flags
