"""Security headers and the content security policy on pages and API responses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings


@pytest.mark.parametrize("path", ["/", "/login/", "/api/", "/api/pools/"])
def test_responses_carry_the_security_headers(client, path: str, db) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ):
        assert directive in policy, directive
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy


def test_production_settings_add_hsts_and_secure_cookies() -> None:
    # Checked by `make deploy-check` (manage.py check --deploy --fail-level WARNING) in production mode;
    # here: the production block exists and the test settings do not pretend to be it.
    source = (Path(settings.BASE_DIR) / "config" / "settings.py").read_text()
    for name in ("SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"):
        assert name in source


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script> (use a static file)"),
    (re.compile(r"<style\b", re.I), "inline <style> (use a static stylesheet)"),
    (re.compile(r"""\sstyle\s*=\s*["']""", re.I), "style= attribute"),
    (re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I), "on...= event handler attribute"),
    (re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I), "a file from another site (no CDN)"),
]


def test_page_templates_have_nothing_the_policy_would_block() -> None:
    roots = [Path(settings.BASE_DIR) / "web" / "templates", Path(settings.BASE_DIR) / "api" / "templates"]
    problems = []
    for root in roots:
        for template in root.rglob("*.html"):
            if "emails" in template.parts:  # emails are not served under the site's policy
                continue
            # *_pdf.html templates are only rendered to PDF by WeasyPrint (which needs its styles inline),
            # never served to a browser, so the page policy does not apply to them.
            if template.name.endswith("_pdf.html"):
                continue
            text = template.read_text()
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    problems.append(f"{template.relative_to(settings.BASE_DIR)}: {what}: {match.group(0)}")
    assert not problems, "\n".join(problems)
