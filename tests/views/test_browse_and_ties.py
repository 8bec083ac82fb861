"""The in-memory browse index and the packed ties, on their own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from rescue.network.edges import KINDS
from rescue.views.browse import BrowseIndex
from rescue.views.scope import Scope
from rescue.views.ties import FIELDS, pack, tied_to, unpack

ALL = Scope.everything()


def _row(pid: int, **values: Any) -> tuple[Any, ...]:
    """A ``person`` row in ``browse.COLUMNS`` order."""
    return (
        pid,
        f"P-f:{pid:03d}",
        values.get("country"),
        values.get("tier"),
        values.get("role"),
        values.get("community"),
        values.get("rank"),
        values.get("score"),
        values.get("accounts", 1),
        values.get("active"),
    )


maybe = st.one_of(st.none(), st.integers(0, 5))
people = st.lists(
    st.fixed_dictionaries(
        {
            "country": st.sampled_from([None, "DE", "FR", "GB"]),
            "rank": maybe,
            "score": st.one_of(st.none(), st.sampled_from([0.0, 12.5, 50.0])),
            "accounts": st.integers(1, 3),
            "active": maybe,
        }
    ),
    max_size=30,
)


@given(people, st.sampled_from(["rank", "score", "country", "accounts", "last_active"]),
       st.booleans())  # fmt: skip
def test_sort_orders_put_missing_last_and_break_ties_by_person(
    found: list[dict[str, Any]], key: str, descending: bool
) -> None:
    index = BrowseIndex([_row(i, **v) for i, v in enumerate(found)])
    field = {"last_active": "active"}.get(key, key)

    def expected(i: int) -> tuple[Any, ...]:
        value = found[i][field]
        if value is None:
            return (1, 0, i)
        if key == "country":
            value = index.countries.index(value)
        return (0, -value if descending else value, i)

    assert index.order(key, descending).tolist() == sorted(range(len(found)), key=expected)
    assert index.order(key, descending) is index.order(key, descending)  # kept, not redone


def test_filters_scopes_and_choices() -> None:
    index = BrowseIndex(
        [
            _row(0, country="DE", tier="Low", role="consumer", community=1),
            _row(1, country="DE", tier="High", role="producer", community=1),
            _row(2, country="FR", tier="Low", role="consumer", community=2),
            _row(3),
        ]
    )
    assert index.select(ALL, country="DE", tier="Low").tolist() == [True, False, False, False]
    assert not index.select(ALL, country="NL").any()
    assert not index.select(ALL, tier="Medium").any()
    assert index.select(ALL, community=1, among=np.array([1, 2])).tolist() == [
        False, True, False, False]  # fmt: skip
    assert index.select(Scope.of(["FR"])).tolist() == [False, False, True, False]
    assert not index.select(Scope.of([])).any()
    choices = index.choices(Scope.of(["DE"]))
    assert choices == {
        "countries": [("DE", 2)],
        "tiers": [("High", 1), ("Low", 1)],
        "roles": [("producer", 1), ("consumer", 1)],
        "communities": [(1, 2)],
    }
    everyone = np.ones(4, dtype=bool)
    assert index.page(everyone, "person_id", True, 1, 2) == [2, 1]
    assert index.pid["P-f:002"] == 2 and index.person_ids[3] == "P-f:003"


def test_an_empty_index() -> None:
    index = BrowseIndex([])
    assert index.size == 0 and index.order("rank", False).tolist() == []
    assert index.choices(ALL) == {"countries": [], "tiers": [], "roles": [], "communities": []}


def _ties(rows: list[tuple[int, int, int]]) -> pa.Table:
    """(pid, other, weight) rows, each weight all of one kind, as the build's query gives."""
    columns: dict[str, list[int]] = {name: [] for name in ("pid", *FIELDS)}
    for pid, other, weight in rows:
        values = {"other": other, "weight": weight, "sent": weight, "received": 0,
                  "first_at": -1, "last_at": 1_700_000_000, KINDS[0]: weight}  # fmt: skip
        columns["pid"].append(pid)
        for name in FIELDS:
            columns[name].append(values.get(name, 0))
    return pa.table(columns)


def test_ties_pack_per_person_and_come_back() -> None:
    rows = [(0, 7, 9), (0, 3, 4), (0, 5, 1), (2, 0, 6)]
    packed = list(pack(_ties(rows)))
    assert [pid for pid, _, _ in packed] == [0, 2]
    _, data, adjacency = packed[0]
    ties = unpack(data)
    assert ties["other"].tolist() == [7, 3, 5] and ties["weight"].tolist() == [9, 4, 1]
    assert ties[KINDS[0]].tolist() == [9, 4, 1] and ties["first_at"].tolist() == [-1, -1, -1]
    assert tied_to(adjacency, np.array([1, 3, 7, 8], dtype=np.int32)) == [(3, 4), (7, 9)]
    assert tied_to(adjacency, np.array([9], dtype=np.int32)) == []
    assert tied_to(None, np.array([3], dtype=np.int32)) == []
    assert unpack(None).size == 0 and list(pack(_ties([]))) == []
