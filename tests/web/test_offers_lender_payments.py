"""The lender-payments page: the pool's project owner (or a treasurer) sees the interest, repayments and
dividends recorded for its lenders and records a new one through the form; bad or hostile input is a form
error that writes nothing; anyone else gets 404, like the neighbouring offer pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from pools.models import PledgeKind
from pools.offers.models import LenderPayment
from pools.offers.services import lender_payment_record
from pools.services import pledge_create
from tests.factories import UserFactory
from tests.pools.offers_helpers import assessed, regulated_loan_pool
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(saver, owner):
    pool = regulated_loan_pool(owner=owner)
    assessed(saver)
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=500_000)


def _url(loan) -> str:
    return reverse("web:offers:lender-payments", args=[loan.pool_id])


def _form(loan, **changes: str) -> dict[str, str]:
    yesterday = timezone.localdate() - timedelta(days=1)
    return {"pledge": str(loan.pk), "kind": "interest", "amount": "1 234,50", "paid_on": yesterday.isoformat()} | (
        changes
    )


def test_the_owner_sees_the_recorded_payments_in_kronor(client, owner, loan, saver) -> None:
    owner.language = "sv"
    owner.save(update_fields=["language"])
    lender_payment_record(
        pool=loan.pool,
        by=owner,
        pledge_id=loan.pk,
        kind="repayment",
        amount_ore=123_456_750,
        paid_on=timezone.localdate() - timedelta(days=3),
        note="Första amorteringen",
    )
    client.force_login(owner)
    response = client.get(_url(loan))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="lender-payments"' in html and f'data-payment="{LenderPayment.objects.get().pk}"' in html
    assert "Utbetalningar till långivare" in html  # the owner's language
    assert "1 234 567,50 kr" in html.replace("\u00a0", " ")
    assert saver.display_name in html and "Första amorteringen" in html
    # The manage page, where the owner finds the lenders' CSV, links here.
    manage = client.get(reverse("web:offers:manage", args=[loan.pool_id])).content.decode()
    assert f'href="{_url(loan)}"' in manage


def test_the_owner_records_a_payment_and_a_reversal(client, owner, loan) -> None:
    client.force_login(owner)
    response = client.post(_url(loan), _form(loan, note="Ränta 2026"))
    assert response.status_code == 302 and response.url == _url(loan)
    row = LenderPayment.objects.get()
    assert (row.pledge_id, row.kind, row.amount_ore, row.note, row.recorded_by_id) == (
        loan.pk,
        "interest",
        123_450,
        "Ränta 2026",
        owner.pk,
    )
    reversal = client.post(_url(loan), _form(loan, is_reversal="on"))
    assert reversal.status_code == 302
    assert list(LenderPayment.objects.order_by("pk").values_list("amount_ore", flat=True)) == [123_450, -123_450]
    assert 'data-payment="' in client.get(_url(loan)).content.decode()


def test_a_treasurer_records_a_payment_on_the_page(client, loan) -> None:
    treasurer = UserFactory(roles=(Role.TREASURER,))
    login_verified(client, treasurer)
    # Treasurers find the page from the pool's page (the offer page is the owner's and organisers').
    session = client.session
    session[f"offers.sheet_read.{loan.pool.info_sheets.get().pk}"] = True
    session.save()
    pool_page = client.get(reverse("web:savers:pool-detail", args=[loan.pool_id])).content.decode()
    assert f'href="{_url(loan)}"' in pool_page
    assert client.get(_url(loan)).status_code == 200
    assert client.post(_url(loan), _form(loan, kind="repayment")).status_code == 302
    assert LenderPayment.objects.get().recorded_by == treasurer


HOSTILE = [
    ("amount", ""),
    ("amount", "0"),
    ("amount", "-100"),
    ("amount", "abc"),
    ("amount", "1e308"),
    ("amount", "NaN"),
    ("amount", "Infinity"),
    ("amount", "12,345"),
    ("amount", "99999999999999999999999"),
    ("amount", "1" * 5000),
    ("amount", "<script>alert(1)</script>"),
    ("amount", "1\x00"),
    ("kind", ""),
    ("kind", "refund"),
    ("kind", "' OR 1=1 --"),
    ("pledge", ""),
    ("pledge", "0"),
    ("pledge", "-1"),
    ("pledge", "999999999"),
    ("pledge", "9" * 40),
    ("pledge", "1 OR 1=1"),
    ("paid_on", ""),
    ("paid_on", "2026-13-45"),
    ("paid_on", "0001-01-01"),
    ("paid_on", "9999-12-31"),
    ("paid_on", "tomorrow"),
    ("note", "x" * 201),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE)
def test_bad_input_is_a_form_error_and_writes_nothing(client, owner, loan, field, value) -> None:
    client.force_login(owner)
    response = client.post(_url(loan), _form(loan, **{field: value}))
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not LenderPayment.objects.exists()


def test_a_date_in_the_future_is_refused_on_its_field(client, owner, loan) -> None:
    client.force_login(owner)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(_url(loan), _form(loan, paid_on=tomorrow))
    assert response.status_code == 400
    assert response.context["form"].errors["paid_on"]
    assert not LenderPayment.objects.exists()


def test_a_dividend_on_a_loan_is_refused_on_the_pledge(client, owner, loan) -> None:
    client.force_login(owner)
    response = client.post(_url(loan), _form(loan, kind="dividend"))
    assert response.status_code == 400 and response.context["form"].errors["pledge"]
    assert not LenderPayment.objects.exists()


def test_a_pledge_of_another_pool_cannot_be_chosen(client, owner, loan, other_saver) -> None:
    other_pool = regulated_loan_pool()
    assessed(other_saver)
    foreign = pledge_create(pool=other_pool, saver=other_saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    client.force_login(owner)
    assert str(foreign.pk) not in [
        value for value, _label in client.get(_url(loan)).context["form"].fields["pledge"].choices
    ]
    response = client.post(_url(loan), _form(loan, pledge=str(foreign.pk)))
    assert response.status_code == 400
    assert not LenderPayment.objects.exists()


def test_other_users_are_refused(client, loan, other_saver) -> None:
    organiser_only = UserFactory(roles=(Role.ORGANISER,))
    users = [other_saver, loan.saver, UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER)), organiser_only]
    for user in users:
        login_verified(client, user) if user is organiser_only else client.force_login(user)
        assert client.get(_url(loan)).status_code == 404
        assert client.post(_url(loan), _form(loan)).status_code == 404
    client.logout()
    anonymous = client.get(_url(loan))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert not LenderPayment.objects.exists()
