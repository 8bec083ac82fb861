"""The public API is curated: these names, importable, and nothing else by accident."""

from __future__ import annotations

import subprocess
import sys

import pytest

import rescue

EXPECTED = {
    "Case",
    "RescueError",
    "case_status",
    "current_rulings",
    "export_hash_set",
    "export_matches",
    "export_persons",
    "identity_summary",
    "import_hash_set",
    "ingest_phpbb",
    "init_case",
    "iter_persons",
    "new_material_queue",
    "open_case",
    "record_ruling",
    "run_pipeline",
    "verify_case",
}


def test_public_names_are_the_curated_ones() -> None:
    assert set(rescue.__all__) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_public_name_resolves(name: str) -> None:
    assert getattr(rescue, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rescue.nope  # type: ignore[attr-defined]  # noqa: B018


def test_importing_rescue_loads_no_heavy_module() -> None:
    code = (
        "import sys, rescue; "
        "print(sorted(m for m in ('duckdb', 'pyarrow', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
