"""FEBRL3 through the case's linkage code path: the accuracy bar the model must keep clearing.

FEBRL3 is 5,000 person records, 2,000 originals and 3,000 corrupted copies; ``bench.febrl``
deduplicates it with ``score_pairs`` and ``cluster``, exactly as the link stage does.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.febrl import evaluate, febrl_records
from rescue.identity.evaluation import pairwise_scores


@pytest.fixture(scope="module")
def febrl3() -> dict[str, Any]:
    return evaluate("febrl3")


def test_febrl3_precision_and_recall_after_clustering(febrl3: dict[str, Any]) -> None:
    assert febrl3["precision"] >= 0.99, febrl3
    assert febrl3["recall"] >= 0.98, febrl3
    assert febrl3["true_pairs"] == 6538


def test_every_level_of_the_febrl_model_is_trained(febrl3: dict[str, Any]) -> None:
    """A level Splink cannot train falls back to a default weight: the spec should have none."""
    assert febrl3["warnings"] == []


def test_febrl_records_are_cleaned_and_labelled_by_entity() -> None:
    records, truth = febrl_records("febrl3")
    assert records.num_rows == 5000
    assert set(truth) == set(records.column("unique_id").to_pylist())
    assert truth["rec-552-org"] == truth["rec-552-dup-3"] == "552"
    assert pairwise_scores(truth, truth).true == 6538
    for column in ("given_name", "surname", "date_of_birth", "suburb"):
        values = [v for v in records.column(column).to_pylist() if v is not None]
        assert all(v == " ".join(v.lower().split()) and v for v in values), column


def test_unknown_febrl_set_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown FEBRL set"):
        febrl_records("febrl9")
