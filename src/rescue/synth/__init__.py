"""The synthetic operation generator: a seized phpBB 3.3 forum made from nothing but a seed.

``generate(out_dir, SynthConfig(...))`` writes a mysqldump of the forum's tables, phpBB's
attachment and avatar folders, a list of "known" picture hashes, and the ground truth of who is
who, so the demo, the tests and the benchmarks all run on data that is benign and reproducible.
All content is neutral: hobby talk and abstract generated pictures.
"""

from __future__ import annotations

from .config import SynthConfig, SynthResult
from .generator import generate

__all__ = ["SynthConfig", "SynthResult", "generate"]
