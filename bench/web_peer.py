"""The web benchmark's peer: MariaDB answering the persons list's queries under the same load.

The same browse rows (one per person: first username, accounts, country, tier, score, rank,
role) are loaded into a MariaDB table indexed for each way the list is asked (by rank; by
country and rank; by country, tier and rank), with what free text searches beside it: the
lower-cased names (MariaDB has no trigram index: a scan of a narrow table) and the identifier
values (indexed, so a prefix is a range). The same clients, scopes and request mix then ask for a
page and its total, a free-text search (as Rescue's: names containing the text, or an
identifier value starting with it), a country and tier filter, or one person by id. This is
the floor: a database server answering the query with no HTTP, sessions, audit or HTML, so
the ratio says what the web app costs on top of its data. Left out: the filter dropdowns'
counts, which Rescue computes once per scope and keeps (an app in front of MariaDB would too).

No MySQL driver is in the project's pins, so each client is a ``mariadb`` command-line
session held open (``--batch --unbuffered``): one connection, one query at a time, the query
followed by a marker ``SELECT`` whose line tells the answer has been read in full. The marker
adds one tiny round trip per query, which only flatters Rescue's ratio by a few hundredths of
a millisecond.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.web_case import Login, Workload, query
from bench.web_load import Sample

MARIADB = ["mariadb", "-uroot", "-h127.0.0.1", "--default-character-set=utf8mb4"]
DB = "rescue_bench_web"
END = "-- answer read --"
COLUMNS = "person_id, username, n_accounts, country, tier, score, rnk, role"
SCHEMA = """
CREATE TABLE persons_browse (
  person_id VARCHAR(40) PRIMARY KEY, username VARCHAR(255), n_accounts INT,
  country CHAR(2) NULL, tier VARCHAR(16), score DOUBLE, rnk INT, role VARCHAR(32),
  KEY by_rank (rnk), KEY by_country_rank (country, rnk), KEY by_country_tier (country, tier, rnk)
) DEFAULT CHARSET=utf8mb4;
CREATE TABLE person_names (person_id VARCHAR(40) PRIMARY KEY, names TEXT) DEFAULT CHARSET=utf8mb4;
CREATE TABLE person_terms (
  term VARCHAR(200), person_id VARCHAR(40), KEY by_term (term, person_id)
) DEFAULT CHARSET=utf8mb4;
"""
BROWSE = """
SELECT p.person_id, p.usernames[1] AS username, p.n_accounts, a.country, r.tier, r.score,
       r.rank AS rnk, m.role,
       lower(p.person_id || ' ' || array_to_string(coalesce(p.usernames, []), ' ')) AS names
FROM persons p JOIN priorities r ON r.person_id = p.person_id
LEFT JOIN attributions a ON a.person_id = p.person_id
LEFT JOIN graph_metrics m ON m.person_id = p.person_id
"""
TERMS = """
SELECT DISTINCT lower(i.value) AS term, pa.person_id
FROM identifiers i JOIN person_accounts pa ON pa.account_id = i.account_id
WHERE coalesce(i.value, '') <> ''
"""


def _sql(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _inserts(table: str, rows: list[tuple[Any, ...]], batch: int = 2_000) -> Iterator[str]:
    for i in range(0, len(rows), batch):
        values = ",".join("(" + ",".join(map(_sql, r)) + ")" for r in rows[i : i + batch])
        yield f"INSERT INTO {table} VALUES {values};\n"


def load(case_dir: Path, work_dir: Path, db: str = DB) -> tuple[int, float]:
    """The browse rows into a fresh database: how many, and the seconds it took."""
    rows = query(case_dir, BROWSE)
    browse = [tuple(r[c] for c in COLUMNS.split(", ")) for r in rows]
    names = [(r["person_id"], r["names"]) for r in rows]
    terms = [(r["term"], r["person_id"]) for r in query(case_dir, TERMS)]
    script = work_dir / f"{db}.sql"
    with script.open("w", encoding="utf-8") as out:
        out.write(f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}; USE {db};\n{SCHEMA}")
        out.writelines(_inserts("persons_browse", browse))
        out.writelines(_inserts("person_names", names))
        out.writelines(_inserts("person_terms", terms))
        out.write("ANALYZE TABLE persons_browse, person_names, person_terms;\n")
    started = time.perf_counter()
    try:
        with script.open("rb") as stdin:
            subprocess.run(MARIADB, stdin=stdin, check=True, stdout=subprocess.DEVNULL)
    finally:
        script.unlink()
    return len(browse), time.perf_counter() - started


def drop(db: str = DB) -> None:
    subprocess.run([*MARIADB, "-e", f"DROP DATABASE IF EXISTS {db}"], check=True)


class _Session:
    """One open ``mariadb`` client: a connection asked one query at a time."""

    def __init__(self, db: str) -> None:
        self.proc = subprocess.Popen(
            [*MARIADB, "--batch", "--skip-column-names", "--unbuffered", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def query(self, sql: str) -> list[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{sql};\nSELECT '{END}';\n")
        self.proc.stdin.flush()
        lines = []
        while (line := self.proc.stdout.readline()) != f"{END}\n":
            if not line:
                raise RuntimeError(f"the mariadb client stopped on: {sql[:200]}")
            lines.append(line)
        return lines

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def _scoped(where: list[str], login: Login) -> str:
    if login.role == "partner":
        where.append(f"country IN ({', '.join(map(_sql, login.countries))})")
    return " AND ".join(where) or "TRUE"


def _listed(where: str, offset: int, page_size: int, source: str = "persons_browse") -> str:
    """A page and the total. The page is a deferred join: ids from the covering (rank) index
    first, then 50 rows, instead of sorting every matching row to skip ``offset`` of them."""
    rows = f"{source} WHERE {where}"
    ids = f"SELECT person_id FROM {rows} ORDER BY rnk LIMIT {page_size} OFFSET {offset}"
    return (
        f"SELECT {COLUMNS} FROM persons_browse JOIN ({ids}) page USING (person_id) "
        f"ORDER BY rnk; SELECT COUNT(*) FROM {rows}"
    )


def _page(rng: random.Random, work: Workload, login: Login, size: int) -> str:
    return _listed(_scoped([], login), (rng.randint(1, work.pages) - 1) * size, size)


def _search(rng: random.Random, work: Workload, login: Login, size: int) -> str:
    # The matching ids first, then their rows: ``person_id IN (... UNION ...)`` runs as a
    # dependent subquery, once per person (seconds), and left to itself the optimiser counts
    # by probing the matches once per person too (a third slower than this).
    text = rng.choice(work.prefixes)
    names = f"SELECT person_id FROM person_names WHERE names LIKE {_sql('%' + text + '%')}"
    terms = f"SELECT person_id FROM person_terms WHERE term LIKE {_sql(text + '%')}"
    found = f"({names} UNION {terms}) found STRAIGHT_JOIN persons_browse USING (person_id)"
    return _listed(_scoped([], login), 0, size, found)


def _filter(rng: random.Random, work: Workload, login: Login, size: int) -> str:
    country, tier = rng.choice(work.country_tiers)
    return _listed(_scoped([f"country = {_sql(country)}", f"tier = {_sql(tier)}"], login), 0, size)


def _person(rng: random.Random, work: Workload, login: Login, size: int) -> str:
    where = _scoped([f"person_id = {_sql(rng.choice(work.person_ids))}"], login)
    return f"SELECT {COLUMNS} FROM persons_browse WHERE {where}"


# The web load's mix, HTML and API asking the same query: weights are its pairs added up.
KINDS: dict[str, tuple[float, Callable[[random.Random, Workload, Login, int], str]]] = {
    "list: page": (2, _page),
    "list: search": (2, _search),
    "list: country+tier": (2, _filter),
    "person by id": (4, _person),
}


@contextmanager
def _sessions(count: int, db: str) -> Iterator[list[_Session]]:
    sessions = [_Session(db) for _ in range(count)]
    try:
        yield sessions
    finally:
        for s in sessions:
            s.close()


def run_load(
    logins: list[Login],
    works: list[Workload],
    counts: tuple[int, int],
    page_size: int,
    time_limit: float,
    db: str = DB,
) -> tuple[list[Sample], float]:
    """The same clients against MariaDB: every measured query and the measured seconds."""
    names = list(KINDS)
    weights = [KINDS[k][0] for k in names]
    warmup, requests = counts
    start = threading.Barrier(len(logins) + 1)
    deadline = time.monotonic() + time_limit

    def client(seed: int, session: _Session) -> list[Sample]:
        rng = random.Random(seed)
        login, work = logins[seed], works[seed]

        def ask() -> Sample:
            kind = rng.choices(names, weights)[0]
            sql = KINDS[kind][1](rng, work, login, page_size)
            started = time.perf_counter()
            session.query(sql)
            return Sample(kind, login.role, 200, time.perf_counter() - started)

        try:
            for _ in range(warmup):
                if time.monotonic() > deadline:
                    break
                ask()
        except BaseException:
            start.abort()
            raise
        start.wait()
        samples = []
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            samples.append(ask())
        return samples

    with _sessions(len(logins), db) as sessions, ThreadPoolExecutor(len(logins)) as pool:
        futures = [pool.submit(client, i, s) for i, s in enumerate(sessions)]
        start.wait()
        started = time.perf_counter()
        results = [f.result() for f in futures]
        seconds = time.perf_counter() - started
    return [s for r in results for s in r], seconds
