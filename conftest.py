"""Loaded before Django starts: tests run with DJANGO_ENV=test (in-process broker, local cache)."""

import os

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright with live_server


def pytest_addoption(parser):
    parser.addoption(
        "--scope-recorder",
        action="store_true",
        default=False,
        help="fail a test when community staff are served a read of a community-owned table without a "
        "community condition (tests/scoping.py; also LOKALKAPITAL_SCOPE_RECORDER=1)",
    )


def pytest_configure(config):
    if config.getoption("--scope-recorder") or os.environ.get("LOKALKAPITAL_SCOPE_RECORDER") == "1":
        from tests.scoping import ScopeRecorderPlugin

        config.pluginmanager.register(ScopeRecorderPlugin(), "scope-recorder")
