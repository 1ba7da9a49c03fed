"""A new user's walk through the platform: every demo role logs in (with its TOTP code where two-factor is
required), and every link in the header's navigation, plus the pages one click below it, answers 200 in
Swedish and in English at phone width, with no console errors, no content-security-policy violations and a
way back to the home page. A screenshot of each page is saved under test-artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP

from demo.seeders.api import DEMO_TOTP_KEY_HEX

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lokal-demo-2026"
# Each role, and a link its header must show so the user finds their area.
ROLES = {
    "sparare@demo.lokalkapital.se": ["/my/pledges/", "/my/preferences/"],
    "agare@demo.lokalkapital.se": ["/my/pledges/", "/my/projects/"],
    "kassor@demo.lokalkapital.se": ["/treasury/", "/ops/jobs/"],
    "arrangor@demo.lokalkapital.se": ["/funds/", "/fairs/", "/ops/jobs/"],
}
# Downloads and machine endpoints are not pages a user reads.
NOT_A_PAGE = re.compile(r"\.(csv|pdf|json|svg|xlsx)$|/logout/|/export/|/api/|/admin/")
# Pages each role's walk reaches in both languages (a floor, about 80 % of today's: links that stop leading on fail).
MIN_PAGES = {
    "sparare@demo.lokalkapital.se": 30,
    "agare@demo.lokalkapital.se": 44,
    "kassor@demo.lokalkapital.se": 56,
    "arrangor@demo.lokalkapital.se": 38,
}
BELOW_NAV = 12  # pages one click below each navigation page, to keep the walk short


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    if "/account/two-factor/" in page.url:
        page.fill("input[name=code]", f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX)).token():06d}")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        # A code is taken once (django-otp refuses a replay): a second log-in within the same 30 s stays here.
        assert "/account/two-factor/" not in page.url, f"{email}'s two-factor code was refused"
    assert page.locator("header.site form[action='/logout/']").count() == 1, f"{email} is not logged in"


def switch_language(page: Any, language: str) -> None:
    if page.locator("html").get_attribute("lang") != language:
        # Wait for the form's own navigation: a page that is already loaded would satisfy wait_for_load_state at
        # once, and the next goto would race the language change.
        with page.expect_navigation():
            page.click("header.site form.lang button")
    assert page.locator("html").get_attribute("lang") == language


def walk(page: Any, base: str, screenshot: Any, label: str, problems: list[str], messages: list[str]) -> int:
    """Visit the header's links and the pages below them; record what a user would stumble over. Answers how many
    pages were visited."""
    nav = page.locator("header.site nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    queue = list(dict.fromkeys(["/", *nav]))
    seen: set[str] = set()
    from_nav = set(queue)
    while queue:
        url = queue.pop(0)
        if url in seen or NOT_A_PAGE.search(url):
            continue
        seen.add(url)
        messages.clear()
        response = page.goto(base + url)
        page.wait_for_load_state("load")
        name = re.sub(r"[^a-z0-9]+", "_", url.lower()).strip("_") or "home"
        screenshot(page, f"{label}-{name}")
        if response is None or response.status != 200:
            problems.append(f"{label} {url}: status {response.status if response else None}")
            continue
        if messages:
            problems.append(f"{label} {url}: console {messages[:3]}")
        violations = page.evaluate("window.__cspViolations || []")
        if violations:
            problems.append(f"{label} {url}: CSP blocks {violations}")
        if page.locator("header.site a.brand[href='/']").count() != 1:
            problems.append(f"{label} {url}: no way back to the home page")
        if url in from_nav:
            below = page.locator("main a[href^='/']").evaluate_all("as => as.map(a => a.getAttribute('href'))")
            fresh = [h for h in dict.fromkeys(below) if h not in seen and not NOT_A_PAGE.search(h)]
            queue.extend(fresh[:BELOW_NAV])
    return len(seen)


@pytest.mark.parametrize("email", list(ROLES), ids=[e.split("@")[0] for e in ROLES])
def test_every_role_reaches_every_navigation_page_in_both_languages(live_server, chromium_browser, screenshot, email):
    """One role per test, so that the walks share the workers and none runs for minutes."""
    call_command("seed_demo", savers=3, quiet=True)
    problems: list[str] = []
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__cspViolations.push(e.violatedDirective));"
    )
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(str(e)))
    log_in(page, live_server.url, email)
    shown = page.locator("header.site nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    for href in ROLES[email]:
        assert href in shown, f"{email}'s header lacks {href}: {shown}"
    visited = 0
    for language in ("sv", "en"):
        switch_language(page, language)
        visited += walk(page, live_server.url, screenshot, f"{email.split('@')[0]}-{language}", problems, messages)
    context.close()
    assert visited >= MIN_PAGES[email], f"only {visited} pages walked"
    assert not problems, "\n".join(problems)


def test_anonymous_header_offers_log_in_and_sign_up_only(live_server, browser_page):
    browser_page.goto(live_server.url + "/")
    hrefs = browser_page.locator("header.site nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs == ["/login/", "/signup/"]
