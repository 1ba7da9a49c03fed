"""A count shown with a noun takes the noun's singular for one ("1 kort", never "1 rader" or "1 timmar")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from tests.invest.fairs.builders import card, live_fair
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_board_counts_take_the_singular_for_one(client, organiser):
    fair, (a, _b) = live_fair(organiser)
    card(a, kind="time", amount_ore=None, hours=Decimal("1"), description="Måla")
    login_verified(client, organiser)
    sv = client.get(reverse("web:fair-board", args=[fair.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert '1</span> <span data-unit="non_money_count"' in sv
    assert ">annat löfte</span>" in sv and ">timme</span>" in sv
    type(organiser).objects.filter(pk=organiser.pk).update(language="en")
    en = client.get(reverse("web:fair-board", args=[fair.pk])).text
    assert ">pledger</span>" in en and ">other pledge</span>" in en and ">hour</span>" in en
    assert 'data-one="pledger" data-many="pledgers"' in en  # what the live script writes after each poll


def test_volunteer_page_counts_one_card_in_the_singular(client, organiser):
    fair, (a, _b) = live_fair(organiser)
    card(a, channel="paper")
    login_verified(client, organiser)
    page = client.get(reverse("web:fair-cards", args=[fair.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert "1 kort hittills" in page
    type(organiser).objects.filter(pk=organiser.pk).update(language="en")
    en = client.get(reverse("web:fair-cards", args=[fair.pk])).text
    assert "1 card so far" in en


def test_messages_with_a_count_use_plural_forms():
    from django.utils.translation import ngettext

    with translation.override("sv"):
        assert ngettext("Split over %(n)s pledge.", "Split over %(n)s pledges.", 1) % {"n": 1} == "Uppdelad på 1 löfte."
        assert (
            ngettext(
                "%(count)s pledge card from a fair was added to your account.",
                "%(count)s pledge cards from a fair were added to your account.",
                1,
            )
            % {"count": 1}
        ).startswith("1 löfteskort från en mässa lades")
        assert ngettext("kept for %(n)s month", "kept for %(n)s months", 1) % {"n": 1} == "insatt i 1 månad"


def test_hours_pledged_read_as_swedish_words_with_the_right_number(client, organiser, owner):
    fair, (pitch, _b) = live_fair(organiser, owner=owner)
    for hours in ("1", "2.5"):
        card(pitch, kind="time", amount_ore=None, hours=Decimal(hours), description="Måla", may_contact=True)
    login_verified(client, owner)
    page = client.get(reverse("web:pitch-follow-up", args=[pitch.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert "Måla (1 timme)" in page and "Måla (2,5 timmar)" in page
    assert "hours" not in page
