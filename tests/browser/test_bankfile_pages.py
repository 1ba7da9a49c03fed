"""The bank file pages a treasurer works with, in a real browser: a file's summary with skipped and
returned entries, the exceptions queue and the returned payments, phone and desktop, sv and en."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.treasury.camt_files import Entry, camt
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from treasury.services import bankfile_import

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_bank_file_exceptions_and_returned_pages(live_server, chromium_browser, screenshot):
    from accounts.roles import Role
    from tests.factories import PoolFactory

    treasurer = UserFactory(roles=(Role.TREASURER,))
    pool = PoolFactory()
    money_pledge(pool, amount_ore=20_000, reference=ocr(811))
    day = [Entry("200.00", "C-811", reference=ocr(811), name="Åsa Öberg"), Entry("75.50", "C-812", name="Kjell")]
    bankfile_import(content=camt(day, message="054", msg_id="N-1"), filename="avisering-054.xml", by=treasurer)
    statement = [
        *day,
        Entry("200.00", "R-811", reference=ocr(811), debit=True, reversal=True),
        Entry("33.00", "R-999", reference=ocr(999), debit=True, reversal=True),
    ]
    bank_file = bankfile_import(content=camt(statement, msg_id="S-1"), filename="kontoutdrag-053.xml", by=treasurer)

    client = Client()
    login_verified(client, treasurer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    for language in ("sv", "en"):
        treasurer.language = language
        treasurer.save(update_fields=["language"])
        for label, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})):
            context = chromium_browser.new_context(viewport=viewport)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
            page = context.new_page()
            for name, url in (
                ("bankfile", f"/treasury/bank-files/{bank_file.pk}/"),
                ("exceptions", "/treasury/exceptions/"),
                ("returned", "/treasury/returned/"),
            ):
                response = page.goto(live_server.url + url)
                assert response is not None and response.status == 200, (url, response and response.status)
                assert page.locator("html").get_attribute("lang") == language
                screenshot(page, f"{language}-{label}-{name}")
            context.close()
