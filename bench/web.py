"""Web latency: the persons list and person pages under 20 concurrent clients, against MariaDB.

Issue 6's measure: on a case of 50,000 members, with 20 clients at once on loopback, the
persons list and person pages keep p95 latency under 200 ms. The case goes through every
stage first (``bench.web_case``, cached under ``bench-data/``; its build is timed apart).
``rescue serve`` then runs in a child process, as an analyst runs it, and 20 signed-in clients
(analysts, and partners scoped to two countries each, who sign in with a TOTP code) ask a
fixed number of requests each with no think time (``bench.web_load``): list pages by page
number, by free text (three letters of a username), by country and tier, person pages, and
the same through the JSON API. Warm-up requests are not counted; the verdict line is printed,
never asserted.

The peer (``bench.web_peer``) is MariaDB on this machine answering the same list and lookup
queries over the same browse rows, for the same clients, scopes and mix: what the data alone
costs. The ratio is Rescue's p95 over MariaDB's, same kind against same kind.

Usage: python -m bench web [--members N] [--clients C] [--partners P] [--requests R]
       [--warmup W] [--no-peer] [--dry-run]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

import numpy as np
from rich.console import Console
from rich.table import Table

from bench import web_load, web_peer
from bench.web_case import DATA, Built, build_case, make_users, workload
from bench.web_load import Sample, Server

TARGET_MS = 200.0
PAGE_SIZE = 50  # the persons list's default (PersonQuery.per_page); the peer asks for as many
# Which peer kind answers the same query as each Rescue kind.
PEER_KIND = {
    "list: page": "list: page",
    "list: search": "list: search",
    "list: country+tier": "list: country+tier",
    "person page": "person by id",
    "api list: page": "list: page",
    "api list: search": "list: search",
    "api list: country+tier": "list: country+tier",
    "api person": "person by id",
}


def percentiles(samples: list[Sample]) -> dict[str, float]:
    """Milliseconds: p50, p95, p99 and max of the answers (errors included: they waited too)."""
    ms = np.array([s.seconds * 1000 for s in samples])
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50": p50, "p95": p95, "p99": p99, "max": ms.max()}


def summarise(
    samples: list[Sample], seconds: float, kinds: list[str] | None = None
) -> dict[str, dict[str, float]]:
    """Per kind (in the order of ``kinds``), per role and overall: count, errors (not 200),
    percentiles, requests/s."""
    groups: defaultdict[str, list[Sample]] = defaultdict(list, {k: [] for k in kinds or ()})
    for s in samples:
        groups[s.kind].append(s)
    for s in samples:
        groups[f"all {s.role} requests"].append(s)
    groups["all requests"] = samples
    return {
        name: {
            "count": len(group),
            "errors": sum(s.status != 200 for s in group),
            **percentiles(group),
            "per_s": len(group) / seconds,
        }
        for name, group in groups.items()
        if group
    }


def _table(title: str, figures: dict[str, dict[str, float]]) -> Table:
    table = Table(title=title)
    table.add_column("kind", no_wrap=True)
    for column in ("requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s"):
        table.add_column(column, justify="right")
    for name, f in figures.items():
        label = f"[bold]{name}[/]" if name.startswith("all") else name
        table.add_row(
            label,
            f"{f['count']:,.0f}",
            f"{f['errors']:,.0f}",
            *(f"{f[k]:,.1f}" for k in ("p50", "p95", "p99", "max")),
            f"{f['per_s']:,.0f}",
        )
    return table


def _print_build(console: Console, built: Built) -> None:
    phases = ", ".join(f"{k} {v:.0f} s" for k, v in built.seconds.items())
    total = sum(built.seconds.values())
    cached = f" (cached in {DATA}/; timed when it was built)" if built.reused else ""
    console.print(f"Case build {total:,.0f} s{cached}: {phases}")


def _verdict(console: Console, ours: dict[str, dict[str, float]]) -> None:
    measured = {k: f["p95"] for k, f in ours.items() if k in PEER_KIND}
    worst = max(measured, key=measured.__getitem__)
    errors = sum(f["errors"] for k, f in ours.items() if k in PEER_KIND)
    verdict = "meets" if measured[worst] < TARGET_MS and not errors else "MISSES"
    console.print(
        f"[bold]Rescue {verdict} the p95 < {TARGET_MS:.0f} ms target: worst p95 "
        f"{measured[worst]:,.1f} ms ({worst}), {errors:,.0f} errors[/]"
    )


def _ratios(
    console: Console, ours: dict[str, dict[str, float]], peer: dict[str, dict[str, float]]
) -> None:
    parts = [
        f"{kind} {ours[kind]['p95'] / peer[PEER_KIND[kind]]['p95']:,.1f}x"
        for kind in PEER_KIND
        if kind in ours and PEER_KIND[kind] in peer
    ]
    console.print(
        "[bold]p95 ratio Rescue / MariaDB (same query, same clients):[/] " + "; ".join(parts)
    )
    console.print(
        "MariaDB answers the rows alone; Rescue adds HTTP, the session, the audit event and "
        "the page or JSON. A person page shows far more than the peer's lookup of one row."
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench web")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--partners", type=int, default=5, help="of the clients, partners")
    parser.add_argument("--requests", type=int, default=150, help="measured, per client")
    parser.add_argument("--warmup", type=int, default=10, help="not measured, per client")
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds, each side")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1,
        help="rescue serve --workers (default: one per core)",
    )  # fmt: skip
    parser.add_argument("--no-peer", action="store_true", help="skip MariaDB")
    parser.add_argument(
        "--dry-run", action="store_true", help="ask /api/me and /login only (harness check)"
    )
    args = parser.parse_args(argv)
    console = Console()
    console.width = max(console.width, 110)  # the tables' width, also when piped to a file
    DATA.mkdir(exist_ok=True)
    started = time.perf_counter()
    built = build_case(args.members, console)
    build_wall = time.perf_counter() - started
    logins = make_users(built.case_dir, args.clients - args.partners, args.partners)
    scopes = {login.countries for login in logins}
    works = {c: workload(built.case_dir, c or None, PAGE_SIZE) for c in scopes}
    client_works = [works[login.countries] for login in logins]
    counts = (args.warmup, args.requests)
    kinds = web_load.DRY_RUN if args.dry_run else web_load.KINDS

    server = Server(built.case_dir, DATA / "web-serve.log", workers=args.workers)
    try:
        server.wait_ready()
        analyst = next((login for login in logins if login.role == "analyst"), None)
        if analyst is not None and not args.dry_run:
            first = web_load.first_answer(server.base, analyst)
            console.print(f"First persons page (read model built or opened): {first:.1f} s")
        console.print(
            f"Load: {args.clients} clients ({args.clients - args.partners} analysts, "
            f"{args.partners} partners) x {args.requests} requests on {server.base} ..."
        )
        samples, seconds = web_load.run_load(
            server.base, logins, client_works, kinds, counts, args.time_limit
        )
    finally:
        server.stop()
    ours = summarise(samples, seconds, list(kinds))

    peer: dict[str, dict[str, float]] = {}
    if not args.no_peer and not args.dry_run:
        rows, load_secs = web_peer.load(built.case_dir, DATA)
        console.print(f"MariaDB: {rows:,} browse rows loaded in {load_secs:.1f} s; load ...")
        try:
            peer_samples, peer_secs = web_peer.run_load(
                logins, client_works, counts, PAGE_SIZE, args.time_limit
            )
        finally:
            web_peer.drop()
        peer = summarise(peer_samples, peer_secs, list(web_peer.KINDS))

    _print_build(console, built)
    if built.reused:
        console.print(f"  (this run: {build_wall:.1f} s to check the cached case is current)")
    everyone = works[()]
    title = (
        f"Rescue web: {everyone.persons:,} persons, {args.clients} clients x {args.requests} "
        f"requests in {seconds:.1f} s"
    )
    console.print(_table(title, ours))
    if peer:
        console.print(_table("MariaDB: the same queries, clients and scopes", peer))
    if not args.dry_run:
        _verdict(console, ours)
    if peer:
        _ratios(console, ours, peer)
