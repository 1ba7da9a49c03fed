"""Every page kind, as every demo role (and a visitor), at phone and desktop width: axe-core finds no serious
or critical violation, and no button or link (link-style buttons included) has text under 4.5:1 contrast.
Screenshots of every page land in test-artifacts/screenshots/ (desktop here; the walkthrough takes the phone
ones in both languages)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser.a11y import low_contrast_controls, serious_axe_violations
from tests.browser.test_walkthrough import NOT_A_PAGE, log_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ROLES = [
    None,  # a visitor who is not logged in
    "sparare@demo.lokalkapital.se",
    "agare@demo.lokalkapital.se",
    "kassor@demo.lokalkapital.se",
    "arrangor@demo.lokalkapital.se",
]
BELOW_NAV = 10
# Page kinds each role reaches over both widths (a floor: a role whose pages stop linking to each other fails).
MIN_PAGE_KINDS = {None: 12, ROLES[1]: 16, ROLES[2]: 24, ROLES[3]: 40, ROLES[4]: 24}
# One page per kind: URLs differing only in their numbers are the same page kind.
PAGE_KIND = re.compile(r"\d+")


def check_pages(page: Any, base: str, screenshot: Any, label: str, problems: list[str]) -> int:
    """Visit the header's pages and one of each page kind below them; record axe and contrast problems."""
    nav = page.locator("header.site nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    queue = list(dict.fromkeys(["/", *nav]))
    kinds: set[str] = set()
    from_nav = set(queue)
    visited = 0
    while queue:
        url = queue.pop(0)
        kind = PAGE_KIND.sub("N", url.split("?")[0])
        if kind in kinds or NOT_A_PAGE.search(url):
            continue
        kinds.add(kind)
        response = page.goto(base + url)
        page.wait_for_load_state("load")
        if response is None or response.status != 200:
            problems.append(f"{label} {url}: status {response.status if response else None}")
            continue
        visited += 1
        screenshot(page, f"{label}-{re.sub(r'[^a-z0-9]+', '_', url.lower()).strip('_') or 'home'}")
        for line in serious_axe_violations(page):
            problems.append(f"{label} {url}: {line}")
        for control in low_contrast_controls(page):
            problems.append(f"{label} {url}: low contrast {control}")
        if url in from_nav:
            below = page.locator("main a[href^='/']").evaluate_all("as => as.map(a => a.getAttribute('href'))")
            queue.extend([h for h in dict.fromkeys(below) if not NOT_A_PAGE.search(h)][:BELOW_NAV])
    return visited


@pytest.mark.parametrize("email", ROLES, ids=[e.split("@")[0] if e else "visitor" for e in ROLES])
def test_every_page_kind_has_no_serious_axe_violation_nor_low_contrast_control(
    live_server, chromium_browser, screenshot, email
):
    """One role per test (both widths), so that the checks share the workers and none runs for minutes."""
    call_command("seed_demo", savers=3, quiet=True)
    problems: list[str] = []
    visited = 0
    # Phone in Swedish and desktop in English: both widths and both languages with one pass each.
    # One log-in for both: a second one within the same 30 s would offer the two-factor code again, which is refused.
    signed_in = None
    for viewport, language, width in ((PHONE, "sv", "phone"), (DESKTOP, "en", "desktop")):
        context = chromium_browser.new_context(viewport=viewport, storage_state=signed_in)
        page = context.new_page()
        if email and signed_in is None:
            log_in(page, live_server.url, email)
            signed_in = context.storage_state()
        else:
            page.goto(live_server.url + "/")
        switch_language(page, language)
        who = email.split("@")[0] if email else "visitor"
        visited += check_pages(page, live_server.url, screenshot, f"a11y-{who}-{width}-{language}", problems)
        context.close()
    assert visited >= MIN_PAGE_KINDS[email], f"only {visited} pages checked"
    assert not problems, "\n".join(problems)


def test_link_style_buttons_are_readable(live_server, browser_page):
    """The contrast check itself: a link-style button on a white card is not white on white."""
    browser_page.goto(live_server.url + "/login/")
    browser_page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<div class="card"><button class="link" id="probe">Återför</button></div>\')'
    )
    assert low_contrast_controls(browser_page) == []
    browser_page.evaluate("document.getElementById('probe').style.color = '#fff'")
    assert [c["text"] for c in low_contrast_controls(browser_page)] == ["Återför"]
