"""Shared Playwright fixtures: Debian's Chromium, one browser per session, a fresh page per test.

Use in any browser test:

    @pytest.mark.browser
    def test_x(live_server, browser_page, screenshot):
        browser_page.goto(live_server.url + "/")
        screenshot(browser_page, "home")

Tests skip with a clear reason when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# pytest-django's live_server runs Django in a thread while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        _bounded_contexts(browser)
        yield browser
        browser.close()


# Contexts opened during the running test; closed when it ends (see pytest_runtest_teardown).
_OPEN_CONTEXTS: list[Any] = []


def _bounded_contexts(browser: Any) -> None:
    """Every context a test opens waits at most 15 s for an action or a page, so a stuck page fails that test."""
    new_context = browser.new_context

    def bounded(*args: Any, **kwargs: Any) -> Any:
        context = new_context(*args, **kwargs)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(15_000)
        _OPEN_CONTEXTS.append(context)
        return context

    browser.new_context = bounded


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Every context the test opened is closed when it ends, whether the test closed it or not (it failed first, or
    forgot), and before its fixtures are torn down: an open page would go on calling the live server (the fair board
    polls every second) while the test's database is emptied, and into later tests."""
    while _OPEN_CONTEXTS:
        context = _OPEN_CONTEXTS.pop()
        with contextlib.suppress(Exception):  # the browser is gone
            context.close()


@pytest.fixture
def browser_page(chromium_browser: Any) -> Iterator[Any]:
    """A fresh context (no cookies) and page, phone-sized unless a test resizes it."""
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot as test-artifacts/screenshots/<test>-<nn>-<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    counter = {"n": 0}

    def take(page: Any, name: str) -> Path:
        counter["n"] += 1
        path = SCREENSHOT_DIR / f"{test_name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
