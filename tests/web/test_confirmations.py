"""Destructive staff actions ask on a page of their own first: the first POST shows the question and changes
nothing, the POST from that page (confirmed=1) acts; another user is refused before any question is shown."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import Role
from invest.fairs.models import PitchStatus
from invest.funds.models import CapitalWithdrawal
from invest.funds.services import capital_withdrawal_request
from pools.models import PaymentAllocation, PaymentChannel
from pools.services import payment_record
from tests.factories import UserFactory
from tests.invest.fairs.builders import fair_with_programme
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from tests.web.test_funds import fund, member, share_pool  # noqa: F401 (fixtures)
from treasury.models import PayoutBatch, PayoutStatus
from treasury.services import payment_match_manual, payout_prepare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def matched(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(40001))
    payment = payment_record(
        amount_ore=15_000,
        received_on=date(2026, 3, 1),
        channel=PaymentChannel.MANUAL,
        payer_name="Åsa",
        payer_account="bankgiro 5050-1055",
    )
    [allocation] = payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    return payment, allocation


def _asks(response, *, question: str, button: str, back: str) -> None:
    """The response is the confirmation page: the question, a confirming form to the same address, a way back."""
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "web/confirm.html"
    assert question in page and button in page
    assert 'name="confirmed" value="1"' in page
    assert f'href="{back}"' in page


def test_reversing_a_match_asks_first_then_reverses(client, matched, treasurer):
    payment, allocation = matched
    url = reverse("web:treasury:allocation-reverse", args=[allocation.pk])
    treasurer.language = "sv"
    treasurer.save(update_fields=["language"])
    login_verified(client, treasurer)
    response = client.post(url, {"note": "fel pledge"})
    _asks(
        response,
        question="Återför matchningen?",
        button="Ja, återför matchningen",
        back=reverse("web:treasury:payment-detail", args=[payment.pk]),
    )
    # The note typed with the first tap is carried to the confirming form.
    assert 'name="note" value="fel pledge"' in response.content.decode()
    assert PaymentAllocation.objects.count() == 1
    response = client.post(url, {"note": "fel pledge", "confirmed": "1"})
    assert response.status_code == 302
    assert sorted(PaymentAllocation.objects.values_list("amount_ore", flat=True)) == [-10_000, 10_000]


def test_reversing_a_match_is_refused_to_a_saver_without_a_question(client, matched, saver):
    _payment, allocation = matched
    client.force_login(saver)
    response = client.post(reverse("web:treasury:allocation-reverse", args=[allocation.pk]))
    assert response.status_code in (403, 404)
    assert "web/confirm.html" not in [t.name for t in response.templates]


def test_cancelling_a_payout_list_asks_first(client, matched, treasurer, organiser):
    payment, _allocation = matched
    batch = payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=treasurer)
    url = reverse("web:treasury:payout-cancel", args=[batch.pk])
    login_verified(client, organiser)
    assert client.post(url, {"confirmed": "1"}).status_code in (403, 404)
    login_verified(client, treasurer)
    _asks(
        client.post(url),
        question=f"Utbetalningslista {batch.pk} makuleras",
        button="Ja, makulera listan",
        back=reverse("web:treasury:payout-detail", args=[batch.pk]),
    )
    assert PayoutBatch.objects.get().status == PayoutStatus.PREPARED
    client.post(url, {"confirmed": "1"})
    assert PayoutBatch.objects.get().status == PayoutStatus.CANCELLED


def test_organiser_declining_a_pitch_asks_first(client, organiser, owner):
    fair, (pitch, _other) = fair_with_programme(organiser, owner=owner)
    url = reverse("web:pitch-decline", args=[pitch.pk])
    login_verified(client, owner)
    assert client.post(url, {"confirmed": "1"}).status_code == 404
    login_verified(client, organiser)
    _asks(
        client.post(url),
        question=f"{pitch.title} presenteras inte på mässan.",
        button="Ja, avböj presentationen",
        back=reverse("web:fair-detail", args=[fair.pk]),
    )
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.CHOSEN
    client.post(url, {"confirmed": "1"})
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.DECLINED


def test_owner_withdrawing_a_pitch_asks_first_in_swedish(client, organiser, owner):
    fair, (pitch, _other) = fair_with_programme(organiser, owner=owner)
    url = reverse("web:pitch-withdraw", args=[pitch.pk])
    stranger = UserFactory(roles=(Role.PROJECT_OWNER,))
    login_verified(client, stranger)
    assert client.post(url, {"confirmed": "1"}).status_code == 404
    owner.language = "sv"
    owner.save(update_fields=["language"])
    login_verified(client, owner)
    _asks(
        client.post(url),
        question="Återta din presentation?",
        button="Ja, återta min presentation",
        back=reverse("web:fair-detail", args=[fair.pk]),
    )
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.CHOSEN
    client.post(url, {"confirmed": "1"})
    pitch.refresh_from_db()
    assert pitch.status == PitchStatus.WITHDRAWN


def test_member_cancelling_a_withdrawal_asks_first(client, fund, member, saver, other_saver):  # noqa: F811
    row = capital_withdrawal_request(fund=fund, user=saver, amount_ore=100)
    url = reverse("web:withdrawal-action", args=[row.pk, "cancel"])
    client.force_login(other_saver)
    assert client.post(url, {"confirmed": "1"}).status_code == 404
    client.force_login(saver)
    _asks(
        client.post(url),
        question="Uttaget på 1,00 kr ur Ödebygdens Mikrofond avbryts.",
        button="Ja, avbryt uttaget",
        back=reverse("web:fund-statement", args=[fund.slug]),
    )
    assert CapitalWithdrawal.objects.get().status == "requested"
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert CapitalWithdrawal.objects.get().status == "cancelled"
