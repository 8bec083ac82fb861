"""The persons list: search, filters, sort orders, paging and a partner's scope."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest

from rescue.errors import InputError
from rescue.views.persons import DEFAULT_ORDER, PersonQuery, PersonSummary, list_persons
from rescue.views.reader import Reader
from rescue.views.scope import Scope
from tests.lakehelp import rows
from tests.views.seeds import EVIL, PERSONS

ALL = Scope.everything()


def ids(reader: Reader, scope: Scope = ALL, **query: Any) -> list[str]:
    page = list_persons(reader, PersonQuery(per_page=200, **query), scope)
    assert page.total == len(page.items)
    return [p.person_id for p in page.items]


def everyone(reader: Reader, query: PersonQuery, scope: Scope = ALL) -> list[PersonSummary]:
    """Every page of ``query``, in order."""
    found: list[PersonSummary] = []
    page = list_persons(reader, query, scope)
    while True:
        found += page.items
        if page.page >= page.pages:
            return found
        page = list_persons(reader, PersonQuery(**{**vars(query), "page": page.page + 1}), scope)


# -- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("fox", ["P-f:1"]),  # part of a username
        ("ALICE2", ["P-f:1"]),  # another of the person's usernames, any case
        ("al", ["P-f:1"]),  # two letters: the start of a name (not <script>alert)
        ("ca", ["P-f:5"]),
        ("la", []),  # inside carla: too short to search inside names
        ("arl", ["P-f:5"]),  # three letters: anywhere
        ("alice@example.org", ["P-f:1"]),  # an e-mail address
        ("fox@exa", ["P-f:1"]),  # the start of one (the second account's)
        ("192.0.2", ["P-f:4"]),  # the start of an IP address
        ("p-f:6", ["P-f:6"]),  # a person id
        ("<script>", ["P-f:3"]),  # markup is text like any other
        ("nobody-has-this", []),
    ],
)
def test_search(reader: Reader, q: str, expected: list[str]) -> None:
    assert ids(reader, q=q, sort="person_id") == expected


def test_search_finds_a_synthetic_member_by_username_and_by_email(full: Reader) -> None:
    [member] = rows(
        full.case,
        "SELECT pa.person_id, a.username, i.value AS email FROM person_accounts pa "
        "JOIN accounts a USING (account_id) JOIN identifiers i USING (account_id) "
        "WHERE i.kind = 'email' ORDER BY pa.person_id LIMIT 1",
    )
    assert member["person_id"] in ids(full, q=member["username"])
    assert ids(full, q=member["email"]) == [member["person_id"]]
    assert ids(full, q=member["email"].upper()) == [member["person_id"]]


# -- filters -----------------------------------------------------------------------------------


def test_filters_combine(reader: Reader) -> None:
    assert ids(reader, country="de") == ["P-f:4", "P-f:5"]
    assert ids(reader, country="DE", tier="medium") == ["P-f:5"]
    assert ids(reader, role="consumer") == ["P-f:5", "P-f:3"]  # rank order
    assert ids(reader, role="consumer", community=0) == ["P-f:3"]
    assert ids(reader, role="consumer", community=0, q="carla") == []
    assert ids(reader, tier="very_high") == ["P-f:1"]
    assert ids(reader, country="NL") == [] and ids(reader, community=7) == []


def test_filters_agree_with_the_unfiltered_list(full: Reader) -> None:
    people = everyone(full, PersonQuery(per_page=200))
    some = next(p for p in people if p.country and p.tier and p.role)
    expected = [
        p.person_id
        for p in people
        if (p.country, p.tier, p.role) == (some.country, some.tier, some.role)
    ]
    assert ids(full, country=some.country, tier=some.tier, role=some.role) == expected


def test_choices_count_the_persons_in_scope(reader: Reader) -> None:
    choices = list_persons(reader, PersonQuery(), ALL).choices
    assert [(c.value, c.persons) for c in choices.countries] == [("DE", 2), ("FR", 1), ("GB", 2)]
    assert [c.value for c in choices.tiers] == ["Very High", "High", "Medium", "Low"]
    assert [(c.value, c.persons) for c in choices.communities] == [(1, 3), (0, 2), (-1, 1)]
    de = list_persons(reader, PersonQuery(), Scope.of(["DE"])).choices
    assert [(c.value, c.persons) for c in de.countries] == [("DE", 2)]
    assert [(c.value, c.persons) for c in de.tiers] == [("High", 1), ("Medium", 1)]
    assert [(c.value, c.persons) for c in de.roles] == [("distributor", 1), ("consumer", 1)]
    assert [(c.value, c.persons) for c in de.communities] == [(1, 2)]


# -- sorting and paging ------------------------------------------------------------------------


def _key(p: PersonSummary, sort: str) -> Any:
    return {
        "rank": p.rank,
        "score": p.score,
        "country": p.country,
        "accounts": p.n_accounts,
        "last_active": p.last_active,
        "person_id": p.person_id,
    }[sort]


@pytest.mark.parametrize("sort", sorted(DEFAULT_ORDER))
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_hold_every_person_once_in_order(full: Reader, sort: str, order: str) -> None:
    whole = list_persons(full, PersonQuery(sort=sort, order=order, per_page=200), ALL)
    paged = everyone(full, PersonQuery(sort=sort, order=order, per_page=7))
    assert [p.person_id for p in paged] == [p.person_id for p in whole.items]
    assert (
        len({p.person_id for p in paged})
        == whole.total
        == len(rows(full.case, "SELECT * FROM persons"))
    )
    keys = [_key(p, sort) for p in paged]
    present = [k for k in keys if k is not None]
    assert keys == present + [None] * (len(keys) - len(present))  # missing values last
    assert present == sorted(present, reverse=order == "desc")
    for a, b in itertools.pairwise(paged):  # ties broken by person id, ascending
        if _key(a, sort) == _key(b, sort):
            assert a.person_id < b.person_id


def test_a_page_past_the_end_is_empty_not_an_error(reader: Reader) -> None:
    page = list_persons(reader, PersonQuery(page=9, per_page=5), ALL)
    assert page.items == () and page.total == len(PERSONS) and page.pages == 2


# -- a partner's scope -------------------------------------------------------------------------


def test_a_partner_sees_only_its_countries(full: Reader) -> None:
    people = everyone(full, PersonQuery(per_page=200))
    country = max({p.country for p in people if p.country}, key=lambda c: (
        sum(1 for p in people if p.country == c), c))  # fmt: skip
    partner = Scope.of([country.lower()])
    theirs = everyone(full, PersonQuery(per_page=9, sort="score"), partner)
    assert theirs and {p.country for p in theirs} == {country}
    assert len(theirs) == sum(1 for p in people if p.country == country)
    outsider = next(p for p in people if p.country != country)
    assert outsider.person_id not in ids(full, partner, q=outsider.person_id)
    assert outsider.person_id in ids(full, q=outsider.person_id)
    assert ids(full, partner, country=outsider.country or "ZZ") == []


def test_an_unattributed_person_is_no_partners(reader: Reader) -> None:
    assert "P-f:7" in ids(reader)
    for countries in (["GB"], ["DE", "FR", "GB"], []):
        assert "P-f:7" not in ids(reader, Scope.of(countries))
    assert ids(reader, Scope.of([])) == []


# -- the query ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"per_page": 201}, "201 persons per page"),
        ({"per_page": 0}, "0 persons per page"),
        ({"page": 0}, "page 0"),
        ({"sort": "name"}, "cannot sort by 'name'"),
        ({"order": "up"}, "order 'up'"),
        ({"country": "DEU"}, "two-letter"),
        ({"tier": "extreme"}, "no tier 'extreme'"),
        ({"role": "boss"}, "no role 'boss'"),
        ({"community": -2}, "no community -2"),
        ({"q": "x" * 201}, "201 characters"),
    ],
)
def test_a_wrong_query_says_what_is_wrong(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        PersonQuery(**fields)


def test_a_query_from_a_query_string() -> None:
    query = PersonQuery.from_params(
        {"q": "  alice   fox ", "country": "gb", "tier": "", "page": "2", "per_page": "20"}
    )
    assert query == PersonQuery(q="alice fox", country="GB", page=2, per_page=20)
    assert (query.sort, query.order) == ("rank", "asc")
    assert PersonQuery(sort="score").order == "desc"
    with pytest.raises(InputError, match="page 'two' is not a whole number"):
        PersonQuery.from_params({"page": "two"})
    with pytest.raises(InputError, match="unknown parameter limit"):
        PersonQuery.from_params({"limit": "5"})


def test_a_page_is_plain_json(reader: Reader, tmp_path: Path) -> None:
    page = list_persons(reader, PersonQuery(q="<script>"), ALL)
    data = json.loads(json.dumps(page.to_dict()))
    assert data["items"][0]["usernames"] == [EVIL]
    assert data["query"]["q"] == "<script>" and data["total"] == 1
    assert not math.isnan(data["items"][0]["score"])
