"""Fixtures the identity tests share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from rescue.synth import SynthResult


@pytest.fixture(scope="session")
def linkage_forum(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A forum of 1,500 members: the size the issue's accuracy targets are set at."""
    from rescue.synth import SynthConfig, generate

    return generate(
        tmp_path_factory.mktemp("linkage-forum"),
        SynthConfig(members=1500, seed=5, posts_per_member=10, attachment_rate=0.0),
    )
