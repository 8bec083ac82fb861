"""The reader: a read model that follows the lake, survives missing stages, and shares safely."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rescue.case import Case, init_case
from rescue.pipeline import run_pipeline
from rescue.views import build
from rescue.views.neighbourhood import neighbourhood
from rescue.views.neighbourhood_svg import neighbourhood_svg
from rescue.views.person import person_detail
from rescue.views.persons import PersonQuery, list_persons
from rescue.views.queue import material_queue, queue_item
from rescue.views.reader import Reader
from rescue.views.scope import Scope
from tests.lakehelp import Seed
from tests.views.seeds import PERSONS, seed, tables

ALL = Scope.everything()


@pytest.fixture
def reader(sqlite_case: Case) -> Iterator[Reader]:
    r = Reader(sqlite_case)
    yield r
    r.close()


def _ids(reader: Reader, **query: Any) -> list[str]:
    page = list_persons(reader, PersonQuery(per_page=200, **query), ALL)
    return [p.person_id for p in page.items]


def test_an_empty_case_renders_with_nothing_in_it(reader: Reader) -> None:
    page = list_persons(reader, PersonQuery(q="anyone", country="DE"), ALL)
    assert (page.total, page.items, page.pages) == (0, (), 1)
    assert page.choices.countries == () and page.choices.tiers == ()
    assert person_detail(reader, "P-f:1", ALL) is None
    assert neighbourhood(reader, "P-f:1", ALL) is None
    assert material_queue(reader).total == 0
    assert queue_item(reader, "0123456789abcdef") is None


def test_a_case_before_network_and_triage_renders(sqlite_case: Case, reader: Reader) -> None:
    seed(sqlite_case, triaged=False)
    page = list_persons(reader, PersonQuery(per_page=10), ALL)
    # No ranks yet: the default order falls back to person id, every person once.
    assert [p.person_id for p in page.items] == sorted(PERSONS)
    assert all(p.rank is None and p.tier is None and p.role is None for p in page.items)
    assert page.choices.tiers == () and page.choices.roles == () and page.choices.communities == ()
    assert _ids(reader, tier="High") == [] and _ids(reader, role="consumer") == []
    detail = person_detail(reader, "P-f:1", ALL)
    assert detail is not None
    assert detail.priority is None and detail.network is None
    assert detail.attribution is not None and detail.attribution.country == "GB"
    assert [a.account_id for a in detail.accounts] == ["f:1", "f:2"]
    hood = neighbourhood(reader, "P-f:1", ALL)
    assert hood is not None and hood.total_ties == 0 and hood.neighbours == ()
    assert neighbourhood_svg(hood).startswith("<svg")


def test_the_model_follows_every_commit_to_the_lake(sqlite_case: Case, reader: Reader) -> None:
    seed(sqlite_case)
    first = reader.model()
    assert reader.model() is first  # nothing changed: the same model, no rebuild
    assert _ids(reader, country="FR") == ["P-f:6"]
    changed = tables()
    for row in changed["attributions"]:
        if row["person_id"] == "P-f:7":
            row["country"] = "FR"
    run_pipeline(sqlite_case, stages=[Seed(changed)])
    assert _ids(reader, country="FR") == ["P-f:6", "P-f:7"]
    second = reader.model()
    assert second is not first and second.lake != first.lake
    assert not first.path.exists()  # superseded models are removed
    assert list(second.path.parent.glob("readmodel-*")) == [second.path]
    # The superseded model still answers a request that took it before the commit.
    assert first.one("SELECT count(*) AS n FROM person")["n"] == len(PERSONS)  # type: ignore[index]


def test_a_model_already_built_is_opened_not_rebuilt(
    sqlite_case: Case, reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(sqlite_case)
    built = reader.model()
    assert built.path.parent == sqlite_case.root / "cache"

    def refuse(*args: object) -> None:
        raise AssertionError("rebuilt a model that was on disk")

    monkeypatch.setattr("rescue.views.reader.build_model", refuse)
    again = Reader(sqlite_case)  # a second web worker, or the app restarted
    assert again.model().path == built.path and again.model().built_at == built.built_at
    again.close()


def test_a_half_written_model_is_never_opened(sqlite_case: Case, tmp_path: Path) -> None:
    seed(sqlite_case)
    lake = build.lake_fingerprint(sqlite_case.catalog.load())
    target = build.model_path(tmp_path / "models", sqlite_case.info.id, lake)
    boom = RuntimeError("disk full")

    def fail(out: object) -> None:
        raise boom

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "_write_names", fail)
        with pytest.raises(RuntimeError):
            build.build_model(sqlite_case, target, lake)
    assert list(target.parent.iterdir()) == []  # neither the model nor its temporary file


def test_threads_read_while_the_lake_changes(sqlite_case: Case, reader: Reader) -> None:
    seed(sqlite_case)
    reader.model()
    errors: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                totals.add(list_persons(reader, PersonQuery(country="FR"), ALL).total)
                assert person_detail(reader, "P-f:6", ALL) is not None
                assert neighbourhood(reader, "P-f:1", ALL) is not None
            except BaseException as exc:
                errors.append(exc)
                return

    workers = [threading.Thread(target=read) for _ in range(6)]
    for w in workers:
        w.start()
    changed = tables()
    for row in changed["attributions"]:
        if row["person_id"] == "P-f:7":
            row["country"] = "FR"
    run_pipeline(sqlite_case, stages=[Seed(changed)])
    after = list_persons(reader, PersonQuery(country="FR"), ALL).total
    stop.set()
    for w in workers:
        w.join()
    assert errors == []
    assert after == 2 and totals <= {1, 2}


def test_cases_sharing_a_directory_keep_their_own_models(sqlite_case: Case, tmp_path: Path) -> None:
    other = init_case(tmp_path / "other")
    seed(sqlite_case)
    seed(other)
    shared = tmp_path / "models"
    first, second = Reader(sqlite_case, directory=shared), Reader(other, directory=shared)
    try:
        paths = {first.model().path, second.model().path}
        assert len(paths) == 2 and all(p.exists() for p in paths)
    finally:
        first.close()
        second.close()
        other.close()
