"""One small synthetic operation per test session, shared by the synth tests (read-only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rescue.synth import SynthConfig, SynthResult, generate

SMALL = SynthConfig(members=200, seed=7, posts_per_member=12, attachment_rate=0.08)


@pytest.fixture(scope="session")
def forum(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate(tmp_path_factory.mktemp("forum"), SMALL)


@pytest.fixture(scope="session")
def truth(forum: SynthResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(forum.ground_truth_path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def dump_text(forum: SynthResult) -> str:
    return Path(forum.dump_path).read_text(encoding="utf-8")
