"""Cases: creating, opening, and where their operations database lives."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rescue.case import DATABASE_ENV, init_case, open_case
from rescue.errors import CaseError, StoreError


def test_init_creates_the_case_layout(tmp_path: Path) -> None:
    case = init_case(tmp_path / "op", name="Operation Lighthouse", authority="Warrant 12/2026")
    case.close()
    for sub in ("evidence", "lake", "exports"):
        assert (tmp_path / "op" / sub).is_dir()
    doc = tomllib.loads((tmp_path / "op" / "case.toml").read_text())
    assert doc["case"]["name"] == "Operation Lighthouse"
    assert doc["case"]["authority"] == "Warrant 12/2026"
    assert "database" not in doc  # the default follows the folder
    assert (tmp_path / "op" / "ops.db").is_file()
    reopened = open_case(tmp_path / "op")
    assert reopened.info == case.info
    assert reopened.store.revision() == reopened.store.head()
    reopened.close()


def test_case_folder_can_move(tmp_path: Path) -> None:
    init_case(tmp_path / "a", name="x").close()
    (tmp_path / "a").rename(tmp_path / "b")
    moved = open_case(tmp_path / "b")
    assert str(tmp_path / "b") in moved.database_url
    moved.close()


def test_init_refuses_an_existing_case_or_a_non_empty_folder(tmp_path: Path) -> None:
    init_case(tmp_path / "op").close()
    with pytest.raises(CaseError, match="is a case already"):
        init_case(tmp_path / "op")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    with pytest.raises(CaseError, match="not empty"):
        init_case(tmp_path / "other")


def test_open_without_a_case_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(CaseError) as info:
        open_case(tmp_path)
    assert info.value.hint and "rescue case init" in info.value.hint


def test_database_url_from_the_environment_is_used_and_not_written(
    tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_ENV, pg_database)
    case = init_case(tmp_path / "op")
    assert case.store.dialect == "postgresql"
    case.close()
    assert "database" not in tomllib.loads((tmp_path / "op" / "case.toml").read_text())
    reopened = open_case(tmp_path / "op")
    assert reopened.store.dialect == "postgresql"
    reopened.close()


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot reach") as info:
        init_case(tmp_path / "op", database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert info.value.hint and "RESCUE_DATABASE_URL" in info.value.hint
