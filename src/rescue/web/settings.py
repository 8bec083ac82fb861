"""What one running web app is configured with; built by ``rescue serve`` or by a test."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rescue.security.sessions import SessionSettings


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebSettings:
    """``https`` turns on Secure cookies and HSTS: set it when TLS ends at Rescue or at a proxy
    in front of it. ``clock`` is injectable so tests can age a session without waiting."""

    case_dir: Path
    https: bool = False
    sessions: SessionSettings = field(default_factory=SessionSettings)
    clock: Callable[[], datetime] = _utc_now
    # Addresses of reverse proxies whose X-Forwarded-For is believed for the audit's "from".
    trusted_proxies: frozenset[str] = frozenset()
    # Hotline re-checks and notices that have come due run this often (0: not at all).
    hotline_every_seconds: float = 600.0


def web_settings(
    case_dir: Path,
    values: dict[str, object],
    *,
    https: bool = False,
    trusted_proxies: tuple[str, ...] = (),
    hotline_every_minutes: float = 10.0,
) -> WebSettings:
    """Settings from ``[web]`` in case.toml (idle_minutes, absolute_hours) and the command line."""
    from rescue.errors import CaseError

    unknown = set(values) - {"idle_minutes", "absolute_hours"}
    if unknown:
        raise CaseError(
            f"unknown [web] settings in case.toml: {', '.join(sorted(unknown))}",
            "use idle_minutes and absolute_hours",
        )
    return WebSettings(
        case_dir=case_dir,
        https=https,
        sessions=SessionSettings.from_values(values),
        trusted_proxies=frozenset(trusted_proxies),
        hotline_every_seconds=max(0.0, hotline_every_minutes) * 60,
    )


ENVIRONMENT = "RESCUE_WEB_SETTINGS"


def to_environment(settings: WebSettings) -> str:
    """The settings as JSON, for worker processes that build their own app (no clock: real)."""
    return json.dumps(
        {
            "case_dir": str(settings.case_dir),
            "https": settings.https,
            "idle_minutes": settings.sessions.idle_minutes,
            "absolute_hours": settings.sessions.absolute_hours,
            "trusted_proxies": sorted(settings.trusted_proxies),
            "hotline_every_seconds": settings.hotline_every_seconds,
        }
    )


def from_environment(text: str) -> WebSettings:
    doc = json.loads(text)
    return WebSettings(
        case_dir=Path(doc["case_dir"]),
        https=bool(doc["https"]),
        sessions=SessionSettings(int(doc["idle_minutes"]), int(doc["absolute_hours"])),
        trusted_proxies=frozenset(doc["trusted_proxies"]),
        hotline_every_seconds=float(doc["hotline_every_seconds"]),
    )
