"""The demo seed gives demo treasurers and organisers a known TOTP key, so the demo stays usable."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


@pytest.mark.slow
def test_seed_demo_gives_two_factor_roles_the_demo_device_once(db, client) -> None:
    call_command("seed_demo", "--savers", "2", "--quiet")
    call_command("seed_demo", "--savers", "2", "--quiet")  # idempotent
    treasurer = User.objects.get(email="kassor@demo.lokalkapital.se")
    organiser = User.objects.get(email="arrangor@demo.lokalkapital.se")
    saver = User.objects.get(email="sparare@demo.lokalkapital.se")
    assert TOTPDevice.objects.filter(user=treasurer, confirmed=True).count() == 1
    assert TOTPDevice.objects.filter(user=organiser, confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user=saver).exists()

    from io import StringIO

    out = StringIO()
    call_command("demo_totp_code", stdout=out)
    code = out.getvalue().split()[0]
    client.post("/login/", {"username": treasurer.email, "password": "lokal-demo-2026"})
    assert client.post("/account/two-factor/verify/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
