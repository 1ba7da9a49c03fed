"""Settings: a saver changes their name, language, email address (confirmed by a mailed link) and password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory
from tests.outbox import run_outbox

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's
NEW_PASSWORD = "a brand new long passphrase 2026"


@pytest.fixture
def saver(db):
    return UserFactory(email="anna@example.se", full_name="Anna Berg", language="sv")


def _link(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match is not None, body
    return match.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_settings_page_has_name_language_email_and_password_forms_filled_in(client, saver):
    client.force_login(saver)
    page = client.get(reverse("web:savers:preferences")).text
    assert re.search(r'<input[^>]*name="full_name"[^>]*value="Anna Berg"', page)
    assert re.search(r'<option value="sv" selected>', page)
    assert 'action="/my/email/#email"' in page and 'name="email"' in page
    assert 'name="old_password"' in page and 'name="new_password1"' in page and 'name="new_password2"' in page
    assert "Byt lösenord" in page
    assert "autofocus" not in page


def test_changing_name_and_language_switches_the_pages_to_that_language(client, saver):
    client.force_login(saver)
    response = client.post(reverse("web:savers:profile"), {"full_name": "  Anna Lind ", "language": "en"}, follow=True)
    saver.refresh_from_db()
    assert (saver.full_name, saver.language) == ("Anna Lind", "en")
    assert "Your name and language were saved." in response.text
    assert "Settings" in response.text


def test_bad_language_is_a_form_error_and_changes_nothing(client, saver):
    client.force_login(saver)
    response = client.post(reverse("web:savers:profile"), {"full_name": "X", "language": "de"})
    assert response.status_code == 400
    assert "errorlist" in response.text
    saver.refresh_from_db()
    assert (saver.full_name, saver.language) == ("Anna Berg", "sv")


def test_new_email_changes_only_after_the_link_mailed_to_it_is_opened(client, saver):
    client.force_login(saver)
    response = client.post(reverse("web:savers:email-change"), {"email": "Anna.Lind@Example.se", "password": PASSWORD})
    assert response.status_code == 302
    saver.refresh_from_db()
    assert (saver.email, saver.pending_email) == ("anna@example.se", "anna.lind@example.se")
    run_outbox()
    to_new = [m for m in mail.outbox if m.to == ["anna.lind@example.se"]]
    to_old = [m for m in mail.outbox if m.to == ["anna@example.se"]]
    assert len(to_new) == 1 and len(to_old) == 1
    assert "anna.lind@example.se" in to_old[0].body  # the notice names the address asked for
    link = _link(to_new[0].body)
    assert link.startswith("/my/email/confirm/")
    opened = client.get(link)
    assert opened.status_code == 302
    saver.refresh_from_db()
    assert (saver.email, saver.pending_email) == ("anna.lind@example.se", "")
    assert saver.email_confirmed_at is not None
    # The link works once: the address is no longer pending.
    assert client.get(link).status_code == 400
    assert Client().login(username="anna.lind@example.se", password=PASSWORD)


def test_email_change_needs_the_password(client, saver):
    client.force_login(saver)
    response = client.post(reverse("web:savers:email-change"), {"email": "ny@example.se", "password": "wrong"})
    assert response.status_code == 400
    assert 'id="email"' in response.text and "lösenord" in response.text
    saver.refresh_from_db()
    assert saver.pending_email == ""
    assert run_outbox() == 0


def test_a_confirmation_link_to_an_address_taken_meanwhile_fails(client, saver):
    client.force_login(saver)
    client.post(reverse("web:savers:email-change"), {"email": "taken@example.se", "password": PASSWORD})
    UserFactory(email="taken@example.se")
    run_outbox()
    link = _link(next(m for m in mail.outbox if m.to == ["taken@example.se"]).body)
    assert client.get(link).status_code == 400
    saver.refresh_from_db()
    assert saver.email == "anna@example.se"


def test_another_users_link_cannot_be_forged(client, saver):
    other = UserFactory(email="bo@example.se")
    client.force_login(saver)
    assert client.get("/my/email/confirm/" + "x" * 40 + "/").status_code == 400
    other.refresh_from_db()
    assert other.email == "bo@example.se"


def test_password_change_keeps_this_session_and_needs_the_current_password(client, saver):
    client.force_login(saver)
    wrong = client.post(
        reverse("web:savers:password-change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert User.objects.get(pk=saver.pk).check_password(PASSWORD)
    response = client.post(
        reverse("web:savers:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("web:savers:preferences")
    assert "Ditt lösenord har bytts." in response.text
    assert User.objects.get(pk=saver.pk).check_password(NEW_PASSWORD)
    assert client.get(reverse("web:savers:preferences")).status_code == 200  # still logged in


def test_a_weak_new_password_is_refused_at_its_field(client, saver):
    client.force_login(saver)
    response = client.post(
        reverse("web:savers:password-change"),
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 400
    assert User.objects.get(pk=saver.pk).check_password(PASSWORD)


@pytest.mark.parametrize("name", ["profile", "email-change", "password-change"])
def test_settings_changes_need_login_and_post(client, saver, name):
    url = reverse(f"web:savers:{name}")
    assert client.post(url, {}).status_code == 302  # to the login page
    client.force_login(saver)
    assert client.get(url).status_code == 405


def test_a_saver_changes_only_their_own_name(client, saver):
    other = UserFactory(full_name="Bo Ek")
    client.force_login(saver)
    client.post(reverse("web:savers:profile"), {"full_name": "Changed", "language": "sv", "user": other.pk})
    other.refresh_from_db()
    assert other.full_name == "Bo Ek"


def test_erasure_forgets_a_pending_address(client, saver):
    from people.erasure import user_erase

    client.force_login(saver)
    client.post(reverse("web:savers:email-change"), {"email": "ny@example.se", "password": PASSWORD})
    user_erase(user=saver, reason="test")
    saver.refresh_from_db()
    assert saver.pending_email == ""
