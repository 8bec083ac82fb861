"""Who hosts a URL, and who to tell: address -> network, country, provider, abuse contact, partner.

The address is the one the checker connected to (``rescue.hotline.fetch``; after redirects,
the last hop's). It is located offline with the case's ``[geo]`` source, as the identity stage
does, and the answer keeps the database and its date. ``netkind`` flags hosting, VPN and Tor
networks (a Tor exit or a VPN in front of a site hides the real host: the notice still goes to
the network's contact, but the analyst can see why it may not help).

The provider and its abuse contact come from the hotline's own directory (``contacts import``),
because no offline database says who takes abuse reports. A directory entry names a provider
and its abuse address and applies to hosts under a domain (a file host known by its name,
whatever network it runs on) or to a network, by the organisation name the geo database gives
its ASN. The most specific domain wins, then the network; with no entry the provider is the
network's organisation and there is no contact yet, which ``notices`` reports.

Partner hotlines (``partners import``) are per country: where the hosting country has one,
notices go to it rather than to the provider directly (``[hotline] route_via_partners``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select

from rescue.case import Case
from rescue.errors import InputError
from rescue.hotline.records import now_or
from rescue.identity.geo import GeoSource
from rescue.identity.netkind import Classifier
from rescue.operation import fields
from rescue.ops.models import HotlineContact, HotlinePartner, HotlineUrl
from rescue.security.audit import append

MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class Hosting:
    ip: str
    country: str | None
    asn_name: str | None
    asn_network: str | None
    network_kind: str
    provider: str | None
    abuse_email: str | None
    partner: str | None  # the name of the hosting country's partner hotline
    geo_database: str
    geo_date: str

    def store_on(self, url: HotlineUrl, now: datetime) -> None:
        url.ip, url.country, url.asn_name = self.ip, self.country, self.asn_name
        url.asn_network, url.network_kind = self.asn_network, self.network_kind
        url.provider, url.abuse_email, url.partner = self.provider, self.abuse_email, self.partner
        url.geo_database, url.geo_date = self.geo_database[:120], self.geo_date[:10]
        url.hosting_at = now


@dataclass(frozen=True)
class Contact:
    provider: str
    abuse_email: str
    asn_name: str | None
    domain: str | None


class Directory:
    """The contacts and partners in force, loaded once per run."""

    def __init__(self, contacts: list[Contact], partners: dict[str, str]) -> None:
        self.by_domain = {c.domain: c for c in contacts if c.domain}
        self.by_network = {c.asn_name.casefold(): c for c in contacts if c.asn_name}
        self.partners = partners

    @classmethod
    def of_case(cls, case: Case) -> Directory:
        with case.store.session() as session:
            contacts = [
                Contact(r.provider, r.abuse_email, r.asn_name, r.domain)
                for r in session.scalars(select(HotlineContact).order_by(HotlineContact.id))
            ]
            partners = {p.country: p.name for p in session.scalars(select(HotlinePartner))}
        return cls(contacts, partners)

    def contact_for(self, host: str, asn_name: str | None) -> Contact | None:
        labels = host.lower().strip("[]").split(".")
        for start in range(len(labels)):  # the longest (most specific) domain first
            found = self.by_domain.get(".".join(labels[start:]))
            if found is not None:
                return found
        return self.by_network.get(asn_name.casefold()) if asn_name else None

    def attribute(self, host: str, ip: str, geo: GeoSource, classifier: Classifier) -> Hosting:
        answer = geo.lookup(ip)
        contact = self.contact_for(host, answer.asn_name)
        country = answer.country
        return Hosting(
            ip=ip,
            country=country,
            asn_name=answer.asn_name,
            asn_network=answer.asn_network,
            network_kind=classifier.classify(answer).kind,
            provider=contact.provider if contact else answer.asn_name,
            abuse_email=contact.abuse_email if contact else None,
            partner=self.partners.get(country) if country else None,
            geo_database=answer.database,
            geo_date=answer.database_date,
        )


def _read_rows(
    path: Path, required: tuple[str, ...], known: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "give a UTF-8 CSV file") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"{path}: the header lacks {', '.join(missing)}",
            f"start the file with a header naming its columns: {','.join(known)}",
        )
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            rows.append(
                (reader.line_num, {"": f"{len(cells)} fields where the header has {len(header)}"})
            )
            continue
        # One line per value, whatever the cell held: names end up in e-mail headers.
        values = {h: " ".join(c.split()) for h, c in zip(header, cells, strict=True)}
        rows.append((reader.line_num, values))
    return rows


def _email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _refuse(path: Path, errors: list[str]) -> InputError:
    shown = "; ".join(errors[:MAX_ERRORS_SHOWN])
    more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
    return InputError(
        f"{path.name}: {len(errors)} bad line(s), nothing imported: {shown}{more}",
        "correct the lines named and import the file again",
    )


def import_contacts(
    case: Case, path: Path, *, actor: str = "system", now: datetime | None = None
) -> int:
    """Replace the abuse-contact directory with a CSV's: provider, abuse_email, and asn_name
    and/or domain per line. Any bad line refuses the file, naming every bad line: a contact
    silently missing would be a notice never sent."""
    from rescue.hotline.urls import canonical_host

    moment = now_or(now)
    contacts: list[HotlineContact] = []
    errors: list[str] = []
    for line, row in _read_rows(
        path, ("provider", "abuse_email"), ("provider", "abuse_email", "asn_name", "domain")
    ):
        try:
            if "" in row:
                raise ValueError(row[""])
            provider = fields.name(row["provider"], "the provider")
            domain = (row.get("domain") or "").removeprefix("*.").lstrip(".") or None
            asn_name = row.get("asn_name") or None
            if domain is None and asn_name is None:
                raise ValueError("neither asn_name nor domain is given")
            contacts.append(HotlineContact(
                provider=provider, abuse_email=_email(row["abuse_email"]), asn_name=asn_name,
                domain=canonical_host(domain) if domain else None, line=line, imported_at=moment,
            ))  # fmt: skip
        except (ValueError, InputError) as exc:
            errors.append(f"line {line}: {getattr(exc, 'message', exc)}")
    if errors:
        raise _refuse(path, errors)
    with case.store.session() as session:
        session.execute(delete(HotlineContact))
        session.add_all(contacts)
        append(session, actor, "hotline.contacts", target=path.name, now=moment,
               detail={"contacts": len(contacts)})  # fmt: skip
    return len(contacts)


def import_partners(
    case: Case, path: Path, *, actor: str = "system", now: datetime | None = None
) -> int:
    """Replace the partner hotlines with a CSV's: country, name[, email]; one per country."""
    moment = now_or(now)
    partners: dict[str, HotlinePartner] = {}
    errors: list[str] = []
    for line, row in _read_rows(path, ("country", "name"), ("country", "name", "email")):
        try:
            if "" in row:
                raise ValueError(row[""])
            country = fields.country(row["country"])
            if country in partners:
                raise ValueError(f"{country} is given twice")
            email = _email(row["email"]) if row.get("email") else None
            partners[country] = HotlinePartner(
                country=country, name=fields.name(row["name"], "the partner's name"),
                email=email, imported_at=moment,
            )  # fmt: skip
        except (ValueError, InputError) as exc:
            errors.append(f"line {line}: {getattr(exc, 'message', exc)}")
    if errors:
        raise _refuse(path, errors)
    with case.store.session() as session:
        session.execute(delete(HotlinePartner))
        session.add_all(partners.values())
        append(session, actor, "hotline.partners", target=path.name, now=moment,
               detail={"partners": len(partners)})  # fmt: skip
    return len(partners)
