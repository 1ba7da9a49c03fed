"""The API docs page in a real browser: it renders, breaks no CSP rule and loads nothing from outside."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import override_settings


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_with_only_our_own_requests(live_server, chromium_browser) -> None:
    # The session's one Chromium (tests/browser/conftest.py): a second sync_playwright() in the same process
    # refuses to start inside the first one's event loop.
    requests: list[str] = []
    console: list[str] = []
    # The test server serves static files through whitenoise's finders.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        context = chromium_browser.new_context()
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI drew the operations
        page.screenshot(path=str(Path(settings.BASE_DIR) / "test-artifacts" / "api-docs.png"), full_page=False)
        context.close()
    ours = urlsplit(live_server.url).netloc
    outside = [u for u in requests if urlsplit(u).scheme in {"http", "https"} and urlsplit(u).netloc != ours]
    assert not outside, outside
    assert not [m for m in console if "Content Security Policy" in m], console
