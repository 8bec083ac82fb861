"""When things happen and who does them: daily volumes, weighted actors, local daily rhythm.

The board grows: daily volume rises over its life, with busier weekends. An event's actor is
drawn among the accounts registered by then, weighted by a heavy-tailed activity (a few members
write much of the board) and skipping accounts that have gone quiet. Its time follows the
person's own day: a peak hour in local time, converted with the person's IANA time zone for
that date (DST included), so activity times point to home even behind a VPN.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from zoneinfo import ZoneInfo

from .config import Clock
from .people import DAY, Account


def daily_counts(clock: Clock, total: int) -> Iterator[tuple[int, int]]:
    """(UTC midnight, events that day) summing to ``total``; no randomness, so runs agree."""
    first = clock.board_start - clock.board_start % DAY + DAY
    days = max(1, (clock.dump_time - first) // DAY)
    weights = [(0.25 + d / days) ** 1.3 * (1.25 if d % 7 in (2, 3) else 1.0) for d in range(days)]
    scale = total / sum(weights)
    done = 0
    running = 0.0
    for day, weight in enumerate(weights):
        running += weight * scale
        today = round(running) - done
        done += today
        yield first + day * DAY, today


class Actors:
    """Draws active accounts weighted by activity; accounts must be sorted by regdate."""

    def __init__(self, accounts: Sequence[Account], weight_power: float = 1.0) -> None:
        self._accounts = [a for a in accounts if a.weight > 0 and not a.inactive]
        self._regdates = [a.regdate for a in self._accounts]
        self._cumulative = list(
            itertools.accumulate(a.weight**weight_power for a in self._accounts)
        )

    def __bool__(self) -> bool:
        return bool(self._accounts)

    def draw(self, when: int, rng: random.Random) -> Account | None:
        eligible = bisect.bisect_right(self._regdates, when)
        if not eligible:
            return None
        top = self._cumulative[eligible - 1]
        for _ in range(12):
            index = bisect.bisect_right(self._cumulative, rng.random() * top, 0, eligible)
            account = self._accounts[min(index, eligible - 1)]
            if account.active_until >= when:
                return account
        return account


class LocalTime:
    """Converts a person's local hour on a given day to a UTC timestamp, caching offsets."""

    def __init__(self) -> None:
        self._zones: dict[str, ZoneInfo] = {}
        self._offsets: dict[tuple[str, int], int] = {}

    def offset(self, timezone: str, day_start: int) -> int:
        key = (timezone, day_start)
        cached = self._offsets.get(key)
        if cached is None:
            zone = self._zones.get(timezone) or self._zones.setdefault(timezone, ZoneInfo(timezone))
            noon = dt.datetime.fromtimestamp(day_start + DAY // 2, zone)
            offset = noon.utcoffset()
            cached = int(offset.total_seconds()) if offset is not None else 0
            self._offsets[key] = cached
        return cached

    def event_time(
        self, timezone: str, peak_hour: float, day_start: int, rng: random.Random
    ) -> int:
        """A time on the UTC day starting at midnight ``day_start`` whose local hour follows the
        person's rhythm."""
        hour = rng.gauss(peak_hour, 1.8) if rng.random() < 0.9 else rng.uniform(7, 24)
        local_seconds = int(hour * 3600) % DAY
        return day_start + (local_seconds - self.offset(timezone, day_start)) % DAY


def scheduled_events(
    clock: Clock,
    total: int,
    actors: Actors,
    local_time: LocalTime,
    rng: random.Random,
    phase: str,
    progress: Callable[[str, int, int], None] | None,
) -> Iterator[tuple[int, Account]]:
    """(time, account) for ``total`` events over the board's life, day by day in time order,
    each at an hour that suits the account owner's own time zone and habits."""
    done = 0
    for day_start, count in daily_counts(clock, total):
        day: list[tuple[int, int, Account]] = []
        for n in range(count):
            account = actors.draw(day_start + 86399, rng)
            if account is None or account.person is None:
                continue
            person = account.person
            when = local_time.event_time(person.timezone, person.peak_hour, day_start, rng)
            day.append((max(when, account.regdate + 60), n, account))
        day.sort(key=lambda item: (item[0], item[1]))
        for when, _, account in day:
            yield when, account
        done += count
        if progress is not None and count:
            progress(phase, min(done, total), total)
