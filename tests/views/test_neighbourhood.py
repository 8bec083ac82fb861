"""The network neighbourhood and its SVG: the heaviest ties, kinds, and a partner's blind spots."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from rescue.case import Case
from rescue.errors import InputError
from rescue.views.neighbourhood import OTHER_COUNTRY, neighbourhood
from rescue.views.neighbourhood_svg import neighbourhood_svg
from rescue.views.persons import PersonQuery, list_persons
from rescue.views.reader import Reader
from rescue.views.scope import Scope
from tests.views.seeds import EVIL, PERSONS

ALL = Scope.everything()
SVG = "{http://www.w3.org/2000/svg}"


def test_the_heaviest_ties_first_with_their_kinds(reader: Reader) -> None:
    hood = neighbourhood(reader, "P-f:1", ALL)
    assert hood is not None and hood.total_ties == 4
    assert [(n.key, n.weight, n.sent, n.received) for n in hood.neighbours] == [
        ("P-f:4", 7, 5, 2),
        ("P-f:6", 4, 0, 4),
        ("P-f:3", 3, 3, 0),
        ("P-f:5", 1, 0, 1),
    ]
    assert [(k.kind, k.weight) for k in hood.neighbours[0].kinds] == [("reply", 5), ("message", 2)]
    assert hood.neighbours[2].label == EVIL and hood.neighbours[2].tier == "Low"
    assert [(t.a, t.b, t.weight) for t in hood.ties_between] == [
        ("P-f:4", "P-f:5", 2),
        ("P-f:3", "P-f:6", 1),
    ]
    top = neighbourhood(reader, "P-f:1", ALL, limit=2)
    assert top is not None and [n.key for n in top.neighbours] == ["P-f:4", "P-f:6"]
    assert top.total_ties == 4 and top.ties_between == ()


def test_a_partner_sees_other_countries_as_nobody_in_particular(reader: Reader) -> None:
    hood = neighbourhood(reader, "P-f:1", Scope.of(["GB"]))
    assert hood is not None
    assert [(n.key, n.person_id, n.label, n.in_scope) for n in hood.neighbours] == [
        ("other-1", None, OTHER_COUNTRY, False),
        ("other-2", None, OTHER_COUNTRY, False),
        ("P-f:3", "P-f:3", EVIL, True),
        ("other-3", None, OTHER_COUNTRY, False),
    ]
    assert all(n.tier is None and n.country is None and n.role is None
               for n in hood.neighbours if not n.in_scope)  # fmt: skip
    assert [(t.a, t.b) for t in hood.ties_between] == [("other-1", "other-3"), ("P-f:3", "other-2")]
    shown = json.dumps(hood.to_dict()) + neighbourhood_svg(hood)
    for person, (_, usernames, country, *_rest) in PERSONS.items():
        if country != "GB":
            assert person not in shown
            assert not any(name in shown for name in usernames)
    assert "DE" not in json.dumps(hood.to_dict())


def test_missing_or_out_of_scope_is_none(reader: Reader) -> None:
    assert neighbourhood(reader, "P-f:404", ALL) is None
    assert neighbourhood(reader, "P-f:4", Scope.of(["GB"])) is None
    assert neighbourhood(reader, "P-f:7", Scope.of(["GB", "DE", "FR"])) is None
    lonely = neighbourhood(reader, "P-f:7", ALL)
    assert lonely is not None and lonely.neighbours == () and lonely.total_ties == 0


@pytest.mark.parametrize("limit", [0, 51])
def test_the_limit_is_checked(reader: Reader, limit: int) -> None:
    with pytest.raises(InputError, match="neighbours asked for"):
        neighbourhood(reader, "P-f:1", ALL, limit=limit)


def test_the_svg_is_well_formed_escaped_and_deterministic(reader: Reader) -> None:
    hood = neighbourhood(reader, "P-f:1", ALL)
    assert hood is not None
    svg = neighbourhood_svg(hood)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "<script" not in svg and "]]>" not in svg and "style=" not in svg
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert any(t.startswith('<script>alert("x")') for t in texts)  # shown as text, unharmed
    assert "alice_fox" in texts and "bruno" in texts
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any("reply 5, message 2" in t for t in titles)
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 1 + len(hood.neighbours)
    lines = list(root.iter(f"{SVG}line"))
    assert len(lines) == len(hood.neighbours) + len(hood.ties_between)
    assert neighbourhood_svg(neighbourhood(reader, "P-f:1", ALL)) == svg  # type: ignore[arg-type]


def test_a_partners_svg_draws_hidden_persons_as_such(reader: Reader) -> None:
    hood = neighbourhood(reader, "P-f:1", Scope.of(["GB"]))
    assert hood is not None
    root = ET.fromstring(neighbourhood_svg(hood))
    dashed = [c for c in root.iter(f"{SVG}circle") if c.get("stroke-dasharray")]
    assert len(dashed) == sum(1 for n in hood.neighbours if not n.in_scope) == 3


def test_a_synthetic_neighbourhood(
    full_case: Case, tmp_path_factory: pytest.TempPathFactory
) -> None:
    reader = Reader(full_case, directory=tmp_path_factory.mktemp("models"))
    try:
        for summary in list_persons(reader, PersonQuery(per_page=10), ALL).items:
            hood = neighbourhood(reader, summary.person_id, ALL)
            assert hood is not None
            assert hood.total_ties == summary.degree  # every person tied to, any kind
            weights = [n.weight for n in hood.neighbours]
            assert weights == sorted(weights, reverse=True) and len(weights) <= 20
            assert all(n.weight == sum(k.weight for k in n.kinds) == n.sent + n.received
                       for n in hood.neighbours)  # fmt: skip
            keys = {n.key for n in hood.neighbours}
            assert all(t.a in keys and t.b in keys and t.a != t.b for t in hood.ties_between)
            ET.fromstring(neighbourhood_svg(hood))
    finally:
        reader.close()
