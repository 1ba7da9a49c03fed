"""Development (DEBUG) serves uploads from MEDIA_ROOT for convenience, but only the public ones: bank files and
report files hold savers' payments and are downloaded only through views that check who asks."""

from __future__ import annotations

import importlib

import pytest
from django.urls import Resolver404, clear_url_caches, resolve

import config.urls


@pytest.fixture
def debug_urls(settings):
    settings.DEBUG = True
    module = importlib.reload(config.urls)
    clear_url_caches()
    yield module
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.parametrize("path", ["/media/communities/logo.png", "/media/projects/2026/plan.pdf"])
def test_development_serves_public_uploads(debug_urls, path):
    assert resolve(path, urlconf=debug_urls).func.__name__ == "serve"


@pytest.mark.parametrize(
    "path",
    [
        "/media/bankfiles/" + "a" * 64 + ".txt",
        "/media/reports/12/pledges.csv",
        "/media/communities/../bankfiles/x.txt",
        "/media/",
    ],
)
def test_development_does_not_serve_private_files(debug_urls, path):
    with pytest.raises(Resolver404):
        match = resolve(path, urlconf=debug_urls)
        if match.func.__name__ != "serve":  # another page answering the path is no file
            raise Resolver404
