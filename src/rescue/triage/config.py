"""Triage weights: the shipped, documented defaults (weights.toml) and an agency's changes.

An agency overrides any value in its case.toml under ``[triage.weights]``, ``[triage.scale]``,
``[triage.tiers]`` or ``[triage.access]``. One rule is enforced rather than hoped for: a
producer of new material must never rank below a person whose only indicator is volume, so the
producer weight must exceed everything volume-type indicators can add together.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rescue.errors import CaseError

# Indicators a person can score on without producing anything: volume and what comes with it.
VOLUME_ONLY = ("volume", "severity", "centrality", "tenure", "recency")


@dataclass(frozen=True)
class TriageConfig:
    weights: dict[str, float]
    scale: dict[str, Any]
    tiers: dict[str, float]
    access_occupations: frozenset[str]

    def as_params(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "scale": self.scale,
            "tiers": self.tiers,
            "access": sorted(self.access_occupations),
        }


def _shipped() -> dict[str, Any]:
    text = (resources.files("rescue.triage") / "weights.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_config(settings: dict[str, Any]) -> TriageConfig:
    """The shipped weights with ``[triage]`` of case.toml applied on top."""
    doc = _shipped()
    unknown = set(settings) - {"weights", "scale", "tiers", "access"}
    if unknown:
        raise CaseError(
            f"unknown [triage] sections in case.toml: {', '.join(sorted(unknown))}",
            "use [triage.weights], [triage.scale], [triage.tiers] or [triage.access]",
        )
    for section in ("weights", "scale", "tiers"):
        given = settings.get(section, {})
        if extra := set(given) - set(doc[section]):
            raise CaseError(
                f"unknown [triage.{section}] keys in case.toml: {', '.join(sorted(extra))}",
                f"the keys are: {', '.join(sorted(doc[section]))}",
            )
        doc[section].update(given)
    if "occupations" in settings.get("access", {}):
        doc["access"]["occupations"] = settings["access"]["occupations"]
    weights = {k: float(v) for k, v in doc["weights"].items()}
    if any(v < 0 for v in weights.values()):
        raise CaseError("[triage.weights] must not be negative")
    volume_max = sum(weights[k] for k in VOLUME_ONLY)
    if weights["producer"] <= volume_max:
        raise CaseError(
            f"[triage.weights] producer = {weights['producer']:g} would let a person with "
            f"volume indicators alone ({volume_max:g} at most) outrank a producer of new material",
            f"set producer above {volume_max:g}, or lower {', '.join(VOLUME_ONLY)}",
        )
    tiers = {k: float(v) for k, v in doc["tiers"].items()}
    if not tiers["very_high"] > tiers["high"] > tiers["medium"] >= 0:
        raise CaseError("[triage.tiers] must satisfy very_high > high > medium >= 0")
    return TriageConfig(
        weights=weights,
        scale=dict(doc["scale"]),
        tiers=tiers,
        access_occupations=frozenset(o.lower() for o in doc["access"]["occupations"]),
    )
