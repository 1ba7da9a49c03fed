"""A treasurer's report pages in the browser: sortable column heads and the totals row, at phone and desktop
width, in Swedish and English; a screenshot of each is saved under test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.test_walkthrough import log_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_report_pages_sort_by_a_column_head(live_server, chromium_browser, screenshot):
    call_command("seed_demo", savers=3, quiet=True)
    # One login for both widths: a second login within the same 30-second TOTP step would reuse the
    # code, which the second factor rightly refuses.
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server.url, "kassor@demo.lokalkapital.se")
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        for language in ("sv", "en"):
            switch_language(page, language)
            for kind in ("pools", "pledges"):
                page.goto(f"{live_server.url}/treasury/reports/{kind}/?as_of=2030-01-01")
                heads = page.locator("thead th a")
                assert heads.count() > 3
                page.locator("thead th a[href*='sort=pledged_ore']").click()
                page.wait_for_load_state()
                assert "sort=pledged_ore" in page.url
                assert page.locator("thead th[aria-sort=ascending]").count() == 1
                screenshot(page, f"{kind}-{language}-{width}")
    context.close()
