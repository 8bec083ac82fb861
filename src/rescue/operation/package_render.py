"""The report a partner reads: HTML from one Jinja2 template, and the same HTML as a PDF.

The HTML is self-contained and inert: inline CSS, no script, no image, no link to fetch, and a
Content-Security-Policy that forbids loading anything should a browser be told to. Every value
is escaped (usernames and identifiers come from a seized forum and may hold markup). WeasyPrint
renders the PDF from the very same HTML with a URL fetcher that refuses every URL, so nothing
outside the package can end up in it, and a template that tried would fail the build.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import jinja2

from rescue.errors import PipelineError

TEMPLATE = "referral.html.j2"
# Persons of these tiers get a full section in the report; the rest a row in a closing table.
# A country's package can hold hundreds of persons: the report puts the reader's time where the
# risk is, while package.json keeps every person's full detail.
DETAILED_TIERS = ("Very High", "High", None)


def _when(value: str | None) -> str:
    """ISO 8601 UTC (as package.json holds it) -> "2024-05-01 14:03 UTC"."""
    if not value:
        return "-"
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


def _day(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d") if value else "-"


def _pct(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "-"


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rescue.operation", "templates"),
        autoescape=True,  # always, not by file name: the template is no .html file
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the build, never prints ""
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, day=_day, pct=_pct, num=_num)
    return env


def render_html(package: dict[str, Any], signer_fingerprint: str) -> str:
    """The report for one package (package.json's content), as one HTML document."""
    template = _environment().get_template(TEMPLATE)
    detailed = [q for q in package["persons"] if q.get("tier") in DETAILED_TIERS]
    brief = [q for q in package["persons"] if q.get("tier") not in DETAILED_TIERS]
    return template.render(p=package, signer=signer_fingerprint, detailed=detailed, brief=brief)


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which costs every other command time.
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint  # type: ignore[import-untyped]
    from weasyprint.urls import FatalURLFetchingError  # type: ignore[import-untyped]

    # WeasyPrint turns Pillow's truncated-image loading on for the whole process when imported;
    # the report has no images, and the hash stage must keep refusing cut-short files.
    ImageFile.LOAD_TRUNCATED_IMAGES = truncated

    # No protocol allowed, and failing is fatal: an attempt to fetch anything stops the build.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=(), fail_on_errors=True)
    try:
        pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException: turned into an error we report
        raise PipelineError(
            f"the report tried to load an outside resource ({exc})",
            "a referral report must be self-contained: report this as a bug",
        ) from None
    return cast(bytes, pdf)
