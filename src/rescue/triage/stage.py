"""The triage stage: a priority score, rank, tier and explanation for every person.

Reads what the earlier stages wrote (persons, media matches and clusters, identifiers, groups,
the network's PageRank) and the agency record checks analysts entered in the operations
database; writes ``priorities``. Weights come from ``rescue.triage.config``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any, ClassVar

from rescue.case import Case
from rescue.stage import StageContext, fingerprint
from rescue.triage.config import TriageConfig, load_config
from rescue.triage.facts import gather_facts
from rescue.triage.score import rank, score_person

INPUTS = (
    "persons",
    "person_accounts",
    "media_clusters",
    "matches",
    "attachments",
    "identifiers",
    "memberships",
    "groups",
    "graph_metrics",
    "posts",
    "messages",
)


def _checks(case: Case) -> dict[str, dict[str, bool]]:
    from rescue.operation.checks import record_checks

    return record_checks(case)


class TriageStage:
    name: ClassVar[str] = "triage"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = INPUTS
    outputs: ClassVar[tuple[str, ...]] = ("priorities",)

    def targets(self, case: Case) -> list[str]:
        return ["all"] if "persons" in case.catalog.load().tables else []

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return load_config(case.settings("triage")).as_params()

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        return fingerprint(
            {t: sorted(p.file for p in tables.get(t, {}).values()) for t in self.inputs},
            _checks(case),
        )

    def run(self, ctx: StageContext) -> None:
        config = TriageConfig(
            weights=ctx.params["weights"],
            scale=ctx.params["scale"],
            tiers=ctx.params["tiers"],
            access_occupations=frozenset(ctx.params["access"]),
        )
        engine = ctx.case.engine()
        try:
            facts, reference = gather_facts(engine)
        finally:
            engine.close()
        for person, checks in _checks(ctx.case).items():
            if person in facts:
                facts[person].checks = checks
            else:
                ctx.reject(
                    "record check for an unknown person",
                    f"a record check names {person}, which is not a person of this case "
                    "(persons are re-derived when accounts are re-linked)",
                    location=person,
                    action="noted",
                )
        ranked = rank([score_person(f, config, reference) for f in facts.values()])
        ctx.writer("priorities").write_rows(
            [
                {
                    "source": ctx.target,
                    "person_id": p.person_id,
                    "score": p.score,
                    "rank": position,
                    "tier": p.tier,
                    "indicators": p.indicators,
                    "explanation": json.dumps([asdict(c) for c in p.contributions]),
                }
                for position, p in ranked
            ]
        )
        tiers = Counter(p.tier for _, p in ranked)
        ctx.counts.update({"persons": len(ranked), "tiers": dict(sorted(tiers.items()))})
