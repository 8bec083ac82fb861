"""Link speed: the link stage on 100,000 accounts, against ``recordlinkage`` on the same features.

Rescue's figure is the whole link stage as the pipeline runs it (``run_pipeline(case,
only=["link"], force=True)``): the features query over the lake, Splink training and scoring,
hard-identifier links, clustering and writing the three output tables. The target is under two
minutes for 100,000 accounts on a 2-core machine. Where the time goes is measured by wrapping
the stage's steps and Splink's training calls with timers in the child process.

The peer is the ``recordlinkage`` package's own pipeline, fed the very same feature table
(``account_features``, timed in its run too): ``Index`` with the blocking rules of
``account_spec()`` (read from it; a rule on a list column pairs records sharing an item, as
Splink's ``arrays_to_explode`` does), ``Compare`` on every feature column the model reads
(exact, Jaro-Winkler for the username, list overlap, numeric closeness: binary, as ECM needs),
``ECMClassifier`` (unsupervised Fellegi-Sunter) and, from the same vectors, ``KMeansClassifier``;
then the same hard-identifier links the stage makes, and connected components. Each side runs
in its own child process, so its peak resident memory is its own (``ru_maxrss`` from
``wait4``), DuckDB's included, which ``tracemalloc`` would miss.

Both are scored pairwise against the generator's ground truth (person accounts only). The
forum and the case prepared up to the link stage (ingest, extract, geolocate) are cached under
``bench-data/``, made again when the generator's code changes, so a second run only links.

Usage: python -m bench link [--members N] [--small N] [--peer-timeout S]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from rescue.identity.evaluation import pairwise_scores
from rescue.synth import SynthConfig, generate

DATA = Path("bench-data")
TARGET_SECONDS = 120.0
BEFORE_LINK = ["extract", "geolocate"]
# Feature columns the peer does not compare: raw forms of compared columns, and the hard
# identifiers, which both sides link on outright (the stage's hard-identifier links).
PEER_SKIP = {
    *("unique_id", "source", "username", "username_lower", "username_digits"),
    *("email", "hard_ids"),
}
PEER_SIMILAR = {"username_compact": 0.9}  # Jaro-Winkler threshold, as the model's level
PEER_WITHIN = {"active_hour": 2.0}  # numeric agreement within this (the model's widest level)
_EQUAL = r'l\."(\w+)" = r\."\1"'


def _config(members: int) -> SynthConfig:
    # Few posts: linkage reads accounts and identifiers; post text only feeds extraction.
    return SynthConfig(
        members=members,
        seed=2026,
        posts_per_member=3.0,
        messages_per_member=0.5,
        attachment_rate=0.0,
    )


def _generator_version(config: SynthConfig) -> str:
    import rescue.synth

    digest = hashlib.sha256(repr(config).encode())
    for source in sorted(Path(rescue.synth.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _forum(members: int, console: Console) -> tuple[Path, float]:
    """The generated forum's folder (cached) and how long generating it took."""
    out = DATA / f"link-forum-{members}"
    marker = out / "generated.json"
    config = _config(members)
    version = _generator_version(config)
    if not marker.exists() or json.loads(marker.read_text()).get("version") != version:
        shutil.rmtree(out, ignore_errors=True)
        console.print(f"Generating a synthetic forum: {members:,} members ...")
        started = time.perf_counter()
        generate(out, config)
        seconds = time.perf_counter() - started
        marker.write_text(json.dumps({"version": version, "seconds": seconds}))
    return out, float(json.loads(marker.read_text())["seconds"])


def _prepared_case(members: int, forum: Path, console: Console) -> tuple[Path, dict[str, float]]:
    """A case with the forum ingested and the stages before link run; their first seconds.

    The case is kept for the next run and made again when the forum was; the runner re-runs
    a stage before link whose version or inputs changed since, and skips the others.
    """
    from rescue.case import init_case, open_case
    from rescue.ingest.register import ingest_phpbb
    from rescue.pipeline import run_pipeline

    root = DATA / f"link-case-{members}"
    marker = root / "prepared.json"
    forum_version = json.loads((forum / "generated.json").read_text())["version"]
    if marker.exists() and json.loads(marker.read_text()).get("forum") == forum_version:
        with open_case(root) as case:
            run_pipeline(case, only=BEFORE_LINK)
        return root.resolve(), json.loads(marker.read_text())["seconds"]
    shutil.rmtree(root, ignore_errors=True)
    console.print(f"Preparing a case: ingest, {', '.join(BEFORE_LINK)} ...")
    seconds: dict[str, float] = {}
    with init_case(root, name=f"link bench {members}") as case:
        started = time.perf_counter()
        ingest_phpbb(case, forum / "forum.sql", files=forum / "files", avatars=forum / "avatars")
        seconds["ingest"] = time.perf_counter() - started
        for summary in run_pipeline(case, only=BEFORE_LINK):
            seconds[summary.stage] = seconds.get(summary.stage, 0.0) + summary.duration_s
    marker.write_text(json.dumps({"forum": forum_version, "seconds": seconds}))
    return root.resolve(), seconds


def _child(side: str, case_dir: Path, timeout: float | None) -> tuple[float, int, Any]:
    """Run one side in a fresh interpreter: wall seconds, peak RSS (bytes), its JSON report.

    The report is None when the child ran out of time.
    """
    out = case_dir / f"bench-{side}.json"
    command = [sys.executable, "-m", "bench", "link", "--child", side, str(case_dir), str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1])
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if timeout is not None and time.perf_counter() - started > timeout:
            proc.kill()
            os.wait4(proc.pid, 0)
            return time.perf_counter() - started, 0, None
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the {side} run failed (exit {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss * 1024, json.loads(out.read_text())


class _Phases:
    """Wall seconds spent inside chosen functions, by wrapping them where they are looked up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.parts: dict[str, dict[str, float]] = {}

    def wrap(
        self, owner: Any, attribute: str, label: str, detail: Callable[..., str] | None = None
    ) -> None:
        """Time ``owner.attribute`` under ``label``; ``detail(*args)`` splits it by argument."""
        inner: Callable[..., Any] | None = getattr(owner, attribute, None)
        if inner is None:  # renamed in the stage: leave it out rather than fail the benchmark
            return
        self.seconds[label] = 0.0  # listed in the order wrapped
        parts = self.parts.setdefault(label, {})

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.seconds[label] += spent
                if detail is not None:
                    part = detail(*args)
                    parts[part] = parts.get(part, 0.0) + spent

        setattr(owner, attribute, timed)

    def rows(self) -> list[tuple[str, float]]:
        """Each label and its seconds, then its parts indented under it."""
        out = []
        for label, seconds in self.seconds.items():
            out.append((label, seconds))
            out += [(f"  {label}: {part}", s) for part, s in self.parts[label].items()]
        return out


def _rule_columns(rule: Any) -> tuple[str, list[str]]:
    """A Splink blocking rule's SQL, and the columns it equates when it is only equalities."""
    if isinstance(rule, dict):
        sql = str(rule["blocking_rule"])
    else:
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
    only_equalities = not re.sub(r"[()\s]|AND", "", re.sub(_EQUAL, "", sql))
    return sql, re.findall(_EQUAL, sql) if only_equalities else []


def _run_rescue(case_dir: Path) -> dict[str, Any]:
    """The link stage, as the pipeline runs it, with where its time goes."""
    from splink.internals.linker_components.inference import LinkerInference
    from splink.internals.linker_components.training import LinkerTraining

    from rescue.case import open_case
    from rescue.identity import link_stage, linkage
    from rescue.pipeline import run_pipeline

    def em_rule(_: Any, rule: Any, *rest: Any) -> str:
        sql, columns = _rule_columns(rule)
        return " + ".join(columns) or sql

    phases = _Phases()
    phases.wrap(link_stage, "account_features", "features query")
    phases.wrap(link_stage, "_hard_links", "hard-identifier links")
    phases.wrap(link_stage, "_model_links", "model links (score_pairs + rows to Python)")
    phases.wrap(linkage, "score_pairs", "  score_pairs (Splink)")
    training = LinkerTraining
    phases.wrap(training, "estimate_probability_two_random_records_match", "    prior")
    phases.wrap(training, "estimate_u_using_random_sampling", "    u by random sampling")
    phases.wrap(
        training, "estimate_parameters_using_expectation_maximisation", "    m by EM", em_rule
    )
    phases.wrap(LinkerInference, "predict", "    predict")
    phases.wrap(link_stage, "cluster", "clustering")
    phases.wrap(link_stage, "_write", "writing outputs")
    with open_case(case_dir) as case:
        started = time.perf_counter()
        (summary,) = run_pipeline(case, only=["link"], force=True)
        seconds = time.perf_counter() - started
        engine = case.engine()
        try:
            rows = engine.query("SELECT account_id, person_id FROM person_accounts").to_pylist()
        finally:
            engine.close()
    return {
        "seconds": seconds,
        "stage_seconds": summary.duration_s,
        "pairs": summary.counts.get("pairs_scored", 0),
        "phases": phases.rows(),
        "person_of": {r["account_id"]: r["person_id"] for r in rows},
    }


def _peer_index(df: Any, lists: set[str]) -> Any:
    """recordlinkage ``Index``: a block per model blocking rule."""
    import pandas as pd
    import recordlinkage
    from recordlinkage.base import BaseIndexAlgorithm

    from rescue.identity.link_model import account_spec

    class SharesAny(BaseIndexAlgorithm):  # type: ignore[misc]
        """Splink's ``arrays_to_explode`` blocking: the two lists share an item."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

        def _link_index(self, df_a: pd.DataFrame, df_b: pd.DataFrame) -> pd.MultiIndex:
            def exploded(df: pd.DataFrame, position: str) -> pd.DataFrame:
                frame = pd.DataFrame({"key": df[self.column].to_numpy(), position: range(len(df))})
                return frame.explode("key").dropna()

            pairs = exploded(df_a, "x").merge(exploded(df_b, "y"), on="key")
            pairs = pairs[["x", "y"]].drop_duplicates()
            return pd.MultiIndex(
                levels=[df_a.index.to_numpy(), df_b.index.to_numpy()],
                codes=[pairs["x"].to_numpy(), pairs["y"].to_numpy()],
                verify_integrity=False,
            )

    indexer = recordlinkage.Index()
    for rule in account_spec().blocking_rules:
        sql, columns = _rule_columns(rule)
        if not columns or (lists & set(columns) and len(columns) > 1):
            raise SystemExit(f"the peer cannot mirror the blocking rule {sql!r}")
        if lists & set(columns):
            indexer.add(SharesAny(columns[0]))
        else:
            indexer.block(columns)
    return indexer.index(df)


def _peer_compare(features: Any) -> Any:
    """recordlinkage ``Compare`` on every feature column the model reads, binary for ECM."""
    import numpy as np
    import pyarrow as pa
    import recordlinkage

    def overlap(left: Any, right: Any) -> Any:
        pairs = zip(left, right, strict=True)
        return np.fromiter((bool(set(a) & set(b)) for a, b in pairs), float, len(left))

    compare = recordlinkage.Compare()
    for field in features.schema:
        name = field.name
        if name in PEER_SKIP:
            continue
        if pa.types.is_list(field.type):
            compare.compare_vectorized(overlap, name, name, label=name)
        elif pa.types.is_floating(field.type) or pa.types.is_integer(field.type):
            compare.numeric(name, name, method="step", offset=PEER_WITHIN.get(name, 0), label=name)
        elif name in PEER_SIMILAR:
            compare.string(name, name, "jarowinkler", PEER_SIMILAR[name], label=name)
        else:
            compare.exact(name, name, label=name)
    return compare


def _run_peer(case_dir: Path) -> dict[str, Any]:
    """recordlinkage's pipeline on the same feature table, with where its time goes."""
    import numpy as np
    import pyarrow as pa
    import recordlinkage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from rescue.case import open_case
    from rescue.identity.link_features import account_features
    from rescue.identity.link_stage import _hard_links

    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(label: str) -> None:
        nonlocal clock
        phases[label], clock = time.perf_counter() - clock, time.perf_counter()

    with open_case(case_dir) as case:
        engine = case.engine()
        try:
            features = account_features(engine)
        finally:
            engine.close()
    lap("features query")
    df = features.to_pandas().set_index("unique_id")
    lap("to pandas")
    pairs = _peer_index(df, {f.name for f in features.schema if pa.types.is_list(f.type)})
    lap("index (blocking)")
    vectors = _peer_compare(features).compute(pairs, df)
    lap("compare")
    hard = [(link.a, link.b) for link in _hard_links(features)[0]]
    ids = list(df.index)
    position = {account: i for i, account in enumerate(ids)}
    shared = sum(phases.values())
    runs: dict[str, Any] = {}
    for name in ("ECM", "KMeans"):
        lap("-")
        # ECM takes log(0) for a level no pair of a class reached; its own log says so.
        with np.errstate(divide="ignore", invalid="ignore"):
            matches = getattr(recordlinkage, f"{name}Classifier")().fit_predict(vectors)
        edges = [*zip(matches.get_level_values(0), matches.get_level_values(1), strict=True)]
        edges += hard
        rows, cols = [position[a] for a, _ in edges], [position[b] for _, b in edges]
        graph = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(ids), len(ids)))
        _, labels = connected_components(graph, directed=False)
        lap(f"{name} + hard links + connected components")
        runs[name] = {
            "seconds": shared + phases[f"{name} + hard links + connected components"],
            "person_of": {a: int(label) for a, label in zip(ids, labels, strict=True)},
        }
    del phases["-"]
    return {"pairs": len(pairs), "phases": phases, "runs": runs}


def _truth(forum: Path, source: str = "forum") -> dict[str, int]:
    document = json.loads((forum / "ground_truth.json").read_text(encoding="utf-8"))
    return {
        f"{source}:{a['user_id']}": a["person_id"]
        for a in document["accounts"]
        if a["person_id"] is not None
    }


def _run_size(members: int, peer_timeout: float, console: Console) -> bool:
    """Link one forum size both ways and print the tables; False when the peer ran out of time."""
    forum, generated = _forum(members, console)
    case_dir, prepared = _prepared_case(members, forum, console)
    truth = _truth(forum)
    console.print(f"Timing the link stage on {members:,} members ...")
    r_wall, r_rss, rescue = _child("rescue", case_dir, None)
    console.print(f"Timing recordlinkage (limit {peer_timeout:.0f} s) ...")
    p_wall, p_rss, peer = _child("peer", case_dir, peer_timeout)

    title = (
        f"Link: {len(rescue['person_of']):,} accounts, {len(set(truth.values())):,} true persons"
    )
    table = Table(title=title)
    for column in ("", "seconds", "peak memory", "pairs scored", "persons", "P", "R", "F1"):
        table.add_column(column, justify="right")
    f1: dict[str, float] = {}

    def add(label: str, secs: float, rss: int, pairs: int, person_of: dict[str, Any]) -> None:
        s = pairwise_scores({a: p for a, p in person_of.items() if a in truth}, truth)
        f1[label] = s.f1
        persons = len(set(person_of.values()))
        scores = (f"{x:.4f}" for x in (s.precision, s.recall, s.f1))
        table.add_row(
            label, f"{secs:.1f}", f"{rss / 2**20:,.0f} MiB", f"{pairs:,}", f"{persons:,}", *scores
        )

    r_secs = rescue["seconds"]
    add("Rescue link stage", r_secs, r_rss, rescue["pairs"], rescue["person_of"])
    for name, run in (peer or {}).get("runs", {}).items():
        add(f"recordlinkage 0.16, {name}", run["seconds"], p_rss, peer["pairs"], run["person_of"])
    if peer is None:
        table.add_row("recordlinkage 0.16", f"> {peer_timeout:.0f}", "did not finish")
    console.print(table)
    phases = Table(title="Where the time goes")
    phases.add_column("")
    phases.add_column("seconds", justify="right")
    phases.add_row("Rescue link stage, by the runner's clock", f"{rescue['stage_seconds']:.1f}")
    for label, secs in rescue["phases"]:
        phases.add_row(f"  {label}", f"{secs:.1f}")
    for label, secs in (peer or {}).get("phases", {}).items():
        phases.add_row(f"recordlinkage: {label}", f"{secs:.1f}")
    console.print(phases)
    setup = ", ".join(f"{k} {v:.0f} s" for k, v in prepared.items())
    console.print(f"Input: generated in {generated:.0f} s; {setup} (cached in {DATA}/)")
    console.print(
        "Seconds are the work alone; with interpreter start-up and imports the child processes "
        f"took {r_wall:.1f} s (Rescue) and {p_wall:.1f} s (recordlinkage, both classifiers in "
        "one process, so one peak memory)"
    )
    verdict = "meets" if r_secs < TARGET_SECONDS else "MISSES"
    console.print(
        f"[bold]Rescue {r_secs:.1f} s ({verdict} the {TARGET_SECONDS:.0f} s target), "
        f"peak {r_rss / 2**20:,.0f} MiB, F1 {f1['Rescue link stage']:.4f}[/]"
    )
    if peer is not None:
        ratios = ", ".join(
            f"{r_secs / run['seconds']:.2f} against {name}" for name, run in peer["runs"].items()
        )
        console.print(f"[bold]Time ratio Rescue / recordlinkage: {ratios}[/] (< 1: Rescue faster)")
    return peer is not None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench link")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000, help="size to retry the peer at")
    parser.add_argument("--peer-timeout", type=float, default=600.0, help="seconds")
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "CASE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        side, case_dir, out = args.child
        run = _run_rescue if side == "rescue" else _run_peer
        Path(out).write_text(json.dumps(run(Path(case_dir))))
        return
    console = Console()
    DATA.mkdir(exist_ok=True)
    if not _run_size(args.members, args.peer_timeout, console) and args.small < args.members:
        console.print(
            f"recordlinkage did not finish {args.members:,}: both again at {args.small:,}"
        )
        _run_size(args.small, args.peer_timeout, console)
