"""Pay by scanning, in Chromium: the saver's receipt shows the bank-app QR and the Swish button on a phone
(the Swish QR on a desktop); the treasurer's unmatched queue shows ranked suggestions and matches in one click."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from pools.models import PaymentChannel, PaymentStatus, PledgeKind
from pools.services import payment_record, pledge_create
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.twofactor import login_verified
from treasury.models import AuditEvent

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _page(browser, live_server, user, *, viewport, locale="sv-SE", is_mobile=False):  # type: ignore[no-untyped-def]
    client = Client()
    login_verified(client, user)  # treasurers' pages need a two-factor-verified session
    context = browser.new_context(locale=locale, viewport=viewport, is_mobile=is_mobile)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_receipt_shows_swish_button_on_phones_and_qr_on_desktops(chromium_browser, live_server, language):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saver = UserFactory(roles=(Role.SAVER,), language=language)
    project = ProjectFactory(name="Ödeby lanthandel", swish_number="1231234567", organisation_number="556036-0793")
    pledge = pledge_create(
        pool=PoolFactory(kind="fair", project=project), saver=saver, kind=PledgeKind.GIFT, amount_ore=75_000
    )
    url = f"{live_server.url}/my/pledges/{pledge.pk}/receipt/"

    phone = _page(chromium_browser, live_server, saver, viewport=PHONE, is_mobile=True)
    phone.goto(url)
    expect(phone.locator("#bank-qr svg")).to_be_visible()
    expect(phone.locator("#pay-with-swish")).to_be_visible()
    expect(phone.locator("#swish-qr")).to_be_hidden()
    assert "msg=" + pledge.ocr_reference in phone.locator("#pay-with-swish").get_attribute("href")
    phone.screenshot(path=str(SCREENSHOTS / f"pay-receipt-phone-{language}.png"), full_page=True)

    desktop = _page(chromium_browser, live_server, saver, viewport=DESKTOP)
    desktop.goto(url)
    expect(desktop.locator("#swish-qr svg")).to_be_visible()
    expect(desktop.locator("#pay-with-swish")).to_be_hidden()
    desktop.screenshot(path=str(SCREENSHOTS / f"pay-receipt-desktop-{language}.png"), full_page=True)


@pytest.mark.parametrize(("language", "viewport"), [("sv", DESKTOP), ("en", PHONE)])
def test_unmatched_queue_suggests_and_matches_in_one_click(
    chromium_browser, live_server, treasurer, language, viewport
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    treasurer.language = language
    treasurer.save(update_fields=["language"])
    pool = PoolFactory(kind="fair")
    anna = pledge_create(pool=pool, saver=UserFactory(full_name="Anna Berg"), kind=PledgeKind.GIFT, amount_ore=50_000)
    pledge_create(pool=pool, saver=UserFactory(full_name="Bo Lind"), kind=PledgeKind.GIFT, amount_ore=50_000)
    payment = payment_record(
        amount_ore=50_000,
        received_on=timezone.localdate(),
        channel=PaymentChannel.CAMT,
        payer_name="BERG ANNA",
        reference="Gåva till affären",
    )
    page = _page(chromium_browser, live_server, treasurer, viewport=viewport)
    page.goto(f"{live_server.url}/treasury/payments/")
    first = page.locator(".suggestion").first
    expect(first).to_have_attribute("data-pledge", str(anna.pk))
    expect(page.locator(".suggestion")).to_have_count(2)
    reason = "Payer name resembles the saver's" if language == "en" else "Betalarens namn liknar sparens"
    expect(first.locator(".reasons")).to_contain_text(reason)
    page.screenshot(path=str(SCREENSHOTS / f"pay-queue-suggestions-{language}.png"), full_page=True)

    first.locator("button.suggestion-match").click()
    page.wait_for_load_state()
    assert page.url.endswith("/treasury/payments/")
    expect(page.locator(".suggestion")).to_have_count(0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED
    allocation = payment.allocations.get()
    assert allocation.pledge_id == anna.pk and allocation.created_by_id == treasurer.pk
    assert AuditEvent.objects.filter(table_name="pools_paymentallocation", row_id=allocation.pk).exists()
    page.screenshot(path=str(SCREENSHOTS / f"pay-queue-matched-{language}.png"), full_page=True)
