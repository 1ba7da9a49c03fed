"""Personal data and treasury exports are sent with Cache-Control: no-store."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.test_permission_matrix import world  # noqa: F401  (the fixture, reused)
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_savers_personal_pages_and_downloads_are_no_store(client, saver) -> None:
    client.force_login(saver)
    for path in ("/my/data.json", "/my/data.csv", "/my/pledges/", "/my/data/", "/my/preferences/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), path


def test_the_api_export_with_a_token_is_no_store(saver) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=saver).key}")
    for path in ("/api/me/export/", "/api/me/", "/api/pledges/"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), path


def test_treasury_exports_are_no_store(client, treasurer, pool) -> None:
    login_verified(client, treasurer)
    for export in ("csv", "xlsx"):
        response = client.get("/treasury/reports/overview/", {"export": export})
        assert response.status_code == 200, export
        assert _no_store(response), export
    api = APIClient()
    login_verified(api, treasurer)
    response = api.get("/api/treasury/reports/overview/")
    assert response.status_code == 200
    assert _no_store(response)


def test_anonymous_public_pages_stay_cacheable(client, pool) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert not _no_store(response)


def test_pages_behind_secret_links_are_no_store_for_anyone(client, world) -> None:  # noqa: F811
    """A secret link (fair pledge confirmation, e-mail confirmation, password reset) is the credential:
    the page behind it shows a person's pledge or lets them set a password, so no cache may keep it."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    pledge = world.x["card_pledge"]
    user = world.users["saver"]
    reset = f"/password-reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"
    confirm_email = "/confirm-email/not-a-real-token-but-long-enough/"
    for path in (f"/pledges/confirm/{pledge.confirmation_token}/", confirm_email, reset):
        response = client.get(path, follow=True)
        assert response.status_code < 500, path
        assert _no_store(response), (path, response.get("Cache-Control"))
        assert _no_store(client.get(path)), path  # the first answer too (a redirect to the form)
