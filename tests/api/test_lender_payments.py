"""Lender payments over the API: the pool's owner or a treasurer records interest, repayments and dividends;
anyone else is refused; bad input is a 400 with the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from pools.models import PledgeKind
from pools.offers.models import LenderPayment
from pools.services import pledge_create
from tests.factories import UserFactory
from tests.pools.offers_helpers import assessed, regulated_loan_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(saver, owner):
    pool = regulated_loan_pool(owner=owner)
    assessed(saver)
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=500_000)


def _body(loan, **changes):
    yesterday = timezone.localdate() - timedelta(days=1)
    return {"pledge": loan.pk, "kind": "interest", "amount": "250.00", "paid_on": yesterday.isoformat(), **changes}


def test_the_owner_records_interest_paid_to_a_lender(api_client, login_as, owner, loan, saver) -> None:
    login_as(api_client, owner)
    url = f"/api/pools/{loan.pool_id}/lender-payments/"
    response = api_client.post(url, _body(loan, note="Ränta 2026"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "250.00" and response.json()["lender"] == saver.display_name
    assert LenderPayment.objects.get().amount_ore == 25_000
    reversal = api_client.post(url, _body(loan, is_reversal=True), format="json")
    assert reversal.status_code == 201 and reversal.json()["amount"] == "-250.00"
    assert [row["amount"] for row in api_client.get(url).json()] == ["250.00", "-250.00"]


def test_a_treasurer_may_record_and_others_may_not(api_client, login_as, loan, other_saver) -> None:
    url = f"/api/pools/{loan.pool_id}/lender-payments/"
    login_as(api_client, UserFactory(roles=(Role.TREASURER,)))
    assert api_client.post(url, _body(loan), format="json").status_code == 201
    for user in (other_saver, loan.saver, UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))):
        login_as(api_client, user)
        assert api_client.get(url).status_code == 404
        assert api_client.post(url, _body(loan), format="json").status_code == 404
    assert LenderPayment.objects.count() == 1


def test_bad_lender_payments_are_refused_with_the_field(api_client, login_as, owner, loan) -> None:
    login_as(api_client, owner)
    url = f"/api/pools/{loan.pool_id}/lender-payments/"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    cases = [
        (_body(loan, amount="0"), "amount"),
        (_body(loan, amount="12.345"), "amount"),
        (_body(loan, kind="bonus"), "kind"),
        (_body(loan, paid_on=tomorrow), "paid_on"),
        (_body(loan, kind="dividend"), "pledge"),  # a dividend needs a share, not a loan
        (_body(loan, pledge=loan.pk + 1000), "pledge"),
    ]
    for body, field in cases:
        response = api_client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    assert not LenderPayment.objects.exists()
