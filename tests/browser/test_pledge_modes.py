"""Support saving in the browser: only the chosen mode's inputs show, a value typed in the other mode is never
sent, and the savings-points estimate follows both modes."""

from __future__ import annotations

import re

import pytest

from accounts.roles import Role
from pools.models import Pledge
from tests.factories import PoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kvarnhjul-i-ödeby-42"


def test_lump_sum_mode_hides_monthly_inputs_updates_the_estimate_and_keeps_the_lump_sum(
    live_server, browser_page, screenshot
):
    page = browser_page
    pool = PoolFactory(title="Bystugans fönster")
    UserFactory(email="klump@example.se", password=PASSWORD, roles=(Role.SAVER,), language="sv")
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "klump@example.se")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/pools/{pool.pk}/")
    assert page.is_visible("input[name=monthly_amount]") and not page.is_visible("input[name=amount]")
    page.fill("input[name=monthly_amount]", "100")
    page.fill("input[name=months]", "12")
    page.check("input[name=saving_mode][value=lump]")
    assert not page.is_visible("input[name=monthly_amount]") and page.is_visible("input[name=amount]")
    page.fill("input[name=amount]", "5000")
    page.fill("input[name=term_months]", "12")
    # 5 000 kr kept for 12 months: 60 000 krona-months, grouped as a Swedish number
    page.locator("#points-estimate", has_text=re.compile(r"60 000")).wait_for()
    screenshot(page, "lump-sum")
    page.click("form.pledge-form button[type=submit]")
    page.wait_for_url(re.compile(r"/my/pledges/\d+/receipt/$"))
    pledge = Pledge.objects.get()
    assert (pledge.amount_ore, pledge.monthly_ore, pledge.term_months) == (500_000, None, 12)
