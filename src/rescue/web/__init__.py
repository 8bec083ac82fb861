"""The analysts' web app: FastAPI pages (Jinja2 + HTMX) and a JSON API over the same core.

``create_app(settings)`` builds an app for one case; nothing happens at import time. Routes
are grouped by area in ``routes/``; who may call each is declared once per route with
``allow(permission)`` (``access.py``), and the authorisation matrix test walks every route.
"""

from rescue.web.app import create_app
from rescue.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
