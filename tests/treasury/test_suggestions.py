"""Suggested matches in the unmatched queue: ranked candidates with reasons, and one-click matching."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from pools.models import PaymentChannel, PaymentStatus
from pools.services import payment_record
from tests.factories import UserFactory
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from treasury.models import AuditEvent
from treasury.services import payment_match_manual
from treasury.suggestions import _digits_off, payment_suggestions

pytestmark = pytest.mark.django_db


def pay(amount_ore: int, *, name: str = "", reference: str = "", account: str = ""):
    return payment_record(
        amount_ore=amount_ore,
        received_on=timezone.localdate(),
        channel=PaymentChannel.CAMT,
        payer_name=name,
        reference=reference,
        payer_account=account,
    )


@pytest.fixture
def village(pool):
    anna = UserFactory(full_name="Anna Berg")
    bo = UserFactory(full_name="Bo Lind")
    cilla = UserFactory(full_name="Cecilia Ek")
    return {
        "anna": money_pledge(pool, anna, amount_ore=50_000, reference=ocr(5550001)),
        "bo": money_pledge(pool, bo, amount_ore=50_000, reference=ocr(5550002)),
        "cilla": money_pledge(pool, cilla, amount_ore=120_000, reference=ocr(5550003)),
    }


def test_digits_off():
    real = "123456789012"
    assert _digits_off(real, real) == 0
    assert _digits_off("123456789013", real) == 1  # one typo
    assert _digits_off("213456789012", real) == 1  # two neighbours swapped
    assert _digits_off("12345678902", real) == 1  # one digit left out
    assert _digits_off("123456780013", real) == 2
    assert _digits_off("999999999999", real) == 3


def test_a_reference_one_digit_off_ranks_its_pledge_first(village):
    wrong = ocr(5550003)[:-1] + str((int(ocr(5550003)[-1]) + 1) % 10)
    payment = pay(120_000, reference=wrong)
    top = payment_suggestions(payment=payment)
    assert top[0].pledge == village["cilla"]
    assert any("one digit off" in reason for reason in top[0].reasons)
    assert "Amount equals the amount due" in top[0].reasons


def test_name_and_amount_beat_amount_alone(village):
    # Anna and Bo both owe 500 kr: the payer's name decides.
    top = payment_suggestions(payment=pay(50_000, name="BERG ANNA"))
    assert [s.pledge for s in top[:2]] == [village["anna"], village["bo"]]
    assert "Payer name resembles the saver's" in top[0].reasons


def test_a_spouse_with_the_same_surname_is_suggested(village):
    top = payment_suggestions(payment=pay(50_000, name="Per Berg"))
    assert top[0].pledge == village["anna"]
    assert any("surname" in reason for reason in top[0].reasons)


def test_an_account_that_paid_the_saver_before_counts(village, treasurer):
    earlier = pay(10_000, name="Firma X", account="SE4550000000058398257466")
    payment_match_manual(payment=earlier, parts=[(village["bo"], 10_000)], by=treasurer)
    top = payment_suggestions(payment=pay(40_000, name="Firma X", account="SE4550000000058398257466"))
    assert top[0].pledge == village["bo"]
    assert "This account has paid the saver's pledges before" in top[0].reasons
    assert top[0].owed_ore == 40_000 and top[0].match_ore == 40_000


def test_at_most_three_and_never_on_weak_evidence(pool):
    for n in range(6):
        money_pledge(pool, UserFactory(full_name=f"Person {n}"), amount_ore=20_000, reference=ocr(6660000 + n))
    assert len(payment_suggestions(payment=pay(20_000))) == 3
    assert payment_suggestions(payment=pay(12_345, name="Okänd")) == []


def test_paid_pledges_are_not_suggested(village, treasurer):
    payment_match_manual(payment=pay(50_000), parts=[(village["anna"], 50_000)], by=treasurer)
    top = payment_suggestions(payment=pay(50_000, name="Anna Berg"))
    assert village["anna"] not in [s.pledge for s in top]


# ---------------------------------------------------------------- pages


def test_queue_shows_suggestions_and_one_click_matches_with_an_audit_record(client, village, treasurer):
    payment = pay(50_000, name="Anna Berg", reference="Gåva")
    treasurer.language = "en"
    treasurer.save(update_fields=["language"])
    login_verified(client, treasurer)
    html = client.get(reverse("web:treasury:payment-list")).text
    assert "Payer name resembles the saver&#x27;s" in html
    assert f'name="pledge_1" value="{village["anna"].pk}"' in html
    response = client.post(
        reverse("web:treasury:payment-match", args=[payment.pk]),
        {"pledge_1": village["anna"].pk, "amount_1": "500.00", "note": "Matched from a suggestion", "back": "queue"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:treasury:payment-list")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED
    allocation = payment.allocations.get()
    assert allocation.pledge == village["anna"] and allocation.created_by == treasurer
    assert AuditEvent.objects.filter(table_name="pools_paymentallocation", row_id=allocation.pk).exists()


def test_manual_search_has_choose_and_no_results(client, village, treasurer):
    payment = pay(30_000, name="Okänd")
    login_verified(client, treasurer)
    url = reverse("web:treasury:payment-detail", args=[payment.pk])
    html = client.get(url, {"q": "Zyxw"}).text
    assert 'id="no-results"' in html
    html = client.get(url, {"q": "Cecilia"}).text
    assert 'class="choose"' in html and "No pledges found" not in html
    html = client.get(url, {"q": "Cecilia", "choose": village["cilla"].pk}).text
    assert f'name="pledge_1" min="1" value="{village["cilla"].pk}"' in html
    assert 'name="amount_1" inputmode="decimal" maxlength="40" value="300.00"' in html


# ---------------------------------------------------------------- API


def test_api_lists_ranked_suggestions_with_reasons(village, treasurer):
    from rest_framework.test import APIClient

    treasurer.language = "en"
    treasurer.save(update_fields=["language"])
    payment = pay(50_000, name="BERG ANNA")
    client = APIClient()
    login_verified(client, treasurer)
    response = client.get(f"/api/treasury/payments/{payment.pk}/suggestions/")
    assert response.status_code == 200
    assert response.json()["payment_id"] == payment.pk
    rows = response.json()["suggestions"]
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1)) and len(rows) <= 3
    assert rows[0]["pledge"]["id"] == village["anna"].pk
    assert rows[0]["pledge"]["ocr_reference"] == village["anna"].ocr_reference
    assert "Payer name resembles the saver's" in rows[0]["reasons"]
    assert rows[0]["match_amount"] == "500.00" and rows[0]["owed"] == "500.00"
    assert rows[0]["score"] > rows[1]["score"]


def test_api_matches_a_suggestion_in_one_call_with_an_audit_record(village, treasurer):
    from rest_framework.test import APIClient

    treasurer.language = "en"
    treasurer.save(update_fields=["language"])
    payment = pay(50_000, name="BERG ANNA")
    client = APIClient()
    login_verified(client, treasurer)
    url = f"/api/treasury/payments/{payment.pk}/suggestions/match/"
    # Cecilia's pledge is not among this payment's suggestions: refused, nothing written.
    refused = client.post(url, {"pledge": village["cilla"].pk}, format="json")
    assert refused.status_code == 400 and "pledge" in refused.json()
    response = client.post(url, {"pledge": village["anna"].pk}, format="json")
    assert response.status_code == 201, response.content
    [row] = response.json()
    assert row["pledge_id"] == village["anna"].pk and row["amount"] == "500.00"
    assert row["note"].startswith("Matched from a suggestion")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED
    assert AuditEvent.objects.filter(actor=treasurer).exists()
    # Repeating the click matches nothing more: the payment has left the queue.
    assert client.post(url, {"pledge": village["anna"].pk}, format="json").status_code == 400
    assert client.get(f"/api/treasury/payments/{payment.pk}/suggestions/").json()["suggestions"] == []


def test_api_suggestions_are_the_treasurers(village):
    from rest_framework.test import APIClient

    payment = pay(50_000, name="BERG ANNA")
    client = APIClient()
    login_verified(client, village["anna"].saver)
    assert client.get(f"/api/treasury/payments/{payment.pk}/suggestions/").status_code == 403
    assert (
        client.post(
            f"/api/treasury/payments/{payment.pk}/suggestions/match/", {"pledge": village["anna"].pk}, format="json"
        ).status_code
        == 403
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.UNMATCHED


def test_api_suggestions_take_the_same_queries_whatever_the_number_of_open_pledges(pool, treasurer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    def seed(first: int, count: int) -> None:
        for n in range(first, first + count):
            money_pledge(pool, UserFactory(full_name=f"Sparare {n}"), amount_ore=50_000, reference=ocr(7_000_000 + n))

    payment = pay(50_000, name="Sparare 3")
    client = APIClient()
    login_verified(client, treasurer)
    url = f"/api/treasury/payments/{payment.pk}/suggestions/"
    seed(0, 10)
    client.get(url)  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["suggestions"]) == 3
    seed(10, 90)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["suggestions"]) == 3
    assert len(many) == len(few)
