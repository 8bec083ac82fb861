"""What the generator put in the forum, for checking every later stage against the truth.

Disclosures are the sentences that reveal something about a person (location, occupation,
messenger handle, phone number, bitcoin address, PGP fingerprint); each names the account and
the post, message or profile it sits in. ``Disclosures.compose`` decides, per post or message,
whether the author reveals something and returns the sentence to add.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

from . import text
from .config import SynthConfig
from .gazetteer import COUNTRIES
from .people import Account, Person


class GroundTruth:
    def __init__(self) -> None:
        self.disclosures: list[dict[str, Any]] = []
        self.attachments: list[dict[str, Any]] = []
        self.anomalies: list[dict[str, Any]] = []
        self.shared_ips: list[dict[str, Any]] = []

    def disclose(self, kind: str, value: str, account: Account, where: str, item_id: int) -> None:
        person = account.person
        self.disclosures.append(
            {
                "kind": kind,
                "value": value,
                "user_id": account.user_id,
                "person_id": person.person_id if person else None,
                "where": where,
                "id": item_id,
            }
        )

    def write(
        self,
        path: Path,
        config: SynthConfig,
        persons: list[Person],
        accounts: list[Account],
        counts: dict[str, int],
        pictures: list[dict[str, Any]],
    ) -> None:
        by_person: dict[int, dict[str, list[str]]] = {}
        for item in self.disclosures:
            if item["person_id"] is not None:
                kinds = by_person.setdefault(item["person_id"], {})
                kinds.setdefault(item["kind"], [])
                if item["value"] not in kinds[item["kind"]]:
                    kinds[item["kind"]].append(item["value"])
        by_id = {a.user_id: a for a in accounts}
        risk = _risk(persons, by_id, self.attachments, pictures, by_person)
        document = {
            "config": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in dataclasses.asdict(config).items()
            },
            "counts": counts,
            "persons": [
                {**_person(p, by_id, by_person.get(p.person_id, {})), **risk[p.person_id]}
                for p in persons
            ],
            "accounts": [_account(a) for a in accounts],
            "pictures": pictures,
            "attachments": self.attachments,
            "anomalies": self.anomalies,
            "disclosures": self.disclosures,
            "shared_ips": self.shared_ips,
        }
        # No indent: only then does json use its C encoder, which matters at 50,000 members.
        with path.open("w", encoding="utf-8") as stream:
            stream.write(json.dumps(document, ensure_ascii=False, sort_keys=True))
            stream.write("\n")


def _person(
    person: Person, by_id: dict[int, Account], disclosed: dict[str, list[str]]
) -> dict[str, Any]:
    own = [by_id[user_id] for user_id in person.accounts]
    return {
        "person_id": person.person_id,
        "country": person.country.code,
        "timezone": person.timezone,
        "language": person.language,
        "city": person.city,
        "uses_vpn": person.uses_vpn,
        "accounts": [a.user_id for a in own],
        "occupation": person.occupation,
        "location_mentions": disclosed.get("location", []),
        "friends": sorted(person.friends),
        "identifiers": {
            "emails": sorted({a.email for a in own}),
            "usernames": [a.username for a in own],
            "birthday": person.birthday or None,
            "bitcoin": person.btc,
            "pgp": person.pgp,
            "messenger": list(person.handle) if person.handle else None,
            "phone": person.phone,
            "home_ips": sorted({ip for a in own if a.ips for ip in a.ips.all_addresses()}),
            "vpn_exits": sorted(set(person.ips.exits)),
        },
        "disclosed": disclosed,
    }


def _risk(
    persons: list[Person],
    by_id: dict[int, Account],
    attachments: list[dict[str, Any]],
    pictures: list[dict[str, Any]],
    disclosed: dict[int, dict[str, list[str]]],
) -> dict[int, dict[str, Any]]:
    """Who is truly high risk, from what the forum shows (not from any scoring formula).

    High risk: first to post new pictures (a producer); or arranged to meet members in person;
    or disclosed an occupation with access to children and posted known pictures.
    """

    def person_of(user_id: int | None) -> int | None:
        account = by_id.get(user_id) if user_id is not None else None
        return account.person.person_id if account and account.person else None

    known: dict[int, int] = {}
    new_first: dict[int, int] = {}
    for picture in pictures:
        if picture["kind"] == "new" and (who := person_of(picture["first_poster"])):
            new_first[who] = new_first.get(who, 0) + 1
    for item in attachments:
        account = by_id.get(item["poster_id"])
        if account is None or account.person is None:
            continue
        person_id = account.person.person_id
        if item["kind"] in ("known", "transformed"):
            known[person_id] = known.get(person_id, 0) + 1
    result: dict[int, dict[str, Any]] = {}
    for person in persons:
        said = disclosed.get(person.person_id, {})
        access = [o for o in said.get("occupation", []) if o in text.CHILD_ACCESS]
        reasons = []
        if new_first.get(person.person_id):
            reasons.append("first to post new pictures")
        if said.get("meeting"):
            reasons.append("arranged to meet in person")
        if access and known.get(person.person_id):
            reasons.append("access to children and posted known pictures")
        result[person.person_id] = {
            "role_truth": person.role_truth,
            "meets": person.meets,
            "access_to_children": bool(access),
            "known_posted": known.get(person.person_id, 0),
            "new_first_posted": new_first.get(person.person_id, 0),
            "high_risk": bool(reasons),
            "risk_reasons": reasons,
        }
    return result


def _account(account: Account) -> dict[str, Any]:
    return {
        "user_id": account.user_id,
        "username": account.username,
        "person_id": account.person.person_id if account.person else None,
        "kind": account.kind,
        "shared_signals": list(account.shared),
        "inactive": account.inactive,
        "posts": account.posts,
    }


class Disclosures:
    """Decides what an author reveals in a post or message, and records it."""

    def __init__(self, truth: GroundTruth, rng: random.Random, rate: float = 0.02) -> None:
        self._truth = truth
        self._rng = rng
        self._rate = rate
        self._foreign = {
            c.code: [x for o in COUNTRIES if o is not c for x in o.cities] for c in COUNTRIES
        }

    def compose(self, account: Account, where: str, item_id: int, private: bool) -> str:
        person = account.person
        rng = self._rng
        if person is None or rng.random() >= self._rate * (3 if private else 1):
            return ""
        options: list[tuple[str, str, tuple[str, ...]]] = [
            ("location", person.city, text.LOCATION_TEMPLATES),
            ("travel", rng.choice(self._foreign[person.country.code]), text.TRAVEL_TEMPLATES),
        ]
        if person.occupation:
            options.append(("occupation", person.occupation, text.OCCUPATION_TEMPLATES))
        if person.btc and "crypto" in (account.shared or ("crypto",)):
            options.append(("bitcoin", person.btc, text.CRYPTO_TEMPLATES))
        if person.pgp and "pgp" in (account.shared or ("pgp",)):
            options.append(("pgp", person.pgp, text.PGP_TEMPLATES))
        if person.handle and (private or rng.random() < 0.3):
            options.append(("messenger", person.handle[1], text.HANDLE_TEMPLATES))
        if person.phone and private:
            options.append(("phone", person.phone, text.PHONE_TEMPLATES))
        if person.meets and private:
            options += [("meeting", person.city, text.MEETING_TEMPLATES)] * 3
        kind, value, templates = rng.choice(options)
        service = person.handle[0] if person.handle else ""
        self._truth.disclose(kind, value, account, where, item_id)
        return rng.choice(templates).format(value=value, service=service)
