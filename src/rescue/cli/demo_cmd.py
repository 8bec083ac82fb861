"""rescue synth | demo"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from rescue.cli.console import console, handle_errors, progress_bars
from rescue.cli.operation_cmd import figures_table
from rescue.cli.triage_cmd import priorities_table


@handle_errors
def synth(
    out_dir: Path = typer.Argument(..., help="Folder to write the synthetic forum into."),
    members: int = typer.Option(2000, "--members", min=10, help="Number of member accounts."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same forum."),
    posts_per_member: float = typer.Option(20.0, "--posts-per-member", min=0.0),
    gzip: bool = typer.Option(False, "--gzip", help="Write forum.sql.gz."),
) -> None:
    """Write a synthetic seized phpBB forum: dump, attachments, known hashes, ground truth."""
    from rescue.demo import synth_progress
    from rescue.synth import SynthConfig, generate

    config = SynthConfig(
        members=members, seed=seed, posts_per_member=posts_per_member, compress=gzip
    )
    with progress_bars() as progress:
        result = generate(out_dir, config, synth_progress(progress))
    table = Table("table", "rows", title=f"Synthetic forum in {out_dir}")
    for name, rows in sorted(result.counts.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(
        f"dump: {result.dump_path}\nattachments: {result.files_dir}\n"
        f"known hashes: {result.known_hashes_path}\nground truth: {result.ground_truth_path}"
    )


@handle_errors
def demo(
    members: int = typer.Option(3000, "--members", min=10, help="Members of the synthetic forum."),
    seed: int = typer.Option(7, "--seed"),
    workdir: Path = typer.Option(Path("demo"), "--dir", help="Where the demo case is made."),
) -> None:
    """Generate a synthetic operation and run it end to end."""
    from rescue.demo import run_demo  # the generator pulls in imaging: load it only here

    with progress_bars() as progress:
        result = run_demo(workdir, members=members, seed=seed, progress=progress)
    tables = result.status["tables"]
    rejects = sum(g["rows"] for g in result.status["rejects"] if g["action"] == "skipped")
    noted = sum(g["records"] for g in result.status["rejects"] if g["action"] != "skipped")
    summary = Table(title="Demo operation (synthetic data)", show_header=False)
    summary.add_row("members (accounts)", f"{tables.get('accounts', 0):,}")
    summary.add_row("posts", f"{tables.get('posts', 0):,}")
    summary.add_row("private messages", f"{tables.get('messages', 0):,}")
    summary.add_row("attachments", f"{tables.get('attachments', 0):,}")
    summary.add_row("sources", ", ".join(s["name"] for s in result.status["sources"]))
    media = result.media
    summary.add_row("files hashed", f"{media.get('files_hashed', 0):,}")
    summary.add_row("known material: exact copies", f"{media.get('known_exact', 0):,} files")
    summary.add_row(
        "known material: near copies (PDQ)", f"{media.get('known_perceptual', 0):,} files"
    )
    summary.add_row("new material: clusters to review", f"{media.get('new_clusters', 0):,}")
    identity = result.identity
    summary.add_row("persons found", f"{identity['persons']:,}")
    summary.add_row(
        "persons with several accounts",
        f"{identity['multi_account_persons']:,} ({identity['accounts_linked']:,} accounts)",
    )
    summary.add_row("countries", f"{sum(1 for c in identity['countries'] if c['country'] != '??')}")
    summary.add_row("rows rejected", f"{rejects:,}")
    summary.add_row("findings noted", f"{noted:,}")
    summary.add_row("time taken", f"{result.seconds:.1f} s")
    console.print(summary)
    console.print(_countries_table(identity["countries"]))
    console.print(priorities_table(result.priorities, "Top of the priority list", max_indicators=3))
    packages = result.packages
    if packages:
        persons = sum(p.persons for p in packages)
        console.print(
            f"Referral packages: {len(packages)} countries, {persons:,} persons, signed with key "
            f"{packages[0].fingerprint}, in {result.case_dir / 'exports' / 'referrals'}"
        )
    else:
        console.print("Referral packages: none (no person is attributed to a country)")
    console.print(figures_table(result.figures, "Operation Demo (synthetic)"))
    console.print(
        f"Case folder: {result.case_dir}\n  rescue status --case {result.case_dir}\n"
        f"  rescue queue --case {result.case_dir}\n"
        f"  rescue export matches --case {result.case_dir} -o matches.csv\n"
        f"  rescue export persons --case {result.case_dir} -o persons.jsonl\n"
        f"  rescue priorities --case {result.case_dir} --explain PERSON_ID\n"
        f"  rescue refer verify {result.case_dir / 'exports' / 'referrals'}/REF-...\n"
        f"  rescue user add NAME --role analyst --case {result.case_dir}\n"
        f"  rescue serve --case {result.case_dir}   (the web app, on http://127.0.0.1:8000/)"
    )


def _countries_table(countries: list[dict[str, Any]]) -> Table:
    table = Table(title="Persons per country", caption="?? = no evidence of a country")
    table.add_column("country")
    table.add_column("persons", justify="right")
    table.add_column("conflicting evidence", justify="right")
    table.add_column("mean confidence", justify="right")
    for row in countries:
        table.add_row(
            row["country"],
            f"{row['persons']:,}",
            f"{row['conflicting']:,}",
            f"{row['mean_confidence']:.2f}" if row["mean_confidence"] is not None else "-",
        )
    return table
