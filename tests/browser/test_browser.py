"""An analyst's day in a real browser: sign in with a second factor, read the dashboard, find a
person as one types, record an arrest and see the dashboard count it; sign out. And the same
search with JavaScript off, for a browser that blocks scripts.

Screenshots of the dashboard, the persons list and a person page are written on the way
(``RESCUE_SCREENSHOTS`` picks where; see conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Browser, Page, Request, expect

from rescue.operation.outcomes import KINDS, outcomes_for
from rescue.operation.referrals import list_referrals
from tests.browser.browserhelp import (
    BROWSER_MARKS,
    ConsoleWatch,
    LiveServer,
    figure,
    person_links,
    persons,
    screenshot,
    sign_in,
)
from tests.web.webhelp import make_user

pytestmark = BROWSER_MARKS

FIGURES = ("persons", "arrested", "convicted", "safeguarded", "referrals_sent")
SECTIONS = ("accounts", "identifiers", "attribution", "priority", "network", "timeline")
_PERSON_HREF = re.compile(r'href="/persons/([^"/?#]+)"')
NOTE = "Synthetic test case: arrest recorded from the browser test"


def _is_htmx_search(request: Request, query: str) -> bool:
    """An htmx request of the persons search for ``query`` (typing sends one per pause)."""
    url = urlparse(request.url)
    return (
        url.path == "/persons"
        and request.headers.get("hx-request") == "true"
        and parse_qs(url.query).get("q") == [query]
    )


def test_admin_finds_a_person_records_an_arrest_and_the_dashboard_counts_it(
    server: LiveServer, page: Page, console: ConsoleWatch, screenshots: Path
) -> None:
    admin = make_user(server.case, "ada", "admin")
    target = persons(server.case)[0]
    sign_in(page, server, admin)

    before = {name: figure(page, name) for name in FIGURES}
    assert before["persons"] > 0 and before["referrals_sent"] >= 1, before
    charts = page.locator(".chart svg")
    assert charts.count() >= 1, "no inline SVG chart (.chart svg) on the dashboard"
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 50, box
    cells = page.locator("table td, table th").all_inner_texts()
    referred = list_referrals(server.case)[0].country
    assert any(re.search(rf"\b{referred}\b", c) for c in cells), "no by-country figures table"
    screenshot(page, screenshots, "dashboard")

    page.locator("header nav a[href='/persons']").click()
    page.wait_for_url(server.url + "/persons")
    page.evaluate("window.rescueNoReload = true")
    with page.expect_response(lambda r: _is_htmx_search(r.request, target.username)) as searched:
        page.locator("input[name='q']").press_sequentially(target.username, delay=20)
    found = _PERSON_HREF.findall(searched.value.text())
    assert target.person_id in found, f"searching {target.username!r} found {found}"
    # Wait for htmx to swap the answer in: the unfiltered first page has other persons.
    expect(page.locator("#results a[href^='/persons/']")).to_have_count(len(found))
    assert person_links(page) == found
    assert page.evaluate("window.rescueNoReload") is True, "the search reloaded the page"
    link = page.locator(f"#results a[href='/persons/{target.person_id}']")
    screenshot(page, screenshots, "persons")

    link.first.click()
    page.wait_for_url(server.url + f"/persons/{target.person_id}")
    expect(page.locator("h1")).to_contain_text(target.person_id)
    headings = " ".join(page.locator("h2, h3").all_inner_texts()).lower()
    assert [s for s in SECTIONS if s not in headings] == [], f"sections: {headings!r}"
    _assert_network_drawn(page)
    screenshot(page, screenshots, "person")

    form = page.locator("form#outcome-form")
    expect(form).to_be_visible()
    kinds = form.locator("select[name='kind'] option").evaluate_all("os => os.map(o => o.value)")
    assert set(KINDS) <= set(kinds), kinds
    form.locator("select[name='kind']").select_option("arrested")
    form.locator("[name='count']").fill("1")
    form.locator("[name='date']").fill(server.clock().date().isoformat())  # the server's day
    form.locator("[name='note']").fill(NOTE)
    outcomes_url = f"{server.url}/persons/{target.person_id}/outcomes"
    with page.expect_request(lambda r: r.method == "POST" and r.url == outcomes_url) as posted:
        form.locator("[type='submit']").click()
    back = posted.value.redirected_to
    assert back is not None, "recording the outcome did not redirect"
    assert urlparse(back.url).path == f"/persons/{target.person_id}", back.url
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(target.person_id)
    recorded = outcomes_for(server.case, target.person_id)
    assert [(o.kind, o.recorded_by, o.note) for o in recorded] == [("arrested", "ada", NOTE)]

    page.locator("header nav a[href='/']").click()
    page.wait_for_url(server.url + "/")
    after = {name: figure(page, name) for name in FIGURES}
    assert after == {**before, "arrested": before["arrested"] + 1}

    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_url(server.url + "/login")
    page.goto(server.url + "/")
    assert urlparse(page.url).path == "/login", "the session outlived sign-out"
    console.assert_clean()


def test_search_and_filters_work_without_javascript_for_a_reader(
    browser: Browser, server: LiveServer
) -> None:
    """A reviewer whose browser runs no scripts: the plain form submit searches and filters,
    and the person page offers no outcome form (reviewers change nothing)."""
    everyone = persons(server.case)
    target = everyone[0]
    reviewer = make_user(server.case, "rey", "reviewer")
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, server, reviewer)
        page.goto(server.url + "/persons")
        for name in ("country", "tier", "role"):
            assert page.locator(f"select[name='{name}']").count() == 1, f"no {name} filter"
        page.locator("input[name='q']").fill(target.username)
        page.locator("input[name='q']").press("Enter")
        page.wait_for_url(re.compile(r"/persons\?(.*&)?q="))
        assert target.person_id in person_links(page)

        assert target.country is not None
        page.goto(server.url + "/persons")
        page.locator("select[name='country']").select_option(target.country)
        page.locator("input[name='q']").press("Enter")
        page.wait_for_url(re.compile(r"/persons\?(.*&)?country="))
        listed = person_links(page)
        home = {p.person_id for p in everyone if p.country == target.country}
        assert listed and set(listed) <= home, listed

        page.goto(server.url + f"/persons/{target.person_id}")
        expect(page.locator("h1")).to_contain_text(target.person_id)
        assert page.locator("form#outcome-form").count() == 0, "a reviewer may record outcomes"
    finally:
        context.close()


def _assert_network_drawn(page: Page) -> None:
    """The network neighbourhood is server-rendered SVG: inline, or an <img> of network.svg."""
    image = page.locator("img[src$='/network.svg']")
    if image.count():
        assert image.first.evaluate("i => i.complete && i.naturalWidth > 0"), "network.svg"
        return
    assert page.locator("svg").count() >= 1, "no network drawing (inline SVG or network.svg)"
