"""Network speed: the network stage on a million ties, against networkx on the same metrics.

Rescue's figure is the whole network stage as the pipeline runs it (``run_pipeline(case,
only=["network"], force=True)``) on a synthetic lake of 100,000 persons whose posts, messages,
friend lists and media give about 1,000,000 ties (``bench.network_lake``): the tie and fact
queries in DuckDB, the igraph/leidenalg metrics, roles and writing both tables. The target is
under 60 s on a 2-core machine. Where the time goes is measured by wrapping the stage's steps.

The peer is networkx 3 (pure Python, the library most analysts reach for) computing the same
metrics on a 100,000-tie sample of the same ties, where it finishes in minutes: degree and
weighted degree, weighted PageRank on the directed graph, core numbers, betweenness from the
same number of sampled sources, and communities. networkx implements no Leiden of its own (its
``leiden_communities`` only dispatches to other backends), so its side runs Louvain, the
algorithm Leiden refines. Rescue's metric code runs on the very same sample, so the ratio
compares like with like; agreement columns check that both computed the same thing.

Usage: python -m bench network [--scale F] [--peer-ties N] [--sources K]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from bench.network_lake import LakeSeed, Shape

TARGET_SECONDS = 60.0


class _Clock:
    """Seconds spent inside chosen module functions, wrapped where the stage looks them up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        inner = getattr(owner, attribute)
        self.seconds[label] = 0.0

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started

        setattr(owner, attribute, timed)
        self._undo.append(lambda: setattr(owner, attribute, inner))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()


def _run_stage(root: Path, shape: Shape, console: Console) -> tuple[float, dict[str, Any], Any]:
    """The stage's seconds, its counts and phases, and its graph_edges table."""
    from rescue.case import init_case
    from rescue.network import activity, edges, metrics
    from rescue.network.stage import NetworkStage
    from rescue.pipeline import run_pipeline

    case = init_case(root / "case", name="network bench")
    try:
        console.print(f"Writing a synthetic lake: {shape.persons:,} persons ...")
        stages = [LakeSeed(shape), NetworkStage()]
        started = time.perf_counter()
        run_pipeline(case, stages=stages, only=["bench-seed"])
        seeded = time.perf_counter() - started
        clock = _Clock()
        clock.wrap(edges, "person_edges", "ties (DuckDB)")
        clock.wrap(activity, "person_activity", "facts per person (DuckDB)")
        clock.wrap(metrics, "undirected_graph", "igraph graph")
        clock.wrap(metrics, "pagerank", "PageRank (numpy)")
        clock.wrap(metrics, "communities_of", "Leiden communities")
        clock.wrap(metrics, "betweenness", "betweenness")
        console.print("Timing the network stage ...")
        try:
            [summary] = run_pipeline(case, stages=stages, only=["network"], force=True)
        finally:
            clock.restore()
        engine = case.engine()
        try:
            ties = engine.query("SELECT from_person, to_person, weight FROM graph_edges")
        finally:
            engine.close()
    finally:
        case.close()
    measured = sum(clock.seconds.values())
    phases = {**clock.seconds, "degrees, k-core, roles, writing": 0.0}
    phases["degrees, k-core, roles, writing"] = summary.duration_s - measured
    return summary.duration_s, {"counts": summary.counts, "phases": phases, "seeded": seeded}, ties


def _sample(ties: pa.Table, size: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.permutation(ties.num_rows)[: min(size, ties.num_rows)])
    return ties.take(pa.array(chosen))


def _rescue_on(sample: pa.Table, sources: int) -> tuple[dict[str, float], dict[str, Any]]:
    import pyarrow.compute as pc

    from rescue.network import metrics as m

    times: dict[str, float] = {}
    started = time.perf_counter()
    persons = pc.unique(
        pa.concat_arrays([sample.column(c).combine_chunks() for c in ("from_person", "to_person")])
    ).sort()
    ties = m.index_ties(persons, sample)
    undirected = m.undirected_graph(ties)
    times["build the graph(s)"] = time.perf_counter() - started
    params = m.MetricParams(betweenness_budget=sources * undirected.ecount())
    steps: dict[str, Callable[[], Any]] = {
        "degree, weighted degree": lambda: (
            undirected.degree(),
            undirected.strength(weights="weight"),
        ),
        "PageRank": lambda: m.pagerank(
            ties.n, ties.source, ties.target, ties.weight, damping=params.damping
        ),
        "k-core": lambda: undirected.coreness(),
        "betweenness": lambda: m.betweenness(undirected, params)[0],
        "communities": lambda: m.communities_of(
            undirected, np.asarray(undirected.degree()), params
        )[0],
    }
    out: dict[str, Any] = {"persons": persons.to_pylist(), "edges": undirected.ecount()}
    for label, step in steps.items():
        started = time.perf_counter()
        out[label] = step()
        times[label] = time.perf_counter() - started
    return times, out


def _networkx_on(sample: pa.Table, sources: int) -> tuple[dict[str, float], dict[str, Any]]:
    import networkx as nx

    times: dict[str, float] = {}
    started = time.perf_counter()
    directed = nx.DiGraph()
    for a, b, w in zip(*(sample.column(c).to_pylist() for c in sample.column_names), strict=True):
        if directed.has_edge(a, b):
            directed[a][b]["weight"] += w
        else:
            directed.add_edge(a, b, weight=w)
    undirected = nx.Graph()
    for a, b, data in directed.edges(data=True):
        if undirected.has_edge(a, b):
            undirected[a][b]["weight"] += data["weight"]
        else:
            undirected.add_edge(a, b, weight=data["weight"])
    times["build the graph(s)"] = time.perf_counter() - started
    steps: dict[str, Callable[[], Any]] = {
        "degree, weighted degree": lambda: (
            dict(undirected.degree()),
            dict(undirected.degree(weight="weight")),
        ),
        "PageRank": lambda: nx.pagerank(directed, alpha=0.85, weight="weight"),
        "k-core": lambda: nx.core_number(undirected),
        "betweenness": lambda: nx.betweenness_centrality(undirected, k=sources, seed=42),
        "communities": lambda: nx.community.louvain_communities(
            undirected, weight="weight", seed=42
        ),
    }
    out: dict[str, Any] = {"graph": undirected}
    for label, step in steps.items():
        started = time.perf_counter()
        out[label] = step()
        times[label] = time.perf_counter() - started
    return times, out


def _agreement(rescue: dict[str, Any], peer: dict[str, Any]) -> dict[str, str]:
    """How closely the two sides agree, per metric (betweenness: both are samples)."""
    import networkx as nx
    from scipy.stats import spearmanr

    persons = rescue["persons"]
    pagerank = np.asarray(rescue["PageRank"])
    peer_pagerank = np.asarray([peer["PageRank"][p] for p in persons])
    core = [peer["k-core"][p] for p in persons]
    degrees = [peer["degree, weighted degree"][0][p] for p in persons]
    between = [peer["betweenness"][p] for p in persons]
    labels = {p: c for p, c in zip(persons, rescue["communities"].tolist(), strict=True)}
    groups: dict[int, set[str]] = {}
    for person, community in labels.items():
        groups.setdefault(community, set()).add(person)
    graph = peer["graph"]
    ours = nx.community.modularity(graph, list(groups.values()), weight="weight")
    theirs = nx.community.modularity(graph, peer["communities"], weight="weight")
    rho = spearmanr(rescue["betweenness"], between).statistic
    pagerank_rho = spearmanr(pagerank, peer_pagerank).statistic
    same_degrees = degrees == rescue["degree, weighted degree"][0]
    return {
        "degree, weighted degree": "identical" if same_degrees else "DIFFERENT",
        # networkx stops at an L1 change below n x 1e-6: its values are the looser ones.
        "PageRank": f"rank corr. {pagerank_rho:.3f}, max diff "
        f"{np.abs(pagerank - peer_pagerank).max():.0e}",
        "k-core": "identical" if core == list(rescue["k-core"]) else "DIFFERENT",
        "betweenness": f"rank corr. {rho:.2f} (both sampled)",
        "communities": f"modularity {ours:.3f} vs {theirs:.3f}",
    }


def _print(
    console: Console,
    seconds: float,
    stage: dict[str, Any],
    peer_rows: list[Any],
    sample: tuple[int, int, int],
) -> None:
    counts = stage["counts"]
    table = Table(title=f"Network stage: {counts['persons']:,} persons, {counts['edges']:,} ties")
    table.add_column("")
    table.add_column("seconds", justify="right")
    table.add_row("[bold]network stage (runner's clock)[/]", f"{seconds:.1f}")
    for label, secs in stage["phases"].items():
        table.add_row(f"  {label}", f"{secs:.1f}")
    console.print(table)
    kinds = ", ".join(f"{k} {v:,}" for k, v in counts["edges_by_kind"].items())
    console.print(
        f"Ties by kind: {kinds}; {counts['communities']:,} communities; "
        f"betweenness {counts['betweenness']}; roles {counts['roles']}"
    )
    ties, persons, sources = sample
    peer = Table(
        title=f"Same metrics on a sample: {ties:,} ties, {persons:,} persons, "
        f"betweenness from {sources} sources"
    )
    for column in ("metric", "Rescue", "networkx", "ratio", "agreement"):
        peer.add_column(column, justify="left" if column in ("metric", "agreement") else "right")
    for label, ours, theirs, agree in peer_rows:
        ratio = "-" if ours <= 0 else f"{theirs / ours:,.{1 if theirs < 10 * ours else 0}f}x"
        peer.add_row(label, f"{ours:.2f}", f"{theirs:.2f}", ratio, agree)
    console.print(peer)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench network")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: about 1M ties")
    parser.add_argument("--peer-ties", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=100, help="betweenness sources, peer run")
    args = parser.parse_args(argv)
    console = Console()
    root = Path(tempfile.mkdtemp(prefix="rescue-network-bench-"))
    try:
        seconds, stage, ties = _run_stage(root, Shape().scaled(args.scale), console)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sample = _sample(ties, args.peer_ties, seed=1)
    console.print(f"Timing the metrics on {sample.num_rows:,} ties: Rescue, then networkx ...")
    our_times, ours = _rescue_on(sample, args.sources)
    their_times, theirs = _networkx_on(sample, args.sources)
    agree = _agreement(ours, theirs)
    rows = [
        (label, our_times[label], their_times[label], agree.get(label, "")) for label in our_times
    ]
    rows.append(
        ("[bold]all of the above[/]", sum(our_times.values()), sum(their_times.values()), "")
    )
    _print(console, seconds, stage, rows, (sample.num_rows, len(ours["persons"]), args.sources))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "meets" if seconds < TARGET_SECONDS else "MISSES"
    console.print(
        f"[bold]Rescue {seconds:.1f} s for {stage['counts']['edges']:,} ties ({verdict} the "
        f"{TARGET_SECONDS:.0f} s target); networkx / Rescue on the sample: "
        f"{sum(their_times.values()) / sum(our_times.values()):,.0f}x[/]"
    )
    console.print(
        f"Lake written in {stage['seeded']:.1f} s (not timed); peak memory of this "
        f"process (lake, stage, both peers) {peak:,.0f} MiB"
    )
