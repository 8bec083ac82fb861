"""The network stage: persons' ties, their metrics and roles, in ``graph_edges``/``graph_metrics``.

DuckDB aggregates the ties (``rescue.network.edges``) and the per-person facts
(``rescue.network.activity``), so Python sees one row per tie and per person, never the posts.
igraph and leidenalg compute the metrics (``rescue.network.metrics``) and ``rescue.network.roles``
names roles. One target, "all": a person may own accounts on several forums. Output rows are
sorted and every random choice is seeded, so a re-run writes identical tables.

Settings: ``[network]`` in case.toml takes the fields of ``RoleParams`` and ``MetricParams``;
an unknown key is an error rather than a silently ignored typo.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from rescue.case import Case
from rescue.errors import CaseError
from rescue.network.inputs import INPUTS
from rescue.network.roles import RoleParams, assign_role
from rescue.stage import StageContext, fingerprint

OUTPUTS = ("graph_edges", "graph_metrics")
FACT_COLUMNS = (
    "posts",
    "messages",
    "known_files_posted",
    "new_clusters_seeded",
    "seeded_spread",
    "first_active_at",
    "last_active_at",
)


def network_params(case: Case) -> dict[str, Any]:
    """The stage's parameters from ``[network]``, checked: {"roles": {...}, "metrics": {...}}."""
    from rescue.network.metrics import MetricParams

    settings = case.settings("network")
    role_keys = {f.name for f in fields(RoleParams)}
    metric_keys = {f.name for f in fields(MetricParams)}
    if unknown := set(settings) - role_keys - metric_keys:
        raise CaseError(
            f"unknown [network] settings in case.toml: {', '.join(sorted(unknown))}",
            f"the settings are: {', '.join(sorted(role_keys | metric_keys))}",
        )
    roles = RoleParams(**{k: v for k, v in settings.items() if k in role_keys})
    metrics = MetricParams(**{k: v for k, v in settings.items() if k in metric_keys})
    for name, value in {**vars(roles), **vars(metrics)}.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise CaseError(f"[network] {name} = {value!r} is not a number of at least 0")
    if not 0 < metrics.damping < 1 or metrics.resolution <= 0:
        raise CaseError("[network] damping must be in (0, 1) and resolution above 0")
    return {"roles": vars(roles), "metrics": vars(metrics)}


class NetworkStage:
    name: ClassVar[str] = "network"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = INPUTS
    outputs: ClassVar[tuple[str, ...]] = OUTPUTS

    def targets(self, case: Case) -> list[str]:
        return ["all"] if "persons" in case.catalog.load().tables else []

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return network_params(case)

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        return fingerprint(
            {t: sorted(p.file for p in tables.get(t, {}).values()) for t in self.inputs}
        )

    def run(self, ctx: StageContext) -> None:
        # igraph, leidenalg and numpy load only when the stage runs.
        from rescue.network.activity import person_activity
        from rescue.network.edges import person_edges
        from rescue.network.metrics import MetricParams, compute_metrics, index_ties

        task = ctx.progress.task("network: ties, metrics, roles", total=3)
        engine = ctx.case.engine()
        try:
            edges = person_edges(engine)
            activity = person_activity(engine)
        finally:
            engine.close()
        task.advance()
        persons = activity.column("person_id").combine_chunks()
        metrics = compute_metrics(index_ties(persons, edges), MetricParams(**ctx.params["metrics"]))
        task.advance()
        params = RoleParams(**ctx.params["roles"])
        roles, reasons = [], []
        for facts, degree in zip(activity.to_pylist(), metrics.degree.tolist(), strict=True):
            role, why = assign_role(facts, degree, params)
            roles.append(role)
            reasons.append(why)
        source = pa.array(["all"] * len(persons), pa.string())
        ctx.writer("graph_edges").write(
            {"source": pa.array(["all"] * edges.num_rows, pa.string())}
            | {name: edges.column(name) for name in edges.column_names}
        )
        ctx.writer("graph_metrics").write(
            {
                "source": source,
                "person_id": persons,
                "degree": metrics.degree,
                "weighted_degree": metrics.weighted_degree,
                "pagerank": metrics.pagerank,
                "kcore": metrics.kcore,
                "betweenness": metrics.betweenness,
                "community": metrics.community,
                "community_size": metrics.community_size,
                "role": roles,
                "role_reasons": reasons,
            }
            | {name: activity.column(name) for name in FACT_COLUMNS}
        )
        task.advance()
        kinds = pc.value_counts(edges.column("kind")).to_pylist() if edges.num_rows else []
        ctx.counts.update(
            {
                "persons": len(persons),
                "edges": edges.num_rows,
                "edges_by_kind": {
                    k["values"]: k["counts"] for k in sorted(kinds, key=lambda k: str(k["values"]))
                },
                "communities": metrics.communities,
                "roles": dict(sorted(Counter(roles).items())),
                "betweenness": "exact"
                if metrics.betweenness_sources >= len(persons)
                else f"estimated from {metrics.betweenness_sources:,} sampled sources",
            }
        )
