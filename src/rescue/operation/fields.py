"""The rules every operation record follows: ISO country codes, UTC times, no future dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import phonenumbers

from rescue.errors import InputError

# The date is "today" somewhere on Earth until UTC+14 (Kiribati) has moved on: an analyst in
# Auckland may record an arrest made this morning while UTC is still on yesterday.
_AHEAD = timedelta(hours=14)
# Codes people write for a country whose ISO 3166-1 code is another.
_NOT_ISO = {"UK": "GB", "EL": "GR"}


def country(code: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper case; libphonenumber's regions are the known ones."""
    value = code.strip().upper()
    if value in _NOT_ISO:
        raise InputError(
            f"{code!r} is not an ISO 3166-1 country code",
            f"use {_NOT_ISO[value]} (ISO 3166-1 alpha-2)",
        )
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise InputError(
            f"unknown country code {code!r}", "give the ISO 3166-1 alpha-2 code, e.g. GB, DE, US"
        )
    return value


def optional_country(code: str | None) -> str | None:
    return country(code) if code is not None and code.strip() else None


def name(value: str, what: str) -> str:
    """A required short text (who did it, a list's name); blank is refused."""
    text = value.strip()
    if not text:
        raise InputError(f"{what} is empty", f"give {what}")
    return text


def utc(moment: datetime) -> datetime:
    """An aware UTC time; SQLite hands back naive times, and they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def not_future_date(day: date, what: str) -> date:
    if day > (datetime.now(UTC) + _AHEAD).date():
        raise InputError(
            f"{what} {day.isoformat()} is in the future", "give the date it happened, YYYY-MM-DD"
        )
    return day


def not_future_time(moment: datetime, what: str) -> datetime:
    aware = utc(moment)
    if aware > datetime.now(UTC) + timedelta(minutes=5):  # five minutes of clock skew
        raise InputError(
            f"{what} {aware.isoformat(timespec='seconds')} is in the future",
            "give the time it happened, or leave it out for now",
        )
    return aware
