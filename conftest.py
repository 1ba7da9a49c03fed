"""Loaded before Django starts: tests run with DJANGO_ENV=test (in-process broker, local cache)."""

import os

os.environ.setdefault("DJANGO_ENV", "test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright with live_server
