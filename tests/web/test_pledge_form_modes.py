"""The pledge form never drops money silently, and withdrawing a pledge is confirmed on a page of its own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from pools.models import Pledge, PledgeKind, PledgeStatus
from pools.services import payment_allocate, payment_record, pledge_create, pledge_withdraw
from tests.factories import UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def saver(db):
    return UserFactory(roles=(Role.SAVER,), language="en")


def _form(**extra: str) -> dict[str, str]:
    data = {"kind": "support_saving", "currency": "SEK"}
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "mode, extra",
    [
        ("monthly", {"monthly_amount": "100", "months": "12", "amount": "5000"}),
        ("monthly", {"monthly_amount": "100", "months": "12", "term_months": "12"}),
        ("lump", {"amount": "5000", "term_months": "12", "monthly_amount": "100"}),
        ("lump", {"amount": "5000", "term_months": "12", "months": "6"}),
    ],
)
def test_support_saving_with_both_modes_filled_is_refused_with_a_clear_error(client, saver, pool, mode, extra):
    login_verified(client, saver)
    response = client.post(reverse("web:savers:pledge-create", args=[pool.pk]), _form(saving_mode=mode, **extra))
    assert response.status_code == 400
    assert "either an amount every month or a lump sum, not both" in response.text
    assert not Pledge.objects.exists()


def test_lump_sum_support_saving_keeps_the_lump_sum(client, saver, pool):
    login_verified(client, saver)
    response = client.post(
        reverse("web:savers:pledge-create", args=[pool.pk]),
        _form(saving_mode="lump", amount="5000", term_months="12"),
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.amount_ore, pledge.monthly_ore, pledge.term_months) == (500_000, None, 12)


def test_points_estimate_works_in_lump_sum_mode_and_is_grouped(client, pool):
    url = reverse("web:savers:points-estimate", args=[pool.pk])
    with_language = {"HTTP_ACCEPT_LANGUAGE": "sv"}
    lump = client.get(url, {"saving_mode": "lump", "amount": "5 000", "term_months": "12"}, **with_language)
    assert "60 000" in lump.text  # 5 000 kr for 12 months at one point per krona and month
    monthly = client.get(url, {"saving_mode": "monthly", "monthly_amount": "1000", "months": "12"}, **with_language)
    assert "78 000" in monthly.text and "78000" not in monthly.text


def test_pool_page_marks_each_saving_modes_fields_and_the_form_drives_the_estimate(client, saver, pool):
    login_verified(client, saver)
    text = client.get(reverse("web:savers:pool-detail", args=[pool.pk])).text
    assert 'data-mode="monthly"' in text and 'data-mode="lump"' in text
    # The estimate listens to the whole form, so lump-sum inputs (outside the monthly fieldset) update it too.
    assert 'class="stack pledge-form" novalidate hx-get="' in text
    assert "Send my pledge" in text


@pytest.fixture
def my_pledge(saver, pool):
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=200_000, term_months=12)


def test_withdraw_asks_for_confirmation_on_a_page_first(client, saver, my_pledge):
    login_verified(client, saver)
    url = reverse("web:savers:pledge-withdraw", args=[my_pledge.pk])
    detail = client.get(reverse("web:savers:pledge-detail", args=[my_pledge.pk])).text
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail  # a link to the question, no one-tap form
    page = client.get(url)
    assert page.status_code == 200
    assert "Withdraw your pledge?" in page.text and f'action="{url}"' in page.text and "No, keep my pledge" in page.text
    my_pledge.refresh_from_db()
    assert my_pledge.status == PledgeStatus.PLEDGED  # looking at the question changes nothing
    assert client.post(url).status_code == 302
    my_pledge.refresh_from_db()
    assert my_pledge.status == PledgeStatus.WITHDRAWN


def test_withdrawn_pledge_shows_no_payment_instructions(client, saver, my_pledge):
    pledge_withdraw(pledge=my_pledge, by=saver)
    login_verified(client, saver)
    for name in ("pledge-detail", "pledge-receipt"):
        text = client.get(reverse(f"web:savers:{name}", args=[my_pledge.pk])).text
        assert "withdrawn. Do not pay anything" in text
        assert my_pledge.ocr_reference not in text and 'id="bankgiro"' not in text
    # And its confirmation page is gone: back to the pledge.
    assert client.get(reverse("web:savers:pledge-withdraw", args=[my_pledge.pk])).status_code == 302


def test_fully_paid_pledge_shows_no_payment_instructions(client, saver, my_pledge, treasurer):
    payment = payment_record(amount_ore=200_000, received_on=my_pledge.created_at.date(), channel="manual")
    payment_allocate(payment=payment, parts=[(my_pledge, 200_000)], by=treasurer)
    login_verified(client, saver)
    text = client.get(reverse("web:savers:pledge-detail", args=[my_pledge.pk])).text
    assert "fully paid" in text and "How to open your support-saving account" not in text


def test_open_pledge_still_shows_payment_instructions(client, saver, my_pledge):
    login_verified(client, saver)
    text = client.get(reverse("web:savers:pledge-receipt", args=[my_pledge.pk])).text
    assert "How to open your support-saving account" in text and my_pledge.ocr_reference in text


def test_receipt_names_who_holds_the_bankgiro(client, saver):
    from tests.factories import ShareOfferPoolFactory

    pool = ShareOfferPoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=1)
    login_verified(client, saver)
    text = client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text
    assert f"account holder: {pool.beneficiary_name}" in text


def test_a_pool_without_its_own_bankgiro_is_paid_to_its_communitys(client, saver):
    """Payment instructions name the bankgiro the money really goes to (the community's bank files), page and API."""
    from rest_framework.test import APIClient

    from communities.services import community_create
    from tests.factories import ProjectFactory, ShareOfferPoolFactory

    community = community_create(name="Åsbyns byalag", slug="asbyn-bg", bankgiro="5402-9681")
    pool = ShareOfferPoolFactory(project=ProjectFactory(community=community), bankgiro="")
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=1)
    login_verified(client, saver)
    text = client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text
    assert '<strong id="bankgiro">5402-9681</strong>' in text
    assert "account holder: Åsbyns byalag" in text
    api = APIClient()
    api.force_authenticate(saver)
    answer = api.get(reverse("api:pledge-detail", args=[pledge.pk])).json()
    assert answer["payment"]["bankgiro"] == "5402-9681"
