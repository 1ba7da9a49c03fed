"""A one-off pledge (a gift) says the same thing everywhere: the whole amount is to pay now, by its due date."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from pools.services import pledge_create
from tests.factories import PoolFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def test_gift_shows_its_whole_amount_to_pay_now_like_its_receipt(client):
    saver = UserFactory(roles=(Role.SAVER,), language="sv")
    pool = PoolFactory(kind="fair")
    pledge = pledge_create(pool=pool, saver=saver, kind="gift", amount_ore=50_000)
    login_verified(client, saver)

    detail = client.get(reverse("web:savers:pledge-detail", args=[pledge.pk]), HTTP_ACCEPT_LANGUAGE="sv")
    text = _text(detail.text)
    assert "Att betala nu 500,00 kr" in text
    assert "Att betala nu 0,00 kr" not in text
    assert f"Nästa förfallodag {pool.closes_on:%Y-%m-%d}" in text
    assert "500,00 kr" in _text(client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text)

    listing = client.get(reverse("web:savers:my-pledges"))
    row = re.search(r'<tr class="pledge-row".*?</tr>', listing.text, re.S)
    assert row is not None
    assert 'data-label="Att betala nu">500,00' in row.group(0).replace("\xa0", " ")


def test_english_page_says_to_pay_now_for_a_gift(client):
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    pledge = pledge_create(pool=PoolFactory(kind="fair"), saver=saver, kind="gift", amount_ore=50_000)
    login_verified(client, saver)
    text = _text(client.get(reverse("web:savers:pledge-detail", args=[pledge.pk])).text)
    assert "To pay now SEK 500.00" in text
