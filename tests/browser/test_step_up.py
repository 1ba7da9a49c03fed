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


def _stale_page(chromium_browser, live_server, user):  # type: ignore[no-untyped-def]
    """A browser page logged in with two factors long enough ago that a money act asks for a fresh code."""
    client = Client()
    login_verified(client, user, step_up=False)
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context, context.new_page()


def _enter_code(page, device) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_url("**/account/two-factor/verify/**")
    time.sleep(0.1)
    page.fill("input[name=code]", totp_code(device))
    page.click("main form button[type=submit]")


def test_downloading_a_payment_file_asks_for_a_fresh_code(chromium_browser, live_server, screenshot):
    from treasury.services import payout_approve

    preparer = UserFactory(roles=(Role.TREASURER,))
    saver = UserFactory()
    user_set_refund_iban(user=saver, iban="SE4550000000058398257466")
    approver = UserFactory(roles=(Role.TREASURER,), language="en")
    device = totp_device_for(approver)
    batch = payout_approve(batch=_refund_batch(saver, preparer), by=approver, confirm_recent_accounts=True)
    context, page = _stale_page(chromium_browser, live_server, approver)
    page.goto(f"{live_server.url}/treasury/payouts/{batch.pk}/")
    page.click("form[action$='/export/'] button")
    _enter_code(page, device)
    page.wait_for_url(f"{live_server.url}/treasury/payouts/{batch.pk}/")
    screenshot(page, "payment-file-after-step-up-en")
    batch.refresh_from_db()
    assert batch.exported_at is None  # the stale request exported nothing
    with page.expect_download() as download:
        page.click("form[action$='/export/'] button")
    assert download.value.suggested_filename
    batch.refresh_from_db()
    assert batch.exported_at is not None
    context.close()


def test_changing_fund_rules_asks_for_a_fresh_code(chromium_browser, live_server, screenshot):
    from invest.funds.models import FundRulesVersion
    from invest.funds.services import fund_rules_set
    from tests.api.test_funds import RULES
    from tests.factories import MicroFundFactory

    organiser = UserFactory(roles=(Role.ORGANISER,), language="en")
    device = totp_device_for(organiser)
    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    context, page = _stale_page(chromium_browser, live_server, organiser)
    page.goto(f"{live_server.url}/funds/{fund.slug}/rules/")
    page.fill("input[name=note]", "Stämman")
    page.click("main form.stack button")
    _enter_code(page, device)
    page.wait_for_url(f"{live_server.url}/funds/{fund.slug}/rules/")
    assert FundRulesVersion.objects.filter(fund=fund).count() == 1
    page.fill("input[name=max_per_project_percent]", "30.50")
    page.fill("input[name=note]", "Stämman")
    page.click("main form.stack button")
    page.wait_for_load_state()
    screenshot(page, "fund-rules-after-step-up-en")
    assert FundRulesVersion.objects.filter(fund=fund).count() == 2
    context.close()
