"""Who sees what, in a real browser: a partner force scoped to one country, and a session that
locks after inactivity and unlocks where its user was."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlparse

from playwright.sync_api import Page, expect

from tests.browser.browserhelp import (
    BROWSER_MARKS,
    ConsoleWatch,
    LiveServer,
    figure,
    person_links,
    persons,
    screenshot,
    sign_in,
    totp_now,
)
from tests.web.webhelp import PASSWORD, make_user

pytestmark = BROWSER_MARKS


def test_a_partner_sees_the_persons_of_its_country_only(
    server: LiveServer, page: Page, console: ConsoleWatch, screenshots: Path
) -> None:
    everyone = persons(server.case)
    by_country = Counter(p.country for p in everyone if p.country)
    assert len(by_country) >= 2, f"the case needs persons in two countries: {by_country}"
    home = by_country.most_common(1)[0][0]
    ours = [p for p in everyone if p.country == home]
    theirs = next(p for p in everyone if p.country and p.country != home)
    partner = make_user(server.case, "pia", "partner", (home,))
    sign_in(page, server, partner)

    shown = figure(page, "persons")
    assert 0 < shown < len(everyone), f"a {home} partner's dashboard counts {shown} persons"

    page.goto(server.url + "/persons")
    listed = person_links(page)
    assert listed, f"a {home} partner sees no persons"
    assert set(listed) <= {p.person_id for p in ours}, "persons of other countries listed"
    screenshot(page, screenshots, "partner-persons")

    page.goto(server.url + f"/persons?q={quote(theirs.username)}")
    assert theirs.person_id not in person_links(page), "search found another country's person"

    response = page.goto(server.url + f"/persons/{theirs.person_id}")
    assert response is not None and response.status == 404, "another country's person opened"

    response = page.goto(server.url + f"/persons/{ours[0].person_id}")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_contain_text(ours[0].person_id)
    expect(page.locator("form#outcome-form")).to_be_visible()
    console.assert_clean(expected_failures=(f"/persons/{theirs.person_id}",))


def test_an_idle_session_locks_and_unlocks_where_its_user_was(
    server: LiveServer, page: Page, console: ConsoleWatch
) -> None:
    admin = make_user(server.case, "ada", "admin")
    target = persons(server.case)[0]
    where = f"/persons/{target.person_id}"
    sign_in(page, server, admin)
    page.goto(server.url + where)
    expect(page.locator("h1")).to_contain_text(target.person_id)

    server.clock.advance(minutes=server.sessions.idle_minutes + 1)
    page.reload()
    assert urlparse(page.url).path == "/unlock", f"an idle session still opens {page.url}"
    expect(page.locator("h1")).to_contain_text("locked")
    assert target.person_id not in page.locator("main").inner_text(), "the lock shows the case"

    form = page.locator("form[action='/unlock']")
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("input[name='code']").fill(totp_now(admin, server.clock))
    form.locator("button[type='submit']").click()
    page.wait_for_url(server.url + where)
    expect(page.locator("h1")).to_contain_text(target.person_id)
    console.assert_clean()
