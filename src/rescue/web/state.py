"""What the app holds for its lifetime: the case, its settings, the read model, templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from fastapi import Request

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from rescue.case import Case
    from rescue.security.audit_writer import AuditWriter
    from rescue.views.reader import Reader
    from rescue.web.scheduler import HotlineTick
    from rescue.web.settings import WebSettings


@dataclass
class AppState:
    settings: WebSettings
    case: Case
    reader: Reader
    templates: Jinja2Templates
    audit: AuditWriter
    hotline: HotlineTick = field(default_factory=lambda: _tick())


def _tick() -> HotlineTick:
    from rescue.web.scheduler import HotlineTick

    return HotlineTick()


def app_state(request: Request) -> AppState:
    return cast("AppState", request.app.state.rescue)
