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


def _approved_refund_batch(saver, treasurer):  # type: ignore[no-untyped-def]
    from accounts.services import user_set_refund_iban
    from tests.security.test_refund_account_change import ATTACKER, _refund_batch
    from treasury.services import payout_approve

    user_set_refund_iban(user=saver, iban=ATTACKER)
    batch = _refund_batch(saver, treasurer)
    approver = UserFactory(roles=(Role.TREASURER,))
    return payout_approve(batch=batch, by=approver, confirm_recent_accounts=True), approver


def test_downloading_a_payment_file_needs_a_fresh_code_by_api_and_page(client, saver, treasurer) -> None:
    batch, approver = _approved_refund_batch(saver, treasurer)
    api = APIClient()
    login_verified(api, approver, step_up=False)
    response = api.post(f"/api/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "step_up_required"
    login_verified(client, approver, step_up=False)
    page = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"})
    assert page.status_code == 302 and page["Location"].startswith("/account/two-factor/verify/")
    batch.refresh_from_db()
    assert batch.exported_at is None and batch.status == "approved"

    login_verified(client, approver)  # a code just now
    download = client.post(f"/treasury/payouts/{batch.pk}/export/", {"file_format": "csv"})
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_changing_a_funds_rules_by_api_needs_a_fresh_code(organiser) -> None:
    from invest.funds.models import FundRulesVersion
    from invest.funds.services import fund_rules_set
    from tests.api.test_funds import RULES
    from tests.factories import MicroFundFactory

    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    body = {"max_per_project_percent": "30.50", "note": "Stämman"}
    api = APIClient()
    login_verified(api, organiser, step_up=False)
    response = api.post(f"/api/funds/{fund.pk}/rules/", body, format="json")
    assert response.status_code == 403 and response.json()["code"] == "step_up_required"
    assert FundRulesVersion.objects.filter(fund=fund).count() == 1
    login_verified(api, organiser)  # a code just now
    assert api.post(f"/api/funds/{fund.pk}/rules/", body, format="json").status_code == 201
    assert FundRulesVersion.objects.filter(fund=fund).count() == 2
