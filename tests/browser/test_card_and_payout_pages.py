"""Pages changed for issue 14, in Chromium, phone and desktop, Swedish and English: the volunteers' card
form (only the chosen kind's fields; a refused card focuses its faulty field), the fair follow-up, the live
board's counts, and the confirmation before a payout list is downloaded a second time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.invest.fairs.builders import card, live_fair
from tests.twofactor import login_verified

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _page(chromium_browser, live_server, user, language: str, size: str):  # type: ignore[no-untyped-def]
    type(user).objects.filter(pk=user.pk).update(language=language)
    client = Client()
    login_verified(client, user)
    context = chromium_browser.new_context(
        locale="sv-SE" if language == "sv" else "en-GB", viewport=SIZES[size], is_mobile=size == "phone"
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_volunteer_card_form_shows_the_kinds_fields_and_focuses_the_faulty_one(
    chromium_browser, live_server, screenshot, organiser, owner, language, size
):
    fair, (cafe, _shop) = live_fair(organiser, owner=owner)
    card(cafe, kind="time", amount_ore=None, hours=Decimal("1"), description="Måla", may_contact=True,
         email="maja@example.se", name="Maja Holm")  # fmt: skip
    page = _page(chromium_browser, live_server, organiser, language, size)
    page.goto(f"{live_server.url}/fairs/{fair.pk}/cards/")
    expect(page.locator("#id_kind")).to_be_focused()
    expect(page.locator("#id_amount")).to_be_visible()
    expect(page.locator("#id_hours")).to_be_hidden()
    screenshot(page, f"volunteer-{language}-{size}-money")
    page.select_option("#id_kind", "time")
    expect(page.locator("#id_amount")).to_be_hidden()
    expect(page.locator("#id_months")).to_be_hidden()
    expect(page.locator("#id_hours")).to_be_visible()
    page.fill("#id_hours", "0")
    page.fill("#id_description", "Måla staketet")
    page.fill("#id_email", "inte-en-adress")
    page.click("form.volunteer-form button")
    expect(page.locator("#id_hours")).to_be_focused()  # the first faulty field, not the kind at the top
    expect(page.locator("#id_hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_amount")).to_be_hidden()  # still the time card's fields
    screenshot(page, f"volunteer-{language}-{size}-refused")

    page.goto(f"{live_server.url}/fairs/{fair.pk}/board/")
    expect(page.locator(f'[data-pitch="{cafe.pk}"] [data-unit="hours_display"]')).to_have_text(
        "timme" if language == "sv" else "hour"
    )
    screenshot(page, f"board-{language}-{size}")

    owner_page = _page(chromium_browser, live_server, owner, language, size)
    owner_page.goto(f"{live_server.url}/pitches/{cafe.pk}/follow-up/")
    expect(owner_page.locator('select[name="outcome"]').first).to_have_value("")
    screenshot(owner_page, f"follow-up-{language}-{size}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_second_payout_download_asks_first(
    chromium_browser, live_server, screenshot, pool, saver, treasurer, second_treasurer, language, size
):
    from pools.models import PaymentChannel
    from pools.services import payment_record
    from tests.treasury.helpers import money_pledge
    from treasury.services import payment_match_manual, payout_approve, payout_export, payout_prepare

    pledge = money_pledge(pool, saver, amount_ore=10_000)
    payment = payment_record(
        amount_ore=15_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL,
        payer_name="Åsa", payer_account="bankgiro 5050-1055",
    )  # fmt: skip
    payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    batch = payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=treasurer)
    payout_approve(batch=batch, by=second_treasurer)
    payout_export(batch=batch, by=treasurer, file_format="csv")
    page = _page(chromium_browser, live_server, treasurer, language, size)
    page.goto(f"{live_server.url}/treasury/payouts/{batch.pk}/")
    screenshot(page, f"payout-exported-{language}-{size}")
    page.select_option('select[name="file_format"]', "pain001")
    page.locator(f'form[action="/treasury/payouts/{batch.pk}/export/"] button').click()
    expect(page.locator("h1")).to_contain_text("igen" if language == "sv" else "again")
    expect(page.locator('input[name="confirmed"]')).to_have_count(1)
    screenshot(page, f"payout-confirm-{language}-{size}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_wide_table_on_a_phone_says_it_scrolls_sideways(chromium_browser, live_server, screenshot, pool, treasurer):
    page = _page(chromium_browser, live_server, treasurer, "sv", "phone")
    page.goto(f"{live_server.url}/treasury/reports/pools/")
    wide = page.evaluate(
        """() => [...document.querySelectorAll("main table, main .table-wrap, main .scroll")]
             .filter(b => b.scrollWidth > b.clientWidth + 1 && getComputedStyle(b).overflowX !== "visible")
             .map(b => [b.previousElementSibling && b.previousElementSibling.className, b.getAttribute("tabindex")])"""
    )
    assert wide, "the pools report should be wider than a phone"
    assert all("scroll-hint" in (hint or "") and tabindex == "0" for hint, tabindex in wide)
    expect(page.locator(".scroll-hint").first).to_contain_text("svep")
    screenshot(page, "report-pools-sv-phone")
