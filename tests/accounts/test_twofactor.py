"""Two-factor authentication: treasurers and organisers must verify a TOTP code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.twofactor import totp_device_pending
from tests.factories import UserFactory, totp_code, totp_device_for

PASSWORD = "correct horse battery staple"


@pytest.fixture
def treasurer_client(client, treasurer):
    client.force_login(treasurer)
    return client


def test_treasurer_without_device_is_sent_to_setup(treasurer_client) -> None:
    response = treasurer_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/setup/")


def test_organiser_with_device_is_sent_to_verify_before_any_page(client, organiser) -> None:
    totp_device_for(organiser)
    client.force_login(organiser)
    for path in ("/", "/admin/", "/account/two-factor/setup/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/two-factor/verify/"), path


def test_saver_needs_no_second_factor(client, saver) -> None:
    client.force_login(saver)
    assert client.get("/").status_code == 200


def test_setup_shows_an_svg_qr_code_and_key_then_a_right_code_turns_it_on(treasurer_client, treasurer) -> None:
    page = treasurer_client.get("/account/two-factor/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="secret"' in html
    device = totp_device_pending(user=treasurer)
    assert device is not None and not device.confirmed
    bad_code = "000000" if totp_code(device) != "000000" else "111111"
    wrong = treasurer_client.post("/account/two-factor/setup/", {"code": bad_code})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    # django-otp makes the next try wait after a failure (1 s, then doubling): step past it.
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        done = treasurer_client.post("/account/two-factor/setup/", {"code": totp_code(device), "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert treasurer_client.get("/").status_code == 200  # this session is verified now


def test_verify_accepts_the_current_code_and_refuses_others(client, treasurer) -> None:
    device = totp_device_for(treasurer)
    client.force_login(treasurer)
    for bad in ("12345", "abcdef", "1" * 10_000, "<script>", ""):
        page = client.post("/account/two-factor/verify/", {"code": bad})
        assert page.status_code == 200, bad
    assert client.get("/").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        ok = client.post("/account/two-factor/verify/", {"code": totp_code(device), "next": "https://evil.example/"})
    assert ok.status_code == 302 and ok["Location"] == "/"  # no open redirect
    assert client.get("/").status_code == 200


def test_verified_session_unlocks_the_api_for_a_treasurer(client, treasurer, pool) -> None:
    device = totp_device_for(treasurer)
    api = APIClient()
    api.force_login(treasurer)
    assert api.get(f"/api/pools/{pool.pk}/").status_code == 403
    api.post("/account/two-factor/verify/", {"code": totp_code(device)})
    assert api.get(f"/api/pools/{pool.pk}/").status_code == 200


def test_login_then_verify_through_the_pages(client, db) -> None:
    organiser = UserFactory(roles=(Role.ORGANISER,))
    device = totp_device_for(organiser)
    response = client.post("/login/", {"username": organiser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith("/account/two-factor/verify/")
    client.post("/account/two-factor/verify/", {"code": totp_code(device)})
    assert client.get("/").status_code == 200


def test_unverified_user_cannot_enrol_a_new_device_over_an_existing_one(client, treasurer) -> None:
    totp_device_for(treasurer)
    client.force_login(treasurer)
    response = client.get("/account/two-factor/setup/")
    assert response.status_code == 302 and "/verify/" in response["Location"]
    assert TOTPDevice.objects.filter(user=treasurer).count() == 1


def test_token_endpoint_refuses_treasurers_and_organisers(treasurer, organiser) -> None:
    for user in (treasurer, organiser):
        response = APIClient().post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "token_not_allowed_for_role"


def test_existing_token_stops_working_when_a_saver_becomes_treasurer(saver, pool) -> None:
    from accounts.services import user_set_roles

    token = APIClient().post("/api/auth/token/", {"email": saver.email, "password": PASSWORD}, format="json").json()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert api.get(f"/api/pools/{pool.pk}/").status_code == 200
    user_set_roles(user=saver, roles=(Role.SAVER, Role.TREASURER))
    refused = api.get(f"/api/pools/{pool.pk}/")
    assert refused.status_code == 401 and refused.json()["code"] == "token_not_allowed_for_role"


def test_session_api_writes_need_the_csrf_token(saver) -> None:
    from django.test import RequestFactory
    from rest_framework.exceptions import PermissionDenied
    from rest_framework.request import Request

    from api.authentication import TwoFactorSessionAuthentication

    django_request = RequestFactory().post("/api/anything/", {"x": 1})
    django_request.user = saver
    django_request._dont_enforce_csrf_checks = False
    with pytest.raises(PermissionDenied):
        TwoFactorSessionAuthentication().authenticate(Request(django_request))


@pytest.mark.django_db(transaction=True)
def test_verify_works_outside_a_test_transaction(client) -> None:
    # Like a real request: no surrounding transaction. django-otp locks the devices while verifying,
    # which PostgreSQL refuses outside a transaction (a 500 before the fix; SQLite ignores the lock).
    treasurer = UserFactory(roles=(Role.TREASURER,))
    device = totp_device_for(treasurer)
    client.force_login(treasurer)
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        ok = client.post("/account/two-factor/verify/", {"code": totp_code(device)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
