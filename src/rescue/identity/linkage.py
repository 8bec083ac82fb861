"""Probabilistic record linkage with Splink on DuckDB: one code path for every data set.

A ``LinkSpec`` says what to compare (Splink comparisons), which pairs to score (blocking
rules), how to train and where to cut. ``score_pairs`` trains the Fellegi-Sunter model without
labels - the chance that two random records match from deterministic rules, u probabilities
from random pairs, m probabilities by expectation maximisation - and scores every blocked
pair. The forum's account model (``rescue.identity.link_model``) and the FEBRL benchmark run
through this same function, so the benchmark measures the code the case uses.

Splink 5 changed the entry point from 4.x: ``Linker(table, settings, db_api)`` became
``Linker(db_api.register(table), settings)`` - input tables are registered with the database
API first and the linker takes the registered frames. Expectation maximisation gained
``max_pairs``: without it EM trains on every blocked pair (4 million at 100,000 accounts for a
username rule), with it Splink samples records to about that many pairs, which is as accurate
here and several times faster.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from splink.internals.blocking_rule_creator import BlockingRuleCreator
    from splink.internals.comparison_creator import ComparisonCreator


@dataclass
class LinkSpec:
    comparisons: list[ComparisonCreator | dict[str, Any]]
    blocking_rules: list[BlockingRuleCreator | dict[str, Any]]  # pairs that get scored
    training_rules: list[BlockingRuleCreator]  # one EM session per rule
    deterministic_rules: list[BlockingRuleCreator]  # near-certain matches, for the prior
    deterministic_recall: float  # share of all true matches the deterministic rules find
    threshold_probability: float  # pairs at or above become links
    u_max_pairs: float = 2e6  # at most; small data sets use fewer (see ``_u_pairs``)
    em_max_pairs: float = 5e5
    seed: int = 42
    # No level is impossible for a true match: people change habits between accounts (another
    # language, a fake birthday). EM on a clean sample can still put m at zero, which makes
    # one differing field veto any link (-60 bits and worse); a floor keeps it a strong vote.
    m_floor: float = 0.05


@dataclass(frozen=True)
class ScoredPairs:
    pairs: pa.Table  # unique_id_l, unique_id_r, match_weight, match_probability, gamma_*, bf_*
    model: dict[str, Any]  # the trained Splink model, as Splink saves it
    comparisons: list[str]  # output column names of the comparisons, in order
    warnings: list[str]  # what Splink said while training, e.g. levels it could not train

    def explain(self, row: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Per comparison: the level the pair reached and its weight (log2 Bayes factor).

        Splink 5 returns each comparison's weight (``mw_*``), not the level; the level is the
        one whose trained weight it equals, which the model holds.
        """
        out: dict[str, dict[str, Any]] = {}
        for name, levels in _level_weights(self.model).items():
            weight = row.get(f"mw_{name}")
            if weight is None:
                continue
            label = min(levels, key=lambda lw: abs(lw[1] - weight))[0] if levels else ""
            item: dict[str, Any] = {"level": label, "weight": round(float(weight), 2)}
            adjustment = row.get(f"mw_tf_adj_{name}")
            if adjustment:
                item["frequency_adjustment"] = round(float(adjustment), 2)
            out[name] = item
        return out


def _floor_m(model: dict[str, Any], floor: float) -> dict[str, Any]:
    """The model with every trained m probability at least ``floor``, renormalised."""
    model = json.loads(json.dumps(model, default=str))
    for comparison in model["comparisons"]:
        levels = [
            level
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level") and level.get("m_probability") is not None
        ]
        if not levels:
            continue
        raised = [max(level["m_probability"], floor) for level in levels]
        total = sum(raised)
        for level, m in zip(levels, raised, strict=True):
            level["m_probability"] = m / total
    return model


def _level_weights(model: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    weights: dict[str, list[tuple[str, float]]] = {}
    for comparison in model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                levels.append((level["label_for_charts"], 0.0))
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if m and u:
                levels.append((level["label_for_charts"], math.log2(m / u)))
        weights[comparison["output_column_name"]] = levels
    return weights


def score_pairs(records: pa.Table, spec: LinkSpec) -> ScoredPairs:
    """Train on ``records`` (a ``unique_id`` column plus the compared columns), score pairs."""
    from splink import DuckDBAPI, Linker, SettingsCreator

    connection = duckdb.connect()
    said = _Collect()
    splink_log = logging.getLogger("splink")
    splink_log.addHandler(said)
    propagate, splink_log.propagate = splink_log.propagate, False
    try:
        db_api = DuckDBAPI(connection=connection)
        frame = db_api.register(records, table_name="records")
        settings = SettingsCreator(
            link_type="dedupe_only",
            comparisons=spec.comparisons,
            blocking_rules_to_generate_predictions=spec.blocking_rules,
            retain_intermediate_calculation_columns=True,
            retain_matching_columns=False,
        )
        linker = Linker(frame, settings, log_level=None)
        # DuckDB's seeded sampling repeats only on one thread, and EM's sums must add up in
        # the same order: a re-run after a crash has to give the same links, to the bit.
        [(threads,)] = connection.sql("SELECT current_setting('threads')").fetchall()
        connection.execute("SET threads = 1")
        _train(linker, spec, said, records.num_rows)
        connection.execute(f"SET threads = {int(threads)}")
        model = _floor_m(linker.misc.save_model_to_json(), spec.m_floor)
        linker = Linker(frame, model, log_level=None)
        pairs: pa.Table = linker.inference.predict().as_pyarrow_table()  # type: ignore[no-untyped-call]
        names = [c["output_column_name"] for c in model["comparisons"]]
        return ScoredPairs(pairs, model, names, said.messages)
    finally:
        splink_log.removeHandler(said)
        splink_log.propagate = propagate
        connection.close()


def _u_pairs(records: int, spec: LinkSpec) -> float:
    """Random pairs for u: fifty per record, at least half a million, at most ``u_max_pairs``.

    u is the chance a level is reached by chance; rare levels (a shared signature) need many
    pairs to be seen at all, but past a few million the estimate stops moving.
    """
    return float(min(spec.u_max_pairs, max(5e5, 50 * records)))


class NotTrainedError(Exception):
    """The data cannot train a model: too few records or no pairs for any training rule."""


def _train(linker: Any, spec: LinkSpec, said: _Collect, records: int) -> None:
    from splink.internals.exceptions import EMTrainingException, SplinkException

    training = linker.training
    try:
        training.estimate_probability_two_random_records_match(
            list(spec.deterministic_rules), recall=spec.deterministic_recall
        )
        training.estimate_u_using_random_sampling(max_pairs=_u_pairs(records, spec), seed=spec.seed)
    except (SplinkException, ValueError, ZeroDivisionError) as exc:
        raise NotTrainedError(f"cannot estimate the prior or u probabilities: {exc}") from exc
    trained = 0
    for rule in spec.training_rules:
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=spec.em_max_pairs
            )
            trained += 1
        except (EMTrainingException, ValueError) as exc:
            # Too few pairs for a rule, or EM driving a probability to underflow on a tiny
            # sample: the other rules still train the model.
            said.messages.append(f"training rule skipped: {str(exc).splitlines()[0]}")
    if not trained:
        raise NotTrainedError("no training rule found any pairs of records to learn from")


class _Collect(logging.Handler):
    """Keeps Splink's warnings for the run record instead of letting them reach the console."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = " ".join(record.getMessage().split())
        if text.startswith("[EM sampling]"):
            return  # how Splink sized its training sample: not about the model's quality
        if text and text not in self.messages:
            self.messages.append(text[:300])
