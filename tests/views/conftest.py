"""Readers for the view tests: on the hand-made seed lake, and on the fully run operation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rescue.case import Case
from rescue.views.reader import Reader
from tests.views.seeds import seed


@pytest.fixture
def reader(sqlite_case: Case) -> Iterator[Reader]:
    seed(sqlite_case)
    r = Reader(sqlite_case)
    yield r
    r.close()


@pytest.fixture(scope="module")
def full(full_case: Case, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    """A reader on the fully run synthetic operation (its model outside the shared case)."""
    r = Reader(full_case, directory=tmp_path_factory.mktemp("models"))
    yield r
    r.close()
