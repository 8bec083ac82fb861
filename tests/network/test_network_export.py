"""Graph exports read back: GraphML by igraph and by a plain XML parser, i2 CSV by csv."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import igraph as ig
import pytest
import typer
from typer.testing import CliRunner

from rescue.case import Case
from rescue.cli.network_cmd import export_graph as export_command
from rescue.errors import InputError, PipelineError
from rescue.network.export import export_graph
from rescue.network.i2 import ENTITY_COLUMNS, LINK_HEADER
from rescue.network.stage import NetworkStage
from rescue.pipeline import run_pipeline
from tests.lakehelp import rows
from tests.network.planted import EXPECTED_EDGES, PERSONS, Seed

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


@pytest.fixture
def networked(sqlite_case: Case) -> Case:
    run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    return sqlite_case


def _keys(root: ET.Element) -> dict[str, tuple[str, str]]:
    return {
        k.attrib["id"]: (k.attrib["attr.name"], k.attrib["attr.type"])
        for k in root.iterfind("g:key", NS)
    }


def _data(element: ET.Element, keys: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {keys[d.attrib["key"]][0]: d.text or "" for d in element.iterfind("g:data", NS)}


def test_graphml_reads_back_with_every_person_and_tie(networked: Case, tmp_path: Path) -> None:
    out = tmp_path / "graph.graphml"
    assert export_graph(networked, out, "graphml") == len(EXPECTED_EDGES)
    graph = ig.Graph.Read_GraphML(str(out))
    assert graph.is_directed()
    assert graph.vcount() == len(PERSONS) and graph.ecount() == len(EXPECTED_EDGES)
    assert sorted(graph.vs["person_id"]) == sorted(PERSONS)
    found = {
        (graph.vs[e.source]["person_id"], graph.vs[e.target]["person_id"], e["kind"]): e["weight"]
        for e in graph.es
    }
    assert found == {key: weight for key, (weight, _, _) in EXPECTED_EDGES.items()}


def test_graphml_node_attributes_and_types(networked: Case, tmp_path: Path) -> None:
    out = tmp_path / "graph.graphml"
    export_graph(networked, out, "graphml")
    root = ET.parse(out).getroot()
    keys = _keys(root)
    types = dict(keys.values())
    assert types["pagerank"] == "double" and types["community"] == "int"
    assert types["role"] == "string" and types["weight"] == "int"
    nodes = {
        data["person_id"]: data
        for data in (_data(n, keys) for n in root.iterfind("g:graph/g:node", NS))
    }
    assert nodes["P-f:1"]["usernames"] == "Alpha; Alpha2"
    assert nodes["P-f:1"]["label"] == "Alpha"
    assert nodes["P-f:1"]["country"] == "DE" and "country" not in nodes["P-f:2"]
    assert nodes["P-f:6"]["role"] == "administrator" and nodes["P-f:6"]["community"] == "-1"
    metrics = {r["person_id"]: r for r in rows(networked, "SELECT * FROM graph_metrics")}
    for person, data in nodes.items():
        assert float(data["pagerank"]) == pytest.approx(metrics[person]["pagerank"])
    edge = next(root.iterfind("g:graph/g:edge", NS))
    assert set(_data(edge, keys)) <= {"kind", "weight", "first_at", "last_at"}


def test_graphml_survives_names_xml_cannot_hold(sqlite_case: Case, tmp_path: Path) -> None:
    def odd_names(data: dict[str, list[dict[str, Any]]]) -> None:
        data["persons"][1]["usernames"] = ["Br\x01avo <&> \"'"]

    run_pipeline(sqlite_case, stages=[Seed(odd_names), NetworkStage()])
    out = tmp_path / "graph.graphml"
    export_graph(sqlite_case, out, "graphml")
    root = ET.parse(out).getroot()
    keys = _keys(root)
    labels = {_data(n, keys)["label"] for n in root.iterfind("g:graph/g:node", NS)}
    assert "Bravo <&> \"'" in labels


def test_i2_writes_links_entities_and_a_guide(networked: Case, tmp_path: Path) -> None:
    out = tmp_path / "i2" / "ties.csv"
    assert export_graph(networked, out, "i2") == len(EXPECTED_EDGES)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        links = list(csv.DictReader(handle))
    assert tuple(links[0]) == LINK_HEADER
    assert len(links) == len(EXPECTED_EDGES)
    friend = next(r for r in links if r["link_kind"] == "friend")
    assert (friend["from_person_id"], friend["to_person_id"]) == ("P-f:1", "P-f:2")
    assert friend["from_country"] == "DE" and friend["from_label"] == "Alpha"
    assert friend["link_first_at"] == ""  # friend lists carry no time
    reply = next(r for r in links if r["link_kind"] == "reply" and r["link_weight"] == "2")
    assert reply["link_first_at"] == "2024-05-01 01:00:00"
    entities_path = out.with_name("ties.entities.csv")
    assert entities_path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: ANB reads it as UTF-8
    with entities_path.open(encoding="utf-8-sig", newline="") as handle:
        entities = list(csv.DictReader(handle))
    assert tuple(entities[0]) == ENTITY_COLUMNS
    assert sorted(e["person_id"] for e in entities) == sorted(PERSONS)
    guide = out.with_name("ties.i2-import.md").read_text(encoding="utf-8")
    assert "ties.entities.csv" in guide and "`from_person_id`" in guide
    assert f"{len(EXPECTED_EDGES):,} rows" in guide


def test_an_unknown_format_or_a_case_without_a_network_is_refused(
    sqlite_case: Case, tmp_path: Path
) -> None:
    with pytest.raises(PipelineError, match="graph_metrics"):
        export_graph(sqlite_case, tmp_path / "g.graphml", "graphml")
    run_pipeline(sqlite_case, stages=[Seed(), NetworkStage()])
    with pytest.raises(InputError, match="gexf"):
        export_graph(sqlite_case, tmp_path / "g.gexf", "gexf")


def test_the_command_exports_through_the_core(networked: Case, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(export_command)
    out = tmp_path / "graph.graphml"
    result = CliRunner().invoke(app, ["--case", str(networked.root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(EXPECTED_EDGES)} ties" in result.output
    assert ig.Graph.Read_GraphML(str(out)).vcount() == len(PERSONS)
    csv_out = tmp_path / "ties.csv"
    result = CliRunner().invoke(
        app, ["--case", str(networked.root), "-o", str(csv_out), "--format", "i2"]
    )
    assert result.exit_code == 0, result.output
    assert csv_out.with_name("ties.i2-import.md").exists()
