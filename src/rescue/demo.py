"""The demo: a synthetic operation, end to end, in a folder you can open afterwards."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rescue.case import init_case
from rescue.errors import CaseError
from rescue.identity.reports import identity_summary
from rescue.ingest.register import ingest_phpbb
from rescue.media.hashset_stage import import_hash_set
from rescue.media.reports import media_summary
from rescue.operation.figures import operation_figures
from rescue.operation.package import build_packages
from rescue.operation.referrals import mark_referral
from rescue.operation.sign import generate_signing_key
from rescue.pipeline import RunSummary, run_pipeline
from rescue.progress import NO_PROGRESS, Progress, TaskHandle
from rescue.status import case_status
from rescue.synth import SynthConfig, generate
from rescue.triage.reports import priority_list

MARKER = ".rescue-demo"


@dataclass(frozen=True)
class DemoResult:
    workdir: Path
    case_dir: Path
    forum_dir: Path
    seconds: float
    status: dict[str, Any]
    runs: list[RunSummary]
    media: dict[str, int]
    identity: dict[str, Any]
    priorities: list[dict[str, Any]]
    packages: list[Any]  # rescue.operation.package.PackageResult
    figures: Any  # rescue.operation.figures.Figures


def synth_progress(progress: Progress) -> Callable[[str, int, int], None]:
    """Adapt the generator's (phase, done, total) callback to progress bars."""
    tasks: dict[str, TaskHandle] = {}

    def report(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = progress.task(f"Generating {phase}", total)
        tasks[phase].update(completed=done, total=total)

    return report


def run_demo(
    workdir: Path, *, members: int = 3000, seed: int = 7, progress: Progress = NO_PROGRESS
) -> DemoResult:
    """Generate a synthetic seized forum, open a case on it and run every stage."""
    if workdir.exists():
        if not (workdir / MARKER).exists():
            raise CaseError(
                f"{workdir} exists and was not made by `rescue demo`",
                "choose another folder with --dir",
            )
        shutil.rmtree(workdir)
    started = time.monotonic()
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("made by rescue demo; safe to delete\n")
    forum = generate(
        workdir / "forum", SynthConfig(members=members, seed=seed), synth_progress(progress)
    )
    case = init_case(
        workdir / "case",
        name="Operation Demo (synthetic)",
        authority="Synthetic demonstration data: no real persons or material",
    )
    try:
        runs = [
            ingest_phpbb(
                case,
                forum.dump_path,
                files=forum.files_dir,
                avatars=forum.avatars_dir,
                source="demo-forum",
                progress=progress,
            )
        ]
        runs.append(
            import_hash_set(
                case,
                forum.known_hashes_path,
                name="demo-known",
                origin="synthetic known-hash list shipped with the demo forum",
                progress=progress,
            )
        )
        runs += [r for r in run_pipeline(case, progress=progress) if r.status != "skipped"]
        status = case_status(case)
        media = media_summary(case)
        identity = identity_summary(case)
        top = priority_list(case, limit=10)
        generate_signing_key(case)
        packages = build_packages(case, created_by="rescue demo", progress=progress)
        for package in packages:  # the demo plays the sending desk: every package goes out
            mark_referral(case, package.referral_id, "sent")
        figures = operation_figures(case)
    finally:
        case.close()
    return DemoResult(
        workdir,
        workdir / "case",
        workdir / "forum",
        time.monotonic() - started,
        status,
        runs,
        media,
        identity,
        top,
        packages,
        figures,
    )
