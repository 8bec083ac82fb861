"""The stage graph and the runner: order, fingerprints, skipping, commits, resuming.

For every stage in dependency order and every target it has, the runner computes a fingerprint
of the stage's version, parameters and inputs. A target whose last committed output carries the
same fingerprint is skipped; otherwise the stage runs and its output is committed to the lake
catalog in one atomic step (see ``rescue.lake.catalog``). A run that dies half-way - an
exception, Ctrl-C, SIGKILL, a power cut - leaves nothing visible, and the next run redoes that
target from its start, so a re-run always gives the same tables as an uninterrupted run.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from rescue.case import Case
from rescue.errors import PipelineError, RescueError
from rescue.lake.catalog import Part
from rescue.lake.schemas import REJECTS
from rescue.ops.models import Run
from rescue.progress import NO_PROGRESS, Progress
from rescue.stage import Stage, StageContext, fingerprint


def default_stages() -> list[Stage]:
    """The pipeline's stages in dependency order; each issue adds its stage here."""
    from rescue.identity.attribute_stage import AttributeStage
    from rescue.identity.extract_stage import ExtractStage
    from rescue.identity.geo_stage import GeolocateStage
    from rescue.identity.link_stage import LinkStage
    from rescue.ingest.stage import IngestStage
    from rescue.media.hash_stage import HashStage
    from rescue.media.hashset_stage import HashSetStage
    from rescue.media.match_stage import MatchStage
    from rescue.network.stage import NetworkStage
    from rescue.triage.stage import TriageStage

    return [
        IngestStage(),
        HashSetStage(),
        HashStage(),
        MatchStage(),
        ExtractStage(),
        GeolocateStage(),
        LinkStage(),
        AttributeStage(),
        NetworkStage(),
        TriageStage(),
    ]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    stage: str
    target: str
    status: str  # ok | skipped | failed
    duration_s: float
    counts: dict[str, Any] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)


def order_stages(stages: Sequence[Stage]) -> list[Stage]:
    """Topological order by tables: a stage runs after every stage that writes its inputs."""
    producers = {table: stage.name for stage in stages for table in stage.outputs}
    by_name = {stage.name: stage for stage in stages}
    ordered: list[Stage] = []
    state: dict[str, str] = {}

    def visit(stage: Stage) -> None:
        if state.get(stage.name) == "done":
            return
        if state.get(stage.name) == "visiting":
            raise PipelineError(f"stage {stage.name} depends on itself through its inputs")
        state[stage.name] = "visiting"
        for table in stage.inputs:
            if table in producers and producers[table] != stage.name:
                visit(by_name[producers[table]])
        state[stage.name] = "done"
        ordered.append(stage)

    for stage in stages:
        visit(stage)
    return ordered


def run_pipeline(
    case: Case,
    *,
    stages: Sequence[Stage] | None = None,
    only: Iterable[str] | None = None,
    targets: Iterable[str] | None = None,
    force: bool = False,
    progress: Progress = NO_PROGRESS,
) -> list[RunSummary]:
    """Run every stage that is out of date; return one summary per stage and target."""
    chosen = order_stages(stages if stages is not None else default_stages())
    wanted_stages = set(only) if only is not None else None
    wanted_targets = set(targets) if targets is not None else None
    summaries = []
    with case.catalog.lock():
        recover_interrupted(case)
        case.catalog.collect_garbage()
        for stage in chosen:
            if wanted_stages is not None and stage.name not in wanted_stages:
                continue
            for target in stage.targets(case):
                if wanted_targets is not None and target not in wanted_targets:
                    continue
                summaries.append(_run_one(case, stage, target, force, progress))
    return summaries


def recover_interrupted(case: Case) -> int:
    """Close the books on runs that were killed: we hold the lake lock, so none is alive."""
    committed = {rec.run_id for rec in case.catalog.load().stages.values()}
    with case.store.session() as session:
        stale = session.scalars(select(Run).where(Run.status == "running")).all()
        for run in stale:
            # Killed after its catalog commit but before its run row was updated: it did finish.
            run.status = "ok" if run.id in committed else "interrupted"
            run.finished_at = run.finished_at or datetime.now(UTC)
        return len(stale)


def _run_one(case: Case, stage: Stage, target: str, force: bool, progress: Progress) -> RunSummary:
    params = stage.params(case, target)
    fp = fingerprint(stage.name, stage.version, params, stage.input_fingerprint(case, target))
    key = f"{stage.name}:{target}"
    run_id = uuid.uuid4().hex
    started = datetime.now(UTC)
    clock = time.monotonic()
    previous = case.catalog.stage(key)
    if previous is not None and previous.fingerprint == fp and not force:
        _record(case, run_id, stage, target, "skipped", started, 0.0, fp, params, {}, {})
        return RunSummary(run_id, stage.name, target, "skipped", 0.0)
    _record(case, run_id, stage, target, "running", started, None, fp, params, {}, {})
    ctx = StageContext(case, stage.name, target, run_id, params, progress)
    try:
        stage.run(ctx)
        ctx.flush_rejects()
        writers = ctx.writers()
        for table in (*stage.outputs, REJECTS):
            ctx.writer(table)  # an empty part still replaces the previous one
        parts: dict[str, tuple[str, Part]] = {
            table: (writer.key, writer.close()) for table, writer in writers.items()
        }
        replaced = case.catalog.commit(key, fp, run_id, parts)
    except BaseException as exc:
        for writer in ctx.writers().values():
            writer.abort()
        duration = time.monotonic() - clock
        error = exc.message if isinstance(exc, RescueError) else f"{type(exc).__name__}: {exc}"
        _record(
            case,
            run_id,
            stage,
            target,
            "failed",
            started,
            duration,
            fp,
            params,
            ctx.counts,
            dict(ctx.reject_counts),
            error,
        )
        if isinstance(exc, RescueError | KeyboardInterrupt):
            raise
        raise PipelineError(
            f"stage {key} failed: {error}", "run again with RESCUE_DEBUG=1 to see the traceback"
        ) from exc
    for path in replaced:
        path.unlink(missing_ok=True)
    duration = time.monotonic() - clock
    counts = {**ctx.counts, "rows": {t: p.rows for t, (_, p) in parts.items() if t != REJECTS}}
    _record(
        case,
        run_id,
        stage,
        target,
        "ok",
        started,
        duration,
        fp,
        params,
        counts,
        dict(ctx.reject_counts),
    )
    return RunSummary(run_id, stage.name, target, "ok", duration, counts, dict(ctx.reject_counts))


def _record(
    case: Case,
    run_id: str,
    stage: Stage,
    target: str,
    status: str,
    started: datetime,
    duration: float | None,
    fp: str,
    params: dict[str, Any],
    counts: dict[str, Any],
    rejects: dict[str, int],
    error: str | None = None,
) -> None:
    with case.store.session() as session:
        run = session.get(Run, run_id)
        if run is None:
            run = Run(id=run_id, stage=stage.name, target=target, started_at=started)
            session.add(run)
        run.status = status
        run.fingerprint = fp
        run.params = params
        run.counts = counts
        run.rejects = rejects
        run.error = error
        run.duration_s = duration
        run.finished_at = None if status == "running" else datetime.now(UTC)


def list_runs(case: Case, limit: int | None = None) -> list[Run]:
    with case.store.session() as session:
        query = select(Run).order_by(Run.started_at.desc())
        if limit:
            query = query.limit(limit)
        return list(session.scalars(query).all())
