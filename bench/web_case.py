"""The web benchmark's inputs: a case of N members through the whole pipeline, its users, and
what the load asks for (pages, username prefixes, country and tier pairs, person ids).

The case is built as ``rescue demo`` builds one (generate, ``init_case``, ``ingest_phpbb``,
``import_hash_set``, ``run_pipeline``) and kept under ``bench-data/``: made again when the
generator's code or settings change, brought up to date by the runner otherwise (it re-runs a
stage whose version or inputs changed and skips the others), so a second run only serves.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
from rich.console import Console

from bench.link_speed import _generator_version
from rescue.synth import SynthConfig, generate

DATA = Path("bench-data")
PASSWORD = "bench passphrase, loopback only"  # throwaway users of a bench case
PARTNER_COUNTRIES = 2  # each partner is scoped to this many of the busiest countries


@dataclass(frozen=True)
class Built:
    case_dir: Path
    seconds: dict[str, float]  # generate, ingest, hash set, each pipeline stage
    reused: bool  # the cached case was current: ``seconds`` are from when it was built


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    totp_secret: str | None = None  # partners: codes are made with pyotp
    countries: tuple[str, ...] = ()

    def code(self) -> str:
        return pyotp.TOTP(self.totp_secret).now() if self.totp_secret else ""


@dataclass(frozen=True)
class Workload:
    """What there is to ask for, per scope: the persons a role may open and list by."""

    persons: int
    person_ids: list[str]
    prefixes: list[str]  # three letters: the read model indexes names by trigram
    country_tiers: list[tuple[str, str]]  # (country, tier) pairs with persons
    pages: int  # list pages at the app's page size


def _forum(members: int, data: Path, console: Console) -> tuple[Path, str, float]:
    """The generated forum (cached), its generator version and how long generating it took."""
    out = data / f"web-forum-{members}"
    marker = out / "generated.json"
    config = SynthConfig(members=members, seed=2026)
    version = _generator_version(config)
    if not marker.exists() or json.loads(marker.read_text()).get("version") != version:
        shutil.rmtree(out, ignore_errors=True)
        console.print(f"Generating a synthetic forum: {members:,} members ...")
        started = time.perf_counter()
        generate(out, config)
        marker.write_text(
            json.dumps({"version": version, "seconds": time.perf_counter() - started})
        )
    return out, version, float(json.loads(marker.read_text())["seconds"])


def build_case(members: int, console: Console, data: Path = DATA) -> Built:
    """A case with every stage run on a forum of ``members``; cached, see the module doc."""
    from rescue.case import init_case, open_case
    from rescue.ingest.register import ingest_phpbb
    from rescue.media.hashset_stage import import_hash_set
    from rescue.pipeline import run_pipeline

    forum, version, generated = _forum(members, data, console)
    root = data / f"web-case-{members}"
    marker = root / "prepared.json"
    if marker.exists() and json.loads(marker.read_text()).get("forum") == version:
        with open_case(root) as case:
            rerun = [r for r in run_pipeline(case) if r.status != "skipped"]
        for summary in rerun:
            console.print(f"  brought up to date: {summary.stage} in {summary.duration_s:.1f} s")
        return Built(root.resolve(), json.loads(marker.read_text())["seconds"], reused=True)
    shutil.rmtree(root, ignore_errors=True)
    console.print(f"Building a case: {members:,} members, every stage ...")
    seconds: dict[str, float] = {"generate": generated}
    with init_case(root, name=f"web bench {members}") as case:
        started = time.perf_counter()
        ingest_phpbb(case, forum / "forum.sql", files=forum / "files", avatars=forum / "avatars")
        seconds["ingest"] = time.perf_counter() - started
        started = time.perf_counter()
        import_hash_set(case, forum / "known_hashes.csv", name="bench-known", origin="synthetic")
        seconds["hash set import"] = time.perf_counter() - started
        for summary in run_pipeline(case):
            seconds[summary.stage] = seconds.get(summary.stage, 0.0) + summary.duration_s
    marker.write_text(json.dumps({"forum": version, "seconds": seconds}))
    return Built(root.resolve(), seconds, reused=False)


def query(case_dir: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    from rescue.case import open_case

    with open_case(case_dir) as case:
        engine = case.engine()
        try:
            rows: list[dict[str, Any]] = engine.query(sql, params or []).to_pylist()
        finally:
            engine.close()
    return rows


def busiest_countries(case_dir: Path, count: int) -> list[str]:
    rows = query(
        case_dir,
        "SELECT country FROM attributions WHERE country IS NOT NULL "
        "GROUP BY country ORDER BY count(*) DESC, country LIMIT ?",
        [count],
    )
    return [r["country"] for r in rows]


def make_users(case_dir: Path, analysts: int, partners: int) -> list[Login]:
    """Users for the load, one per client: a TOTP code works once, so partners cannot share.

    Users left by an earlier run get a new password (and TOTP secret), so their secrets are
    known again; every change is in the case's audit log as it would be for a real admin.
    """
    from rescue.case import open_case
    from rescue.security import add_user, list_users, reset_password, reset_totp

    scopes = busiest_countries(case_dir, PARTNER_COUNTRIES * max(partners, 1))
    logins = []
    with open_case(case_dir) as case:
        existing = {u.username for u in list_users(case)}
        for i in range(analysts + partners):
            role = "analyst" if i < analysts else "partner"
            n = i if i < analysts else i - analysts
            name = f"bench-{role}-{n}"
            countries = (
                tuple(scopes[(n * PARTNER_COUNTRIES) % len(scopes) :][:PARTNER_COUNTRIES])
                if role == "partner"
                else ()
            )
            if name in existing:
                reset_password(case, name, PASSWORD, actor="bench")
                uri = reset_totp(case, name, actor="bench") if role == "partner" else None
            else:
                _, uri = add_user(
                    case, name, role, countries=countries, password=PASSWORD, actor="bench"
                )
            secret = pyotp.parse_uri(uri).secret if uri else None
            logins.append(Login(name, role, secret, countries))
    return logins


def workload(case_dir: Path, countries: tuple[str, ...] | None, page_size: int) -> Workload:
    """What a client of this scope asks for; ``countries`` None means every person."""
    where, params = "TRUE", []
    if countries is not None:
        where = f"a.country IN ({', '.join('?' for _ in countries)})"
        params = list(countries)
    base = (
        "FROM persons p JOIN priorities r ON r.person_id = p.person_id "
        f"LEFT JOIN attributions a ON a.person_id = p.person_id WHERE {where}"
    )
    ids = [r["person_id"] for r in query(case_dir, f"SELECT p.person_id {base}", params)]
    names = query(
        case_dir,
        f"SELECT lower(substr(u, 1, 3)) AS prefix FROM (SELECT unnest(p.usernames) AS u {base}) "
        "WHERE length(u) >= 3 GROUP BY prefix HAVING count(*) >= 2 ORDER BY prefix",
        params,
    )
    pairs = query(
        case_dir,
        f"SELECT a.country, r.tier {base} AND a.country IS NOT NULL "
        "GROUP BY a.country, r.tier ORDER BY a.country, r.tier",
        params,
    )
    rng = random.Random(len(ids))
    return Workload(
        persons=len(ids),
        person_ids=rng.sample(ids, min(len(ids), 5_000)),
        prefixes=[r["prefix"] for r in names],
        country_tiers=[(r["country"], r["tier"]) for r in pairs],
        pages=max(1, -(-len(ids) // page_size)),
    )
