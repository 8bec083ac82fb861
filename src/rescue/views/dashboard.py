"""The operation dashboard's data, for one reader's scope.

Two kinds of data, kept apart because they change at different speeds:

- **Lake sections** (persons per country and tier, activity by month, material): DuckDB over
  Parquet, which changes only when a stage commits. They are cached under the lake catalog's
  digest and the scope, so a page load after the first costs one small file read. The digest is
  taken *before* the queries: a commit racing a load can only leave newer data under an older
  key, which the next load never asks for again.
- **Operation figures** (referrals, outcomes) from the operations database: never cached, so an
  arrest recorded shows on the very next load.

A partner scope sees its own countries only: their rows of the figures, persons attributed
there, and the activity of those persons' accounts. Persons with no country belong to no
partner. The scoped total row is the sum of the partner's rows (a person counted in two of its
countries counts twice there; the unrestricted total counts each person once, as
``operation_figures`` does).

Material (known vs new files) is evidence of the whole forum, not of a country: a file has no
country, and tying it to one through whoever posted it would count one file under every country
of its posters. A partner's dashboard therefore has no material section (``material`` is None);
the per-person material counts travel in its referral packages instead.

Every section works before the stage that feeds it has run: a missing table gives an empty
section (stand-ins for absent tables, as the stages do), never an error.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import func, select

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.engine.stand_ins import with_inputs
from rescue.identity.reports import identity_summary
from rescue.media.reports import media_summary
from rescue.operation.figures import TOTAL, CountryFigures, LakeFacts, lake_facts, operation_figures
from rescue.operation.lake import UNKNOWN, lake, rows
from rescue.operation.stale import StalePerson, stale_persons
from rescue.ops.models import Referral
from rescue.triage.score import TIERS
from rescue.views.scope import Scope

_NO_COUNTRY = "??"  # identity_summary's label for an attribution that points nowhere


@dataclass(frozen=True)
class Count:
    label: str  # an ISO alpha-2 country, "unknown", or a tier
    n: int


@dataclass(frozen=True)
class MonthActivity:
    month: str  # "YYYY-MM", UTC
    posts: int
    messages: int
    new_accounts: int  # member accounts registered that month (no bots)


@dataclass(frozen=True)
class Material:
    """Distinct files: known ones matched a hash set, new ones matched nothing."""

    files_hashed: int
    known_exact: int
    known_perceptual: int  # matched perceptually only: altered copies of known material
    new_files: int  # files in the new-material queue's clusters
    new_clusters: int


@dataclass(frozen=True)
class Headline:
    persons: int
    multi_account_persons: int
    countries_involved: int  # with a referral sent or an outcome reported
    referrals_sent: int  # referrals past draft (packages, not persons)
    arrests: int  # persons
    safeguarded: int  # children


@dataclass(frozen=True)
class LakeSections:
    """The cached part: everything the dashboard reads from the lake alone."""

    persons: int
    multi_account_persons: int
    persons_by_country: tuple[Count, ...]  # most first; "unknown" last
    persons_by_tier: tuple[Count, ...]  # Very High -> Low; empty before triage has run
    activity: tuple[MonthActivity, ...]  # every month from the first to the last, gaps as 0
    material: Material | None  # None for a partner, or before the match stage has run
    facts: LakeFacts  # for the figures, whose outcomes part is read fresh on every load


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    headline: Headline
    figures: tuple[CountryFigures, ...]  # the scope's countries; "unknown" only unrestricted
    total: CountryFigures
    lake: LakeSections
    stale: tuple[StalePerson, ...]  # casework naming persons the last link run retired

    def as_dict(self) -> dict[str, Any]:
        countries = self.scope.countries
        return {
            "scope": None if countries is None else sorted(countries),
            "headline": asdict(self.headline),
            "figures": [asdict(f) for f in self.figures],
            "total": asdict(self.total),
            "persons_by_country": [asdict(c) for c in self.lake.persons_by_country],
            "persons_by_tier": [asdict(c) for c in self.lake.persons_by_tier],
            "activity": [asdict(m) for m in self.lake.activity],
            "material": None if self.lake.material is None else asdict(self.lake.material),
            "stale_persons": [asdict(s) for s in self.stale],
        }


class LakeCache:
    """A small, thread-safe LRU of lake sections; web workers share one instance."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, LakeSections] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0  # how many times the lake was queried: for tests and diagnostics

    def get(self, key: Hashable, compute: Callable[[], LakeSections]) -> LakeSections:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        # Computed outside the lock: two first loads may both query, which is harmless and
        # better than one slow query holding up every other page.
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_SHARED = LakeCache()


def dashboard(case: Case, scope: Scope, *, cache: LakeCache | None = None) -> Dashboard:
    """The dashboard for ``scope``; lake sections from ``cache`` (a shared one by default)."""
    store = _SHARED if cache is None else cache
    key = (str(case.lake_dir.resolve()), catalog_digest(case), scope.countries)
    sections = store.get(key, lambda: lake_sections(case, scope))
    figures = operation_figures(case, sections.facts)
    if scope.unrestricted:
        shown, total = figures.countries, figures.total
        involved = len(figures.involved)
    else:
        # "unknown" is no country: scope.allows never matches it, and it is nobody's to act on.
        shown = tuple(f for f in figures.countries if scope.allows(f.country))
        total = _sum(shown)
        involved = sum(1 for c in figures.involved if scope.allows(c))
    headline = Headline(
        persons=sections.persons,
        multi_account_persons=sections.multi_account_persons,
        countries_involved=involved,
        referrals_sent=_referrals_sent(case, scope),
        arrests=total.arrested,
        safeguarded=total.safeguarded,
    )
    # A partner is not shown ids the case no longer resolves to a country of theirs.
    stale = stale_persons(case, sections.facts.persons) if scope.unrestricted else []
    return Dashboard(scope, headline, shown, total, sections, tuple(stale))


def _referrals_sent(case: Case, scope: Scope) -> int:
    # A count, where list_referrals would load every referred person just to be counted.
    query = select(Referral.country, func.count()).where(Referral.status != "draft")
    with case.store.session() as session:
        found = session.execute(query.group_by(Referral.country)).all()
    return sum(n for country, n in found if scope.allows(country))


def catalog_digest(case: Case) -> str:
    """Changes whenever a stage commits: the catalog file is rewritten on every commit."""
    try:
        return hashlib.sha256(case.catalog.path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def lake_sections(case: Case, scope: Scope) -> LakeSections:
    """The uncached lake part of the dashboard."""
    summary = identity_summary(case)
    media = media_summary(case) if scope.unrestricted else {}
    with lake(case) as engine:  # one engine for our own queries: opening one costs ~40 ms
        persons, multi, by_country = _persons(engine, summary, scope)
        return LakeSections(
            persons=persons,
            multi_account_persons=multi,
            persons_by_country=by_country,
            persons_by_tier=_tiers(engine, scope),
            activity=_activity(engine, scope),
            material=_material(engine, media) if media else None,
            facts=lake_facts(case),
        )


def _persons(
    engine: Engine, summary: dict[str, Any], scope: Scope
) -> tuple[int, int, tuple[Count, ...]]:
    """Persons, multi-account persons and persons per country, from ``identity_summary``."""
    counts: dict[str, int] = {}
    for row in summary["countries"]:
        label = UNKNOWN if row["country"] == _NO_COUNTRY else row["country"]
        counts[label] = counts.get(label, 0) + int(row["persons"])
    if scope.unrestricted:
        # Persons without an attribution row (attribution not run yet) are unplaced too.
        unplaced = int(summary["persons"]) - sum(counts.values())
        if unplaced > 0:
            counts[UNKNOWN] = counts.get(UNKNOWN, 0) + unplaced
        persons, multi = int(summary["persons"]), int(summary["multi_account_persons"])
    else:
        counts = {c: n for c, n in counts.items() if c != UNKNOWN and scope.allows(c)}
        persons, multi = sum(counts.values()), _scoped_multi_account(engine, scope)
    ordered = sorted(counts.items(), key=lambda kv: (kv[0] == UNKNOWN, -kv[1], kv[0]))
    return persons, multi, tuple(Count(c, n) for c, n in ordered if n)


def _scoped_multi_account(engine: Engine, scope: Scope) -> int:
    # identity_summary counts multi-account persons for the whole case only.
    where, params = scope.sql_filter("t.country")
    sql = (
        "SELECT count(DISTINCT p.person_id) AS n FROM persons p "
        f"JOIN attributions t ON t.person_id = p.person_id WHERE p.n_accounts > 1 AND {where}"
    )
    query = with_inputs(("persons", "attributions"), engine.tables(), "", sql)
    return int(rows(engine, query, params)[0]["n"])


def _tiers(engine: Engine, scope: Scope) -> tuple[Count, ...]:
    # An aggregate rather than triage.reports.priority_list: that reads every person's
    # explanation JSON, which a count does not need.
    if "priorities" not in engine.tables():
        return ()
    where, params = scope.sql_filter("t.country")
    sql = (
        "SELECT r.tier, count(*) AS n FROM priorities r "
        f"LEFT JOIN attributions t ON t.person_id = r.person_id WHERE {where} GROUP BY r.tier"
    )
    query = with_inputs(("attributions",), engine.tables(), "", sql)
    found = {r["tier"]: int(r["n"]) for r in rows(engine, query, params)}
    return tuple(Count(tier, found.get(tier, 0)) for tier in TIERS)


# Months in UTC whatever the machine's time zone, as the referral packages count them.
_ACTIVITY = """
SELECT strftime(timezone('UTC', x.at), '%Y-%m') AS month,
       count(*) FILTER (WHERE x.what = 'post') AS posts,
       count(*) FILTER (WHERE x.what = 'message') AS messages,
       count(*) FILTER (WHERE x.what = 'account') AS new_accounts
FROM (
  SELECT account_id, posted_at AS at, 'post' AS what FROM posts
  UNION ALL SELECT account_id, sent_at, 'message' FROM messages
  UNION ALL SELECT account_id, registered_at, 'account' FROM accounts
    WHERE coalesce(is_person, true)
) x
WHERE x.at IS NOT NULL AND {accounts}
GROUP BY 1 ORDER BY 1
"""
_SCOPED_ACCOUNTS = """
x.account_id IN (
  SELECT pa.account_id FROM person_accounts pa
  JOIN attributions t ON t.person_id = pa.person_id WHERE {where}
)
"""
_ACTIVITY_INPUTS = ("posts", "messages", "accounts", "person_accounts", "attributions")


def _activity(engine: Engine, scope: Scope) -> tuple[MonthActivity, ...]:
    where, params = scope.sql_filter("t.country")
    accounts = "TRUE" if scope.unrestricted else _SCOPED_ACCOUNTS.format(where=where)
    sql = _ACTIVITY.format(accounts=accounts)
    query = with_inputs(_ACTIVITY_INPUTS, engine.tables(), "", sql)
    found = {r["month"]: r for r in rows(engine, query, params)}
    if not found:
        return ()
    return tuple(
        MonthActivity(m, *(int(found[m][k]) for k in ("posts", "messages", "new_accounts")))
        if m in found
        else MonthActivity(m, 0, 0, 0)
        for m in _months(min(found), max(found))
    )


def _months(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last: a quiet month is a 0 on the chart, not a gap."""
    year, month = (int(p) for p in first.split("-"))
    out = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        out.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _material(engine: Engine, summary: dict[str, int]) -> Material:
    # media_summary counts new clusters, not their files; the chart compares files with files.
    sql = "SELECT coalesce(sum(files), 0) AS n FROM media_clusters"
    query = with_inputs(("media_clusters",), engine.tables(), "", sql)
    return Material(
        files_hashed=summary["files_hashed"],
        known_exact=summary["known_exact"],
        known_perceptual=summary["known_perceptual"],
        new_files=int(rows(engine, query)[0]["n"]),
        new_clusters=summary["new_clusters"],
    )


def _sum(figures: tuple[CountryFigures, ...]) -> CountryFigures:
    names = [f.name for f in fields(CountryFigures) if f.name != "country"]
    return CountryFigures(TOTAL, *(sum(getattr(row, n) for row in figures) for n in names))
