"""Login lockout (django-axes) on the login page and the token endpoint, and the login throttle."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def member(db):
    return UserFactory(email="medlem@example.se")


def _token(client: APIClient, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/api/auth/token/", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def test_token_endpoint_locks_out_after_repeated_failures_even_with_the_right_password(member, settings) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(client, member.email, "wrong").status_code == 400
    locked = _token(client, member.email, "wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    right = _token(client, member.email, PASSWORD)
    assert right.status_code == 429 and "token" not in right.json()


def test_lockout_counts_the_email_case_insensitively(member, settings) -> None:
    client = APIClient()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _token(client, member.email.upper() if i % 2 else member.email, "wrong")
    assert _token(client, member.email, PASSWORD).status_code == 429


def test_lockout_is_per_address_and_email(member, settings) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(client, member.email, "wrong", ip="10.0.0.1")
    assert _token(client, member.email, PASSWORD, ip="10.0.0.2").status_code == 200


def test_forged_forwarded_for_header_does_not_reset_the_count(member, settings) -> None:
    client = APIClient()
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/api/auth/token/",
            {"email": member.email, "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    assert _token(client, member.email, PASSWORD, ip="10.0.0.9").status_code == 429


def test_login_page_locks_out_after_repeated_failures(member, client, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page = client.post("/login/", {"username": member.email, "password": "wrong"})
        assert page.status_code == 200 and not page.wsgi_request.user.is_authenticated
    assert client.post("/login/", {"username": member.email, "password": "wrong"}).status_code == 429
    locked = client.post("/login/", {"username": member.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_success_before_the_limit_resets_the_count(member, settings) -> None:
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(client, member.email, "wrong")
    assert _token(client, member.email, PASSWORD).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(client, member.email, "wrong")
    assert _token(client, member.email, PASSWORD).status_code == 200


@override_settings(AXES_ENABLED=True)
def test_token_endpoint_is_throttled_per_address(member, settings) -> None:
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    client = APIClient()
    statuses = [_token(client, f"x{i}@example.se", "wrong", ip="10.1.1.1").status_code for i in range(rate + 1)]
    assert statuses[:rate] == [400] * rate
    assert statuses[-1] == 429


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email", "password": "x"},
        {"email": "a@b.se"},
        {"email": "a" * 10_000 + "@b.se", "password": "x"},
        {"email": "a@b.se", "password": "p" * 10_000},
        {"email": "<script>alert(1)</script>@b.se", "password": "x"},
        {"email": "' OR 1=1 --@b.se", "password": "x"},
        {"email": ["a@b.se"], "password": {"x": 1}},
        {"email": None, "password": None},
    ],
)
def test_token_endpoint_rejects_bad_input_with_400(body, db) -> None:
    response = APIClient().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_token_endpoint_rejects_non_json_list_body(db) -> None:
    response = APIClient().post("/api/auth/token/", [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
