"""The ``[hotline]`` section of case.toml, checked once, with the reason for every default.

Secrets never live in case.toml (it is copied with the case): the SMTP password comes from the
environment (``RESCUE_HOTLINE_SMTP_PASSWORD``). Fetching private, loopback or link-local
addresses is allowed only by the environment (``RESCUE_HOTLINE_ALLOW_PRIVATE=1``), never by a
case file, so a case handed to another deployment cannot switch the SSRF guard off there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from rescue.errors import CaseError

ALLOW_PRIVATE_ENV = "RESCUE_HOTLINE_ALLOW_PRIVATE"
SMTP_PASSWORD_ENV = "RESCUE_HOTLINE_SMTP_PASSWORD"


@dataclass(frozen=True)
class HotlineSettings:
    name: str = "Rescue hotline"  # who notices come from
    jurisdiction: str = "INT"  # an assessment's jurisdiction when none is given (INT: Interpol)
    smtp_host: str = "127.0.0.1"  # a local relay by default: mail leaves only when configured
    smtp_port: int = 25
    smtp_from: str = "hotline@localhost"
    smtp_starttls: bool = False
    smtp_user: str = ""  # with RESCUE_HOTLINE_SMTP_PASSWORD set in the environment
    smtp_timeout_s: float = 30.0
    escalation_email: str = ""  # copied on escalations (e.g. the police liaison), if set
    # Project Arachnid's cadence: a notice again every day until the provider acts.
    renotice_hours: float = 24.0
    # A week without removal is the slow tail INHOPE and the Canadian Centre report.
    escalate_days: float = 7.0
    # Checks well inside the re-notice cadence, so a re-notice goes out only for content seen
    # live that day, and a removal is timed to within a few hours.
    check_interval_hours: float = 4.0
    # A removal counts as confirmed when a check this long after the first still finds it gone:
    # providers sometimes take content down for hours and put it back.
    confirm_hours: float = 24.0
    # Confirmed removals are re-checked daily for this long, to catch a reappearance.
    watch_days: float = 30.0
    fetch_timeout_s: float = 15.0
    max_bytes: int = 32 * 1024 * 1024  # larger answers are not hashed (the download stops)
    max_redirects: int = 5
    user_agent: str = "Rescue-Hotline-Checker/0.1 (URL removal check; no content is stored)"
    # Where the hosting country has a partner hotline, the notice goes to it (export), as
    # INHOPE members do: the partner knows its providers and its law.
    route_via_partners: bool = True
    allow_private: bool = False  # from the environment only (see the module docstring)

    @property
    def smtp_password(self) -> str:
        return os.environ.get(SMTP_PASSWORD_ENV, "")


_FROM_ENVIRONMENT = frozenset({"allow_private"})
KEYS = tuple(f.name for f in fields(HotlineSettings) if f.name not in _FROM_ENVIRONMENT)


def _checked(key: str, value: Any, default: Any) -> Any:
    where = f"[hotline] {key} = {value!r} in case.toml"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise CaseError(f"{where} is not true or false")
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CaseError(f"{where} is not a number")
        if value <= 0:
            raise CaseError(f"{where} is not more than 0")
        if isinstance(default, int) and not isinstance(default, bool):
            if value != int(value):
                raise CaseError(f"{where} is not a whole number")
            return int(value)
        return float(value)
    if not isinstance(value, str):
        raise CaseError(f"{where} is not a string")
    return value.strip()


def hotline_settings(
    section: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> HotlineSettings:
    """Check ``[hotline]``: unknown keys and wrong types are refused, naming the key."""
    unknown = set(section) - set(KEYS)
    if unknown:
        raise CaseError(
            f"unknown [hotline] settings in case.toml: {', '.join(sorted(unknown))}",
            f"the settings are: {', '.join(KEYS)}",
        )
    defaults = HotlineSettings()
    given = {key: _checked(key, value, getattr(defaults, key)) for key, value in section.items()}
    env = os.environ if environ is None else environ
    return replace(defaults, **given, allow_private=env.get(ALLOW_PRIVATE_ENV, "") == "1")
