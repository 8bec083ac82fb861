"""Jinja2 for the pages: autoescaping on for every template, whatever its file name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from rescue.web.access import can

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and "T" in value:
        return value.replace("T", " ")[:16]
    return "" if value is None else str(value)


def _query_string(record: Any) -> str:
    """A query's fields as a URL query string, leaving out the empty ones."""
    values = record.to_dict() if hasattr(record, "to_dict") else dict(record)
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _principal(request: Request) -> Any:
    return getattr(request.state, "principal", None)


def _has_route(request: Request, prefix: str) -> bool:
    """Whether an optional area (e.g. the hotline) is part of this app."""
    return any(getattr(r, "path", "").startswith("/" + prefix) for r in request.app.routes)


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # .j2 files are not in select_autoescape's list: force it
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat of each file per render
    )
    env.filters["when"] = _when
    env.filters["qs"] = _query_string
    env.globals["principal_of"] = _principal
    env.globals["can"] = can
    env.globals["has_route"] = _has_route
    return Jinja2Templates(env=env)
