"""A new saver signs up, pledges to a support-saving pool, gets a receipt and finds the pledge: in Swedish
and in English; and a refused pledge shows its error on the page."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from pools.models import Pledge
from pools.references import ocr_is_valid
from tests.factories import PoolFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kvarnhjul-i-ödeby-42"


def sign_up(page, live_server, screenshot, *, email, language):
    page.goto(live_server.url + "/")
    screenshot(page, "home")
    page.click("a[href='/signup/']")
    page.fill("input[name=email]", email)
    page.fill("input[name=full_name]", "Stina Sparare")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.select_option("select[name=language]", language)
    screenshot(page, "signup")
    page.click("form.stack button[type=submit]")
    # Sign-up logs nobody in (the answer must not tell whether the address had an account): log in.
    page.wait_for_url(live_server.url + "/login/")
    screenshot(page, "signup-sent")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def pledge_monthly(page, live_server, screenshot, pool, *, monthly, months):
    page.goto(f"{live_server.url}/pools/{pool.pk}/")
    page.fill("input[name=monthly_amount]", monthly)
    page.fill("input[name=months]", months)
    # htmx estimate: 100 kr × 12·13/2 = 7 800 (7,800 in English), grouped like the language's numbers
    page.locator("#points-estimate", has_text=re.compile(r"7[ ,]800")).wait_for()
    screenshot(page, "pool")
    page.click("form.pledge-form button[type=submit]")


@pytest.mark.parametrize(
    ("language", "receipt_heading", "money_text"),
    [("sv", "Tack för ditt löfte", "1 200,00 kr"), ("en", "Thank you for your pledge", "SEK 1,200.00")],
)
def test_new_saver_signs_up_pledges_and_finds_the_pledge(
    live_server, browser_page, screenshot, language, receipt_heading, money_text
):
    page = browser_page
    pool = PoolFactory(title="Bystugans tak")
    email = f"stina-{language}@example.se"
    sign_up(page, live_server, screenshot, email=email, language=language)
    assert page.locator("html").get_attribute("lang") == language
    user = User.objects.get(email=email)
    assert user.language == language

    pledge_monthly(page, live_server, screenshot, pool, monthly="100", months="12")
    page.wait_for_url(re.compile(r"/my/pledges/\d+/receipt/$"))
    screenshot(page, "receipt")
    assert page.locator("h1").inner_text().strip()  # the receipt page rendered
    ocr = page.locator("#ocr-reference").inner_text().strip()
    assert ocr_is_valid(ocr)
    assert money_text in page.content()
    pledge = Pledge.objects.get(saver=user)
    assert pledge.ocr_reference == ocr and pledge.amount_ore == 120_000

    page.click("header a[href='/my/pledges/']")
    page.wait_for_url(live_server.url + "/my/pledges/")
    screenshot(page, "my-pledges")
    row = page.locator(f"tr.pledge-row[data-pledge='{pledge.pk}']")
    assert ocr in row.inner_text() and "Bystugans tak" in row.inner_text()


def test_refused_pledge_shows_its_error_on_the_page(live_server, browser_page, screenshot):
    page = browser_page
    pool = PoolFactory(title="Litet tak", cap_ore=50_000)
    sign_up(page, live_server, screenshot, email="refused@example.se", language="en")
    page.goto(f"{live_server.url}/pools/{pool.pk}/")
    page.fill("input[name=monthly_amount]", "100")
    page.fill("input[name=months]", "12")
    page.click("form.pledge-form button[type=submit]")
    page.wait_for_selector("form.pledge-form .errorlist")
    screenshot(page, "refused")
    assert "nearly full" in page.locator("form.pledge-form").inner_text()
    assert not Pledge.objects.exists()


def test_desktop_pool_page_renders(live_server, browser_page, screenshot):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    pool = PoolFactory(title="Bredbild")
    page.goto(f"{live_server.url}/pools/{pool.pk}/")
    screenshot(page, "pool-desktop")
    assert page.locator("h1").inner_text() == "Bredbild"


def test_choosing_time_shows_only_the_time_inputs_and_pledges_hours(live_server, browser_page, screenshot):
    page = browser_page
    pool = PoolFactory(title="Bygdegården")
    sign_up(page, live_server, screenshot, email="tid@example.se", language="sv")
    page.goto(f"{live_server.url}/pools/{pool.pk}/")
    assert page.is_visible("input[name=monthly_amount]")
    page.select_option("select[name=kind]", "time")
    assert not page.is_visible("input[name=monthly_amount]")
    page.fill("textarea[name=description]", "Måla fönsterbågar")
    page.fill("input[name=quantity]", "6")
    screenshot(page, "time-pledge")
    page.click("form.pledge-form button[type=submit]")
    page.wait_for_url(re.compile(r"/my/pledges/\d+/receipt/$"))
    screenshot(page, "time-receipt")
    assert "Måla fönsterbågar" in page.content()
    pledge = Pledge.objects.get()
    assert (pledge.kind, pledge.quantity, pledge.ocr_reference) == ("time", 6, None)


def test_fair_card_link_confirms_the_pledge(live_server, browser_page, screenshot):
    from pools.models import PledgeKind, PledgeSource
    from pools.services import pledge_create

    page = browser_page
    card = pledge_create(
        pool=PoolFactory(title="Mässans tak"), saver=None, kind=PledgeKind.SUPPORT_SAVING,
        source=PledgeSource.FAIR_CARD, amount_ore=250_000, term_months=12, contact_email="kort@example.se",
    )  # fmt: skip
    page.goto(f"{live_server.url}/pledges/confirm/{card.confirmation_token}/")
    screenshot(page, "fair-card")
    page.click("button[value=confirm]")
    page.wait_for_selector("#ocr-reference")
    screenshot(page, "fair-card-confirmed")
    card.refresh_from_db()
    assert card.status == "confirmed"
    assert ocr_is_valid(page.locator("#ocr-reference").inner_text())
