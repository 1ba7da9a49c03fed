"""Powers follow permissions, not group names: two-factor, tokens and the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from pools.models import PledgeKind
from pools.services import pledge_create
from tests.factories import PoolFactory, UserFactory, totp_device_for
from tests.twofactor import login_verified

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


def _superuser() -> User:
    return User.objects.create_superuser("root@example.org", PASSWORD)


def _with_permission(codename: str) -> User:
    user = UserFactory(roles=())
    user.set_password(PASSWORD)
    user.save()
    app_label, name = codename.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return User.objects.get(pk=user.pk)


def _staff() -> User:
    return User.objects.create_user("staff@example.org", PASSWORD, is_staff=True)


@pytest.mark.parametrize(
    "make_user",
    [
        _superuser,
        _staff,
        lambda: _with_permission("pools.approve_payouts"),
        lambda: _with_permission("pools.view_reports"),
        lambda: _with_permission("invest.manage_funds"),
        lambda: _with_permission("invest.manage_fairs"),
    ],
    ids=["superuser", "staff", "approve_payouts", "view_reports", "manage_funds", "manage_fairs"],
)
def test_a_power_without_a_group_gets_no_token(make_user) -> None:
    user = make_user()
    response = APIClient().post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "token_not_allowed_for_role"
    assert not Token.objects.filter(user=user).exists()


def test_an_old_token_of_a_superuser_is_refused() -> None:
    user = _superuser()
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/treasury/audit/")
    assert response.status_code == 401  # a refused credential: token authentication answers 401
    assert response.json()["code"] == "token_not_allowed_for_role"


def test_superuser_without_verified_device_is_refused_the_treasury_api_and_pages(client) -> None:
    user = _superuser()
    api = APIClient()
    api.force_login(user)
    for path in ("/api/treasury/audit/", "/api/treasury/payments/", "/api/treasury/reports/overview/"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "two_factor_required", path
    client.force_login(user)
    page = client.get("/treasury/")
    assert page.status_code == 302 and "/account/two-factor/" in page["Location"]


def test_saver_still_gets_a_token() -> None:
    user = UserFactory()
    user.set_password(PASSWORD)
    user.save()
    response = APIClient().post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_admin_refuses_a_superuser_with_a_password_alone(client) -> None:
    user = _superuser()
    totp_device_for(user)
    client.force_login(user)
    # The admin is itself behind the site-wide two-factor redirect; without it, OTPAdminSite refuses too.
    response = client.get("/admin/")
    assert response.status_code == 302
    from django.contrib import admin

    request = type("R", (), {"user": user})()
    user.is_verified = lambda: False  # what django-otp's middleware sets for an unverified session
    assert admin.site.has_permission(request) is False


def test_admin_login_form_asks_for_the_second_factor(client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"otp_token" in response.content


def test_admin_shows_no_totp_key_or_token_key(client) -> None:
    user = _superuser()
    device = totp_device_for(user)
    token = Token.objects.create(user=UserFactory())
    login_verified(client, user)
    pages = [
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        "/admin/authtoken/tokenproxy/",
    ]
    for path in [*pages, f"/admin/authtoken/tokenproxy/{token.user_id}/change/"]:
        response = client.get(path)
        assert response.status_code in (200, 302, 403), path
        html = response.content.decode()
        assert device.key not in html, path
        assert token.key not in html, path
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_admin_does_not_edit_money_records(client) -> None:
    user = _superuser()
    login_verified(client, user)
    pledge = pledge_create(
        pool=PoolFactory(), saver=UserFactory(), kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12
    )
    page = client.get(f"/admin/pools/pledge/{pledge.pk}/change/")
    assert page.status_code == 200
    before = pledge.amount_ore
    client.post(f"/admin/pools/pledge/{pledge.pk}/change/", {"amount_ore": before + 1, "status": "fulfilled"})
    pledge.refresh_from_db()
    assert pledge.amount_ore == before and pledge.status != "fulfilled"
    for model in ("pledge", "payment"):
        assert client.get(f"/admin/pools/{model}/add/").status_code == 403
    assert client.get("/admin/treasury/payoutline/add/").status_code == 403
