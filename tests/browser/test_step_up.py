"""Step-up in the browser: approving a payout list asks for a fresh two-factor code first."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accounts.roles import Role
from accounts.services import user_set_refund_iban
from tests.factories import UserFactory, totp_code, totp_device_for
from tests.security.test_refund_account_change import _refund_batch
from tests.twofactor import login_verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("language", "width"), [("sv", 390), ("en", 1280)])
def test_approving_a_payout_list_asks_for_a_fresh_code(chromium_browser, live_server, screenshot, language, width):
    preparer = UserFactory(roles=(Role.TREASURER,))
    saver = UserFactory()
    # Set just now: the approver must also tick the recently-changed-account confirmation.
    user_set_refund_iban(user=saver, iban="SE4550000000058398257466")
    batch = _refund_batch(saver, preparer)
    approver = UserFactory(roles=(Role.TREASURER,), language=language)
    device = totp_device_for(approver)
    client = Client()
    login_verified(client, approver, step_up=False)  # verified at login, long enough ago
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/treasury/payouts/{batch.pk}/")
    screenshot(page, f"payout-before-step-up-{language}")
    page.check("input[name=confirm_recent_accounts]")
    page.click("form[action$='/approve/'] button")
    page.wait_for_url("**/account/two-factor/verify/**")
    screenshot(page, f"step-up-code-{language}")
    time.sleep(0.1)
    page.fill("input[name=code]", totp_code(device))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/treasury/payouts/{batch.pk}/")
    page.check("input[name=confirm_recent_accounts]")
    page.click("form[action$='/approve/'] button")
    page.wait_for_load_state()
    screenshot(page, f"payout-approved-{language}")
    batch.refresh_from_db()
    assert batch.status == "approved" and batch.approved_by_id == approver.pk
    context.close()
