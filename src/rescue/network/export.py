"""Exporting the person graph for analysts' tools: GraphML, and CSV for i2 Analyst's Notebook.

``export_graph`` reads ``graph_metrics`` (every person, with the network's figures), the
person's usernames and accounts from ``persons``, the country from ``attributions`` when the
attribute stage has run, and every tie from ``graph_edges``; ``rescue.network.graphml`` and
``rescue.network.i2`` write them. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.engine.stand_ins import with_inputs
from rescue.errors import InputError
from rescue.security.audit import record

FORMATS = ("graphml", "i2")
EDGE_BATCH = 50_000

NODES = """
SELECT g.person_id, p.usernames, p.accounts, t.country, g.role, g.role_reasons, g.community,
       g.community_size, g.pagerank, g.betweenness, g.degree, g.weighted_degree, g.kcore,
       g.posts, g.messages, g.known_files_posted, g.new_clusters_seeded
FROM graph_metrics g
LEFT JOIN persons p ON p.person_id = g.person_id
LEFT JOIN attributions t ON t.person_id = g.person_id
ORDER BY g.person_id
"""
EDGES = """
SELECT from_person, to_person, kind, weight, first_at, last_at
FROM graph_edges ORDER BY from_person, to_person, kind
"""


@dataclass(frozen=True)
class Node:
    """A person as the exports show it: lists joined with "; " for tools that want text."""

    person_id: str
    label: str  # the first username: what a chart shows on the node
    usernames: str
    accounts: str
    country: str | None
    role: str
    role_reasons: str
    community: int
    community_size: int
    pagerank: float
    betweenness: float
    degree: int
    weighted_degree: float
    kcore: int
    posts: int
    messages: int
    known_files_posted: int
    new_clusters_seeded: int


def _node(row: dict[str, Any]) -> Node:
    usernames = [u for u in row.pop("usernames") or () if u]
    return Node(
        **{
            **row,
            "label": usernames[0] if usernames else row["person_id"],
            "usernames": "; ".join(usernames),
            "accounts": "; ".join(row.pop("accounts") or ()),
            "role_reasons": "; ".join(row.pop("role_reasons") or ()),
        }
    )


def read_nodes(engine: Engine) -> list[Node]:
    sql = with_inputs(("persons", "attributions"), engine.tables(), "", NODES)
    return [_node(row) for row in engine.query(sql).to_pylist()]


def utc_text(column: pa.ChunkedArray | pa.Array, fmt: str) -> list[str | None]:
    """Times as UTC text: a zoned timestamp cast to a naive one keeps its UTC wall time."""
    naive = column.cast(pa.timestamp("s"))
    return list(pc.strftime(naive, format=fmt).to_pylist())


def iter_edges(engine: Engine, time_format: str) -> Iterator[dict[str, Any]]:
    """graph_edges rows, sorted, with first_at and last_at as text in ``time_format``."""
    table = engine.query(with_inputs(("graph_edges",), engine.tables(), "", EDGES))
    for batch in table.to_batches(EDGE_BATCH):
        rows = batch.select(["from_person", "to_person", "kind", "weight"]).to_pylist()
        firsts = utc_text(batch.column("first_at"), time_format)
        lasts = utc_text(batch.column("last_at"), time_format)
        for row, first, last in zip(rows, firsts, lasts, strict=True):
            yield {**row, "first_at": first, "last_at": last}


def export_graph(
    case: Case, out: Path, fmt: str, *, actor: str = "system", source: str = "cli"
) -> int:
    """Write the person graph as ``fmt`` ("graphml" or "i2"); returns the ties written.

    graphml: one file at ``out``. i2: the links CSV at ``out``, with ``<stem>.entities.csv``
    and the import guide ``<stem>.i2-import.md`` beside it (see ``rescue.network.i2``).
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown graph format {fmt!r}", f"choose one of {', '.join(FORMATS)}")
    case.require_table("graph_metrics")
    from rescue.network import graphml, i2

    out.parent.mkdir(parents=True, exist_ok=True)
    engine = case.engine()
    try:
        nodes = read_nodes(engine)
        if fmt == "graphml":
            ties = graphml.write_graphml(out, nodes, iter_edges(engine, graphml.TIME_FORMAT))
        else:
            ties = i2.write_i2(out, nodes, iter_edges(engine, i2.TIME_FORMAT))
    finally:
        engine.close()
    detail = {"what": f"graph ({fmt})", "persons": len(nodes), "ties": ties, "file": out.name}
    record(case, actor, "export", target=str(out)[:300], detail=detail, source=source)
    return ties
