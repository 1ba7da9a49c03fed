"""Money powers: sessions end after 30 idle minutes; the riskiest acts ask for a fresh code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def test_a_treasurer_session_ends_after_the_idle_timeout(client, treasurer, settings) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_verified(client, treasurer)
        assert client.get("/treasury/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=settings.POWER_SESSION_IDLE_MINUTES - 1), tick=False):
        assert client.get("/treasury/").status_code == 200  # activity keeps it alive
    later = start + timedelta(minutes=2 * settings.POWER_SESSION_IDLE_MINUTES)
    with time_machine.travel(later, tick=False):
        response = client.get("/treasury/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert "_auth_user_id" not in client.session


def test_a_savers_session_has_no_idle_timeout(client, saver, settings) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(saver)
        assert client.get("/my/pledges/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=2 * settings.POWER_SESSION_IDLE_MINUTES), tick=False):
        assert client.get("/my/pledges/").status_code == 200


def test_the_api_needs_a_fresh_code_to_approve_or_export_or_change_fund_rules(treasurer) -> None:
    api = APIClient()
    login_verified(api, treasurer, step_up=False)
    for path in ("/api/treasury/payouts/999/approve/", "/api/treasury/payouts/999/export/", "/api/funds/999/rules/"):
        response = api.post(path, {}, format="json")
        assert response.status_code == 403, path
        assert response.json()["code"] in ("step_up_required", "permission_denied"), path
    response = api.post("/api/treasury/payouts/999/approve/", {}, format="json")
    assert response.json()["code"] == "step_up_required"


def test_the_payout_page_sends_an_approver_without_a_fresh_code_to_the_code_page(client) -> None:
    approver = UserFactory(roles=(Role.TREASURER,))
    login_verified(client, approver, step_up=False)
    response = client.post("/treasury/payouts/999/approve/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/verify/?next=%2Ftreasury%2Fpayouts%2F999%2F"


def test_fund_rules_page_asks_for_a_fresh_code(client, organiser) -> None:
    from tests.factories import MicroFundFactory

    fund = MicroFundFactory(organiser=organiser)
    login_verified(client, organiser, step_up=False)
    response = client.post(f"/funds/{fund.slug}/rules/", {})
    assert response.status_code == 302 and "/account/two-factor/verify/" in response["Location"]
