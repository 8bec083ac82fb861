"""GraphML for Gephi, yEd, Cytoscape and Maltego: persons as nodes, one edge per tie and kind.

Written by hand, streaming, rather than through igraph's writer: the attribute types are ours
(``int``, ``double``, ``string``, as every GraphML reader knows them), a missing value is left
out instead of written as an empty string or NaN, and a million ties never sit in memory as
XML. Node ids are ``n0``, ``n1``... (GraphML wants NMTOKENs; a source name may hold a space);
the person id is the ``person_id`` attribute and ``label`` the first username, which Gephi shows
on the node. Edges are directed, from -> to as in ``graph_edges``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from rescue.network.export import Node

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
NODE_KEYS: dict[str, str] = {
    "person_id": "string",
    "label": "string",
    "usernames": "string",
    "accounts": "string",
    "country": "string",
    "role": "string",
    "role_reasons": "string",
    "community": "int",
    "community_size": "int",
    "pagerank": "double",
    "betweenness": "double",
    "degree": "int",
    "weighted_degree": "double",
    "kcore": "int",
    "posts": "int",
    "messages": "int",
    "known_files_posted": "int",
    "new_clusters_seeded": "int",
}
EDGE_KEYS: dict[str, str] = {
    "kind": "string",
    "weight": "int",
    "first_at": "string",
    "last_at": "string",
}
# Characters XML 1.0 cannot hold at all, even escaped: a forum's usernames sometimes do.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub("", value if isinstance(value, str) else repr(value)))


def _data(keys: dict[str, str], prefix: str, values: dict[str, Any]) -> str:
    parts = []
    for name, kind in keys.items():
        value = values.get(name)
        if value is None:
            continue
        text = str(int(value)) if kind == "int" else _text(value)
        parts.append(f'<data key="{prefix}_{name}">{text}</data>')
    return "".join(parts)


def _lines(nodes: list[Node], edges: Iterable[dict[str, Any]], counter: list[int]) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for scope, prefix, keys in (("node", "v", NODE_KEYS), ("edge", "e", EDGE_KEYS)):
        for name, kind in keys.items():
            yield (
                f'  <key id="{prefix}_{name}" for="{scope}" attr.name={quoteattr(name)} '
                f'attr.type="{kind}"/>\n'
            )
    yield '  <graph id="persons" edgedefault="directed">\n'
    index: dict[str, str] = {}
    for i, node in enumerate(nodes):
        index[node.person_id] = f"n{i}"
        yield f'    <node id="n{i}">{_data(NODE_KEYS, "v", asdict(node))}</node>\n'
    for edge in edges:
        source, target = index.get(edge["from_person"]), index.get(edge["to_person"])
        if source is None or target is None:  # a tie to a person the metrics do not know
            continue
        yield (
            f'    <edge id="e{counter[0]}" source="{source}" target="{target}">'
            f"{_data(EDGE_KEYS, 'e', edge)}</edge>\n"
        )
        counter[0] += 1
    yield "  </graph>\n</graphml>\n"


def write_graphml(out: Path, nodes: list[Node], edges: Iterable[dict[str, Any]]) -> int:
    """Write the graph to ``out``; returns the number of edges written."""
    counter = [0]
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.writelines(_lines(nodes, edges, counter))
    tmp.replace(out)  # a reader never sees half a file
    return counter[0]
