"""The refund account on the saver's settings page (a Swedish IBAN)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_set_refund_iban

pytestmark = pytest.mark.django_db

VALID = "SE4550000000058398257466"
PASSWORD = "correct horse battery staple"  # UserFactory's
OTHER = "SE7280000810340009783242"
URL = "/my/refund-account/"


def test_settings_page_shows_the_refund_account_grouped_by_four(client, saver):
    user_set_refund_iban(user=saver, iban=VALID)
    client.force_login(saver)
    page = client.get(reverse("web:savers:preferences")).text
    assert 'value="SE45 5000 0000 0583 9825 7466"' in page
    assert f'action="{URL}"' in page
    assert "Återbetalningskonto" in page  # the saver's language is Swedish


def test_settings_page_in_english(client, saver):
    User.objects.filter(pk=saver.pk).update(language="en")
    client.force_login(saver)
    page = client.get(reverse("web:savers:preferences")).text
    assert "Refund account" in page and "Only a Swedish IBAN is accepted" in page


def test_saving_a_refund_account(client, saver):
    client.force_login(saver)
    response = client.post(URL, {"refund_iban": "se45 5000 0000 0583 9825 7466", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:savers:preferences")
    saver.refresh_from_db()
    assert saver.refund_iban == VALID
    assert "sparades" in response.text  # "Ditt återbetalningskonto sparades."


def test_removing_the_refund_account(client, saver):
    user_set_refund_iban(user=saver, iban=VALID)
    client.force_login(saver)
    assert client.post(URL, {"refund_iban": "", "password": PASSWORD}).status_code == 302
    saver.refresh_from_db()
    assert saver.refund_iban == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("SE4550000000058398257467", "kontrollsiffror"),
        ("GB82WEST12345698765432", "svenskt IBAN"),
        ("SE455000000005839825746", "22 siffror"),
        ("8327-9 123 456 789-0", "clearingnummer"),
        ("S" * 10_000, "För långt"),
        ("SE45'; DROP TABLE accounts_user; --", "bokstäver"),
        ("<script>alert(1)</script>", "bokstäver"),
    ],
)
def test_bad_input_shows_a_form_error_and_writes_nothing(client, saver, value, message):
    user_set_refund_iban(user=saver, iban=OTHER)
    client.force_login(saver)
    response = client.post(URL, {"refund_iban": value, "password": PASSWORD})
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert message in page
    assert "<script>alert(1)</script>" not in response.text  # echoed input is escaped
    saver.refresh_from_db()
    assert saver.refund_iban == OTHER


def test_english_error_for_an_english_saver(client, saver):
    User.objects.filter(pk=saver.pk).update(language="en")
    client.force_login(saver)
    response = client.post(URL, {"refund_iban": "SE4550000000058398257467", "password": PASSWORD})
    assert response.status_code == 400 and "check digits do not match" in html.unescape(response.text)


def test_login_required_and_post_only(client, saver):
    response = client.post(URL, {"refund_iban": VALID, "password": PASSWORD})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not User.objects.filter(refund_iban=VALID).exists()
    client.force_login(saver)
    assert client.get(URL).status_code == 405


def test_a_saver_changes_only_their_own_account(client, saver, other_saver):
    user_set_refund_iban(user=saver, iban=VALID)
    client.force_login(other_saver)
    page = client.get(reverse("web:savers:preferences")).text
    assert "SE45 5000" not in page
    client.post(URL, {"refund_iban": OTHER, "user": saver.pk, "email": saver.email, "password": PASSWORD})
    saver.refresh_from_db()
    other_saver.refresh_from_db()
    assert (saver.refund_iban, other_saver.refund_iban) == (VALID, OTHER)


def test_the_form_needs_the_csrf_token(saver):
    client = Client(enforce_csrf_checks=True)
    client.force_login(saver)
    assert client.post(URL, {"refund_iban": VALID, "password": PASSWORD}).status_code == 403
    saver.refresh_from_db()
    assert saver.refund_iban == ""
