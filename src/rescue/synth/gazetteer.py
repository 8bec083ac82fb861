"""Countries, cities, time zones and languages the synthetic persons come from.

Weights are rough shares of an international hobby forum's membership, not statistics. Every
city belongs to exactly one country, so a location disclosure points to one country; names keep
their diacritics because the latin1 (mojibake) table must carry non-ASCII text.

E-mail providers are fictional names under the reserved ``.example`` top-level domain
(RFC 2606): a synthetic address must never be a real person's mailbox. They still say
something about the country (``post.de.example``), like real providers do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2, as geoip2fast reports it
    weight: float
    timezones: tuple[str, ...]  # IANA names, the first the most common
    languages: tuple[str, ...]  # phpBB user_lang values, the first the most common
    cities: tuple[str, ...]
    providers: tuple[str, ...]  # e-mail domains people of this country use besides global ones


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        12,
        ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
        ("en_us", "en"),
        ("Boston", "Denver", "Portland", "Austin", "Milwaukee", "Savannah"),
        ("postbox.us.example", "netmail.us.example"),
    ),
    Country(
        "GB",
        8,
        ("Europe/London",),
        ("en",),
        ("Leeds", "Bristol", "Norwich", "York", "Cardiff", "Aberdeen"),
        ("mail.uk.example", "post.uk.example"),
    ),
    Country(
        "DE",
        9,
        ("Europe/Berlin",),
        ("de", "de_x_sie"),
        ("Köln", "München", "Lübeck", "Würzburg", "Dresden", "Göttingen"),
        ("post.de.example", "netz.de.example"),
    ),
    Country(
        "FR",
        6,
        ("Europe/Paris",),
        ("fr",),
        ("Lyon", "Besançon", "Nantes", "Orléans", "Grenoble", "Nîmes"),
        ("courrier.fr.example", "poste.fr.example"),
    ),
    Country(
        "ES",
        4,
        ("Europe/Madrid",),
        ("es", "es_x_tu"),
        ("Málaga", "Córdoba", "Zaragoza", "Cádiz", "León"),
        ("correo.es.example",),
    ),
    Country(
        "IT", 4, ("Europe/Rome",), ("it",), ("Torino", "Forlì", "Cantù", "Bologna", "Perugia"), ()
    ),
    Country(
        "NL",
        4,
        ("Europe/Amsterdam",),
        ("nl",),
        ("Utrecht", "Groningen", "Zwolle", "Leiden", "Tilburg"),
        ("post.nl.example",),
    ),
    Country(
        "PL",
        3,
        ("Europe/Warsaw",),
        ("pl",),
        ("Kraków", "Gdańsk", "Łódź", "Poznań", "Wrocław"),
        ("poczta.pl.example",),
    ),
    Country(
        "BR",
        4,
        ("America/Sao_Paulo",),
        ("pt_br",),
        ("São Paulo", "Belém", "Goiânia", "Curitiba", "Florianópolis"),
        ("correio.br.example",),
    ),
    Country(
        "CA",
        3,
        ("America/Toronto", "America/Vancouver", "America/Edmonton"),
        ("en", "fr"),
        ("Montréal", "Halifax", "Winnipeg", "Victoria", "Québec"),
        ("mail.ca.example",),
    ),
    Country(
        "AU",
        3,
        ("Australia/Sydney", "Australia/Melbourne", "Australia/Perth"),
        ("en",),
        ("Hobart", "Adelaide", "Geelong", "Cairns", "Ballarat"),
        ("mail.au.example",),
    ),
    Country("SE", 2, ("Europe/Stockholm",), ("sv",), ("Malmö", "Göteborg", "Umeå", "Västerås"), ()),
    Country("NO", 1.5, ("Europe/Oslo",), ("nb",), ("Tromsø", "Bergen", "Bodø", "Trondheim"), ()),
    Country(
        "DK", 1.5, ("Europe/Copenhagen",), ("da",), ("Aarhus", "Odense", "Køge", "Aalborg"), ()
    ),
    Country("FI", 1.5, ("Europe/Helsinki",), ("fi",), ("Jyväskylä", "Hämeenlinna", "Turku"), ()),
    Country(
        "BE", 2, ("Europe/Brussels",), ("nl", "fr"), ("Liège", "Gent", "Mechelen", "Namur"), ()
    ),
    Country(
        "AT", 1.5, ("Europe/Vienna",), ("de",), ("Graz", "Linz", "Innsbruck", "Klagenfurt"), ()
    ),
    Country(
        "CH", 1.5, ("Europe/Zurich",), ("de", "fr"), ("Zürich", "Neuchâtel", "Luzern", "Thun"), ()
    ),
    Country("IE", 1, ("Europe/Dublin",), ("en",), ("Galway", "Limerick", "Sligo", "Kilkenny"), ()),
    Country("PT", 1.5, ("Europe/Lisbon",), ("pt",), ("Porto", "Évora", "Coimbra", "Setúbal"), ()),
    Country("CZ", 1.5, ("Europe/Prague",), ("cs",), ("Plzeň", "Brno", "Olomouc", "Jihlava"), ()),
    Country("RO", 1, ("Europe/Bucharest",), ("ro",), ("Brașov", "Cluj-Napoca", "Timișoara"), ()),
    Country("HU", 1, ("Europe/Budapest",), ("hu",), ("Pécs", "Győr", "Szeged", "Debrecen"), ()),
    Country("GR", 1, ("Europe/Athens",), ("el",), ("Patras", "Volos", "Chania", "Larissa"), ()),
    Country(
        "MX", 2, ("America/Mexico_City",), ("es",), ("Querétaro", "Mérida", "Puebla", "Oaxaca"), ()
    ),
    Country(
        "AR",
        1.5,
        ("America/Argentina/Buenos_Aires",),
        ("es",),
        ("Rosario", "Mendoza", "La Plata", "Salta"),
        (),
    ),
    Country(
        "JP", 1, ("Asia/Tokyo",), ("ja", "en"), ("Sendai", "Kanazawa", "Sapporo", "Nagano"), ()
    ),
    Country("IN", 1.5, ("Asia/Kolkata",), ("en",), ("Pune", "Mysuru", "Kochi", "Jaipur"), ()),
    Country("ZA", 1, ("Africa/Johannesburg",), ("en",), ("Durban", "Gqeberha", "Stellenbosch"), ()),
    Country(
        "NZ", 1, ("Pacific/Auckland",), ("en",), ("Dunedin", "Nelson", "Tauranga", "Napier"), ()
    ),
)

COUNTRY_BY_CODE: dict[str, Country] = {c.code: c for c in COUNTRIES}

# city -> country code, for checking a location disclosure against the truth.
CITY_COUNTRY: dict[str, str] = {city: c.code for c in COUNTRIES for city in c.cities}

GLOBAL_PROVIDERS = ("globalmail.example", "inbox.example", "mailhub.example", "webpost.example")
