"""Changing a pledge: the form shows the current values, and a refusal is shown once, at the input concerned."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from pools.models import PledgeKind
from pools.services import pledge_create
from tests.factories import PoolFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def saver(db):
    return UserFactory(roles=(Role.SAVER,), language="sv")


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match is not None, name
    return match.group(0)


def test_change_form_is_filled_in_with_the_pledge_as_it_is(client, saver):
    pool = PoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_050, months=12)
    login_verified(client, saver)
    page = client.get(reverse("web:savers:pledge-detail", args=[pledge.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert 'value="500,50"' in _input(page, "monthly_amount")
    assert 'value="12"' in _input(page, "months")


def test_change_form_of_a_lump_sum_shows_amount_and_term_in_english(client):
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    pool = PoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=500_000, term_months=24)
    login_verified(client, saver)
    page = client.get(reverse("web:savers:pledge-detail", args=[pledge.pk])).text
    assert 'value="5000.00"' in _input(page, "amount")
    assert 'value="24"' in _input(page, "term_months")
    assert 'name="monthly_amount"' not in page


def test_submitting_the_filled_in_form_unchanged_says_so_and_changes_nothing(client, saver):
    pool = PoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    login_verified(client, saver)
    response = client.post(
        reverse("web:savers:pledge-change", args=[pledge.pk]), {"monthly_amount": "500,00", "months": "12"}
    )
    assert response.status_code == 400
    assert response.text.count("Ändra minst ett värde.") == 1


def test_changing_only_the_months_keeps_the_monthly_amount(client, saver):
    pool = PoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    login_verified(client, saver)
    response = client.post(
        reverse("web:savers:pledge-change", args=[pledge.pk]), {"monthly_amount": "500,00", "months": "18"}
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.monthly_ore, pledge.months, pledge.amount_ore) == (50_000, 18, 900_000)


def test_a_refused_change_shows_its_error_once_at_the_changed_input_and_focuses_it(client, saver):
    pool = PoolFactory(max_per_saver_ore=1_000_000)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    login_verified(client, saver)
    response = client.post(
        reverse("web:savers:pledge-change", args=[pledge.pk]), {"monthly_amount": "500,00", "months": "30"}
    )
    assert response.status_code == 400
    page = response.text
    assert page.count("Du kan lova högst") == 1
    months = _input(page, "months")
    assert "autofocus" in months and 'aria-describedby="months-error"' in months and 'value="30"' in months
    # The message sits right after the input it concerns, inside the change section the page scrolls to.
    after_input = page[page.index(months) :]
    assert after_input.index('id="months-error"') < after_input.index("</form>")
    assert f'action="/my/pledges/{pledge.pk}/change/#change"' in page
    pledge.refresh_from_db()
    assert pledge.months == 12


def test_a_bad_amount_is_shown_at_its_input(client, saver):
    pool = PoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    login_verified(client, saver)
    response = client.post(
        reverse("web:savers:pledge-change", args=[pledge.pk]), {"monthly_amount": "12,345", "months": "12"}
    )
    assert response.status_code == 400
    amount = _input(response.text, "monthly_amount")
    assert "autofocus" in amount and 'aria-invalid="true"' in amount
    assert response.text.count("högst två decimaler") == 1
