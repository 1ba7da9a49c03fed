"""The API docs page in a real browser: it renders, breaks no CSP rule and loads nothing from outside."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_with_only_our_own_requests(live_server, tmp_path) -> None:
    from pathlib import Path

    from django.conf import settings
    from django.test import override_settings
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("needs Debian's chromium (make system-deps)")
    requests: list[str] = []
    console: list[str] = []
    # The test server serves static files through whitenoise's finders.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI drew the operations
        page.screenshot(path=str(Path(settings.BASE_DIR) / "test-artifacts" / "api-docs.png"), full_page=False)
        browser.close()
    ours = urlsplit(live_server.url).netloc
    outside = [u for u in requests if urlsplit(u).scheme in {"http", "https"} and urlsplit(u).netloc != ours]
    assert not outside, outside
    assert not [m for m in console if "Content Security Policy" in m], console
