"""Personal data and treasury exports are sent with Cache-Control: no-store."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
