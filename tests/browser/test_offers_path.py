"""A new saver through a regulated loan pool — information sheet, knowledge test, loss simulation, consent above
the limit, revoking on day three — and through a gift pool without any of these steps, in Swedish and English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from pools.models import Pledge, PledgeStatus, PoolKind
from pools.offers.models import OfferEvent
from tests.factories import PoolFactory
from tests.pools.offers_helpers import RIGHT_ANSWERS, regulated_loan_pool

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "kvarnhjul-i-ödeby-42"
TEXT = {
    "sv": {"warning": "varken kontrollerats eller godkänts", "consent": "förlora hela beloppet"},
    "en": {"warning": "neither verified nor approved", "consent": "lose the whole amount"},
}


def sign_up(page, live_server, *, email, language):
    page.goto(live_server.url + "/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=full_name]", "Stina Sparare")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.select_option("select[name=language]", language)
    page.click("form.stack button[type=submit]")
    # Sign-up logs nobody in (the answer must not tell whether the address had an account): log in.
    page.wait_for_url(live_server.url + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_new_saver_through_a_regulated_loan_pool_and_a_gift_pool(live_server, browser_page, screenshot, language):
    page = browser_page
    text = TEXT[language]
    loan_pool = regulated_loan_pool(title="Byabutikens lån", closes_on=timezone.localdate() + timedelta(days=30))
    gift_pool = PoolFactory(kind=PoolKind.FAIR, title="Bygdegårdens tak")
    email = f"stina-offers-{language}@example.se"
    sign_up(page, live_server, email=email, language=language)
    saver = User.objects.get(email=email)

    # 1. The key information sheet comes before the pool page and its pledge form.
    page.goto(f"{live_server.url}/pools/{loan_pool.pk}/")
    page.wait_for_url(re.compile(rf"/offers/pools/{loan_pool.pk}/sheet/$"))
    assert text["warning"] in page.locator("#risk-warning").inner_text()
    screenshot(page, "sheet")
    page.click("#sheet-read")

    # 2. The knowledge test and the loss simulation.
    page.wait_for_url(re.compile(r"/offers/assessment/"))
    for key, value in RIGHT_ANSWERS.items():
        page.check(f"input[name=q_{key}][value={value}]")
    page.fill("input[name=net_worth]", "100000")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#loss-simulation")
    screenshot(page, "loss-simulation")
    page.check("input[name=loss_acknowledged]")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(rf"/pools/{loan_pool.pk}/"))
    assert page.locator("#offer-steps").is_visible()

    # 3. Above the limit (11 500 kr: EUR 1,000 is more than 5 % of 100 000 kr) the consent box is needed.
    page.select_option("select[name=kind]", "loan")
    page.fill("input[name=amount]", "20000")
    page.click("form.pledge-form button[type=submit]")
    assert text["consent"] in page.content()
    screenshot(page, "consent-needed")
    page.check("input[name=risk_consent]")
    page.click("form.pledge-form button[type=submit]")
    page.wait_for_url(re.compile(r"/my/pledges/\d+/receipt/$"))
    pledge = Pledge.objects.get(saver=saver, pool=loan_pool)
    assert pledge.regulated.risk_consent_at is not None
    last_day = pledge.regulated.reflection_ends_on.isoformat()
    assert last_day in page.locator("#reflection-note").inner_text()
    screenshot(page, "receipt")

    # 4. On day three the saver revokes from My pledges.
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=True):
        page.goto(f"{live_server.url}/my/pledges/")
        row = page.locator(f"tr.revocable[data-pledge='{pledge.pk}']")
        assert last_day in row.inner_text()
        screenshot(page, "my-pledges-reflection")
        row.locator("button[type=submit]").click()
        page.wait_for_url(live_server.url + "/my/pledges/")
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.WITHDRAWN and pledge.regulated.revoked_at is not None
    assert page.locator("tr.revocable").count() == 0
    kinds = list(OfferEvent.objects.filter(saver=saver).values_list("kind", flat=True))
    assert kinds == ["sheet_read", "assessment", "regulated_pledge", "risk_consent", "revocation"]

    # 5. A gift pool: no sheet, no test, no consent, no reflection period.
    page.goto(f"{live_server.url}/pools/{gift_pool.pk}/")
    page.wait_for_url(f"{live_server.url}/pools/{gift_pool.pk}/")
    assert page.locator("#offer-steps").count() == 0 and page.locator("input[name=risk_consent]").count() == 0
    page.select_option("select[name=kind]", "gift")
    page.fill("input[name=amount]", "20000")
    page.click("form.pledge-form button[type=submit]")
    page.wait_for_url(re.compile(r"/my/pledges/\d+/receipt/$"))
    assert page.locator("#reflection-note").count() == 0
    gift = Pledge.objects.get(saver=saver, pool=gift_pool)
    assert not hasattr(gift, "regulated")
    screenshot(page, "gift-receipt")

    # The pages at desktop width too.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/offers/pools/{loan_pool.pk}/sheet/")
    screenshot(page, "sheet-desktop")
    page.goto(f"{live_server.url}/offers/assessment/")
    screenshot(page, "assessment-desktop")


def _logged_in(page, live_server, user) -> None:
    """Give the browser the session of a user logged in through the test client (no password typing)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_fair_card_interest_is_confirmed_online_through_the_regulated_steps(
    live_server, browser_page, screenshot, organiser, owner, language
):
    from accounts.roles import Role
    from pools.offers.models import OfferInstrument
    from pools.offers.services import pool_offer_set, sheet_approve, sheet_write
    from pools.totals import pool_totals_figures
    from tests.factories import UserFactory
    from tests.invest.fairs.builders import card, live_fair
    from tests.pools.offers_helpers import SHEET

    page = browser_page
    text = TEXT[language]
    saver = UserFactory(roles=(Role.SAVER,), language=language, email=f"kortsparare-{language}@example.se")
    _fair, (regulated, _plain) = live_fair(organiser, owner=owner)
    pool = regulated.pool
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN, interest_rate_bp=400)
    sheet_approve(sheet=sheet_write(pool=pool, by=owner, content=SHEET), by=organiser)

    # 1. At the fair: a 20 000 kr loan card to the regulated pool is an expression of interest, outside the totals.
    pledge = card(regulated, kind="loan", amount_ore=2_000_000, name="Karin Kort", email=saver.email).pledge
    assert pledge.status == PledgeStatus.INTEREST
    assert pool_totals_figures(pool_ids=[pool.pk])[pool.pk]["pledged_ore"] == 0

    # 2. After the fair the saver follows the card's link and lands on the confirmation page: sheet and warning.
    _logged_in(page, live_server, saver)
    page.goto(f"{live_server.url}/pledges/confirm/{pledge.confirmation_token}/")
    page.wait_for_url(re.compile(rf"/my/pledges/{pledge.pk}/confirm-interest/$"))
    assert text["warning"] in page.locator("#risk-warning").inner_text()
    assert page.locator(".sheet-section").count() >= 1
    assert page.locator("#confirm-interest").count() == 0  # the knowledge test comes first
    screenshot(page, "interest-sheet")

    # 3. The knowledge test and loss simulation are due: taken, then back to the confirmation page.
    page.click("#assessment-due a")
    page.wait_for_url(re.compile(r"/offers/assessment/"))
    for key, value in RIGHT_ANSWERS.items():
        page.check(f"input[name=q_{key}][value={value}]")
    page.fill("input[name=net_worth]", "100000")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#loss-simulation")
    page.check("input[name=loss_acknowledged]")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(rf"/my/pledges/{pledge.pk}/confirm-interest/$"))

    # 4. 20 000 kr is above the limit (EUR 1,000, more than 5 % of 100 000 kr): without the box it is refused.
    assert page.locator("#confirm-interest input[name=risk_consent]").is_visible()
    page.click("#confirm-interest button[type=submit]")
    assert text["consent"] in page.locator("#consent-error").inner_text()
    assert "risk_consent" not in page.locator("main").inner_text()  # no API field name on the page
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.INTEREST
    screenshot(page, "interest-consent")
    page.check("#confirm-interest input[name=risk_consent]")
    page.click("#confirm-interest button[type=submit]")
    page.wait_for_url(live_server.url + "/my/pledges/")
    screenshot(page, "interest-confirmed")

    # 5. The pledge now counts, with its regulated record and a reflection period.
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CONFIRMED and pledge.saver == saver
    assert pledge.regulated.risk_consent_at is not None
    assert pool_totals_figures(pool_ids=[pool.pk])[pool.pk]["pledged_ore"] == 2_000_000
    assert pledge.regulated.reflection_ends_on.isoformat() in page.content()

    # The confirmation page at desktop width too (a second interest, still to confirm).
    second = card(regulated, kind="loan", amount_ore=500_000, name="Karin Kort", email=saver.email).pledge
    page.goto(f"{live_server.url}/pledges/confirm/{second.confirmation_token}/")
    page.wait_for_url(re.compile(rf"/my/pledges/{second.pk}/confirm-interest/$"))
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "interest-desktop")


def test_the_owner_records_a_lender_payment_on_the_page(live_server, browser_page, screenshot, saver, owner):
    from pools.models import PledgeKind
    from pools.offers.models import LenderPayment
    from pools.services import pledge_create
    from tests.pools.offers_helpers import assessed

    page = browser_page
    pool = regulated_loan_pool(owner=owner, title="Byabutikens lån")
    assessed(saver)
    loan = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=2_500_000)
    _logged_in(page, live_server, owner)
    page.goto(f"{live_server.url}/offers/pools/{pool.pk}/manage/")
    page.click("#lender-payments-link")
    page.wait_for_url(re.compile(rf"/offers/pools/{pool.pk}/lender-payments/$"))
    page.select_option("select[name=pledge]", str(loan.pk))
    page.select_option("select[name=kind]", "interest")
    page.fill("input[name=amount]", "1 250,50")
    page.fill("input[name=paid_on]", (timezone.localdate() - timedelta(days=1)).isoformat())
    page.fill("input[name=note]", "Ränta första året")
    page.click("#lender-payment-form button[type=submit]")
    page.wait_for_selector(f"tr[data-payment='{LenderPayment.objects.get().pk}']")
    row = page.locator("table.lender-payments tbody tr").first.inner_text().replace("\u00a0", " ")
    assert "1 250,50 kr" in row or "SEK 1,250.50" in row
    screenshot(page, "lender-payments")
    # A hostile amount, everything else filled in as before: a form error, nothing written.
    page.select_option("select[name=pledge]", str(loan.pk))
    page.select_option("select[name=kind]", "interest")
    page.fill("input[name=amount]", "1e308")
    page.fill("input[name=paid_on]", (timezone.localdate() - timedelta(days=1)).isoformat())
    page.click("#lender-payment-form button[type=submit]")
    page.wait_for_selector("#lender-payment-form [role=alert]")
    assert LenderPayment.objects.count() == 1
    screenshot(page, "lender-payments-error")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "lender-payments-desktop")
