"""The exceptions queue and the returned-payments list, as pages and through the API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.treasury.camt_files import Entry, camt
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def returned_and_waiting(pool, treasurer):
    """One payment the bank took back, and one reversal whose original is unknown (an exception)."""
    money_pledge(pool, amount_ore=20_000, reference=ocr(801))
    bankfile_import(
        content=camt([Entry("200.00", "C-801", reference=ocr(801), name="Åsa Öberg")]), filename="in.xml", by=treasurer
    )
    back = [
        Entry("200.00", "R-801", reference=ocr(801), debit=True, reversal=True),
        Entry("33.00", "R-802", reference=ocr(802), debit=True, reversal=True),
    ]
    return bankfile_import(content=camt(back, msg_id="M-R", opening_ore=None), filename="back.xml", by=treasurer)


def test_pages_list_returned_payments_and_exceptions_and_resolve_one(client, treasurer, returned_and_waiting):
    login_verified(client, treasurer)
    returned = client.get("/treasury/returned/").content.decode()
    assert "Åsa Öberg" in returned and "back.xml" in returned
    waiting = client.get("/treasury/exceptions/").content.decode()
    assert "33" in waiting and "R-802" not in waiting  # the reason, not the bank's internal key
    line = returned_and_waiting.lines.get(needs_attention=True)
    response = client.post(f"/treasury/exceptions/{line.pk}/resolve/", {"note": "Asked the bank"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.resolved_by == treasurer and "Asked the bank" in line.detail
    assert client.post(f"/treasury/exceptions/{line.pk}/resolve/").status_code == 302  # a message, no change
    line.refresh_from_db()
    assert line.resolved_at is not None


def test_api_lists_and_resolves(treasurer, returned_and_waiting):
    api = APIClient()
    api.force_authenticate(treasurer)
    [payment] = api.get("/api/treasury/returned-payments/").json()
    assert (payment["amount"], payment["status"]) == ("200.00", "returned")
    [line] = api.get("/api/treasury/exceptions/").json()
    assert line["amount"] == "33.00" and "was not found" in line["detail"]
    assert api.post(f"/api/treasury/exceptions/{line['id']}/resolve/", {"note": "ok"}).status_code == 200
    assert api.get("/api/treasury/exceptions/").json() == []
    assert api.post(f"/api/treasury/exceptions/{line['id']}/resolve/", {}).status_code == 409
