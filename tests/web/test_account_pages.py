"""Sign-up, email confirmation, password reset, the language switch, preferences, data download, erasure."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ReminderPreference, User
from accounts.services import email_confirmation_token
from pools.models import Pledge, PledgeKind, PledgeSource
from pools.services import pledge_create
from tests.outbox import run_outbox

pytestmark = pytest.mark.django_db

PASSWORD = "kvarnhjul-i-ödeby-42"
LONG = "x" * 10_000
SCRIPT = "<script>alert(1)</script>"


def signup_data(**extra):
    data = {
        "email": "ny@example.se",
        "full_name": "Ny Sparare",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "en",
    }
    data.update(extra)
    return data


def test_signup_creates_saver_and_mails_confirmation_through_the_worker(client):
    response = client.post(reverse("web:savers:signup"), signup_data(next="/my/pledges/"))
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fmy%2Fpledges%2F"
    user = User.objects.get(email="ny@example.se")
    assert user.language == "en" and user.has_role("saver") and user.email_confirmed_at is None
    assert "_auth_user_id" not in client.session  # logged in only by logging in (see the taken-email case)
    assert mail.outbox == []
    run_outbox()
    link = re.search(r"https?://[^/\s]+(/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_signup_does_not_redirect_off_site(client):
    response = client.post(reverse("web:savers:signup"), signup_data(next="//evil.example/"))
    assert response["Location"] == "/login/"


@pytest.mark.parametrize(
    "extra",
    [
        {"password1": "123", "password2": "123"},
        {"password1": "password", "password2": "password"},
        {"password1": "12345678901", "password2": "12345678901"},
        {"password2": "something-else-entirely"},
        {"email": "not-an-email"},
        {"email": LONG + "@example.se"},
        {"email": SCRIPT},
        {"email": ""},
        {"full_name": LONG},
        {"language": "de"},
        {"password1": LONG, "password2": LONG},
    ],
)
def test_signup_refuses_bad_input_and_creates_nothing(client, extra):
    response = client.post(reverse("web:savers:signup"), signup_data(**extra))
    assert response.status_code == 400
    assert "errorlist" in response.text and SCRIPT not in response.text
    assert not User.objects.exists()


def test_signup_with_a_taken_email_answers_the_same_and_mails_the_owner(client, saver):
    fresh = client.post(reverse("web:savers:signup"), signup_data(email="ny-adress@example.se"), follow=True)
    taken = client.post(reverse("web:savers:signup"), signup_data(email=saver.email.upper()), follow=True)
    assert taken.status_code == fresh.status_code == 200
    assert taken.redirect_chain == fresh.redirect_chain == [("/login/", 302)]
    tokens = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token differs per response

    def page(response, email):
        return tokens.sub("T", response.text.replace(email, "X"))

    assert page(taken, saver.email) == page(fresh, "ny-adress@example.se")
    assert User.objects.count() == 2
    run_outbox()
    to_owner = [m for m in mail.outbox if m.to == [saver.email]]
    assert len(to_owner) == 1 and "/password-reset/" in to_owner[0].body


def test_confirm_email_with_bad_token_shows_error(client):
    assert client.get("/confirm-email/garbage/").status_code == 400


def test_login_claims_fair_cards_of_confirmed_email(client, pool):
    user = User.objects.create_user("kort@example.se", PASSWORD)
    user.email_confirmed_at = user.date_joined
    user.save()
    card = pledge_create(
        pool=pool, saver=None, kind=PledgeKind.SUPPORT_SAVING, source=PledgeSource.FAIR_CARD,
        amount_ore=10_000, term_months=6, contact_email="kort@example.se",
    )  # fmt: skip
    response = client.post(reverse("web:login"), {"username": "KORT@example.se", "password": PASSWORD})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.saver == user


def test_confirmation_link_claims_cards_and_shows_them(client, pool):
    client.post(reverse("web:savers:signup"), signup_data(email="kort@example.se"))
    client.login(username="kort@example.se", password=PASSWORD)
    card = pledge_create(
        pool=pool, saver=None, kind=PledgeKind.SUPPORT_SAVING, source=PledgeSource.FAIR_CARD,
        amount_ore=10_000, term_months=6, contact_email="kort@example.se",
    )  # fmt: skip
    user = User.objects.get(email="kort@example.se")
    assert card.ocr_reference not in client.get(reverse("web:savers:my-pledges")).text  # not before confirmation
    client.get(reverse("web:savers:confirm-email", args=[email_confirmation_token(user=user)]))
    assert card.ocr_reference in client.get(reverse("web:savers:my-pledges")).text


def test_password_reset_mails_a_working_link(client, saver):
    response = client.post(reverse("web:password-reset"), {"email": saver.email})
    assert response.status_code == 302
    assert mail.outbox == []  # the worker mails it
    assert run_outbox("workers.accounts.send_account_mail") == 1
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    saver.refresh_from_db()
    assert saver.check_password(PASSWORD)


@pytest.mark.parametrize("email", ["nobody@example.se", SCRIPT, LONG])
def test_password_reset_for_unknown_or_bad_email_sends_nothing(client, email):
    client.post(reverse("web:password-reset"), {"email": email})
    run_outbox()
    assert mail.outbox == []


def test_language_switch_sticks_to_account(client, saver):
    client.force_login(saver)
    client.post(reverse("web:language"), {"language": "en", "next": "/"})
    saver.refresh_from_db()
    assert saver.language == "en"
    client.cookies.clear()
    client.force_login(saver)
    assert '<html lang="en">' in client.get("/").text


@pytest.mark.parametrize("language", ["de", SCRIPT, LONG, ""])
def test_language_switch_ignores_unknown_language(client, saver, language):
    client.force_login(saver)
    client.post(reverse("web:language"), {"language": language, "next": "https://evil.example/"})
    saver.refresh_from_db()
    assert saver.language == "sv"


def test_preferences_turn_reminder_kinds_off_and_on(client, saver):
    client.force_login(saver)
    response = client.post(reverse("web:savers:preferences"), {"monthly_saving_due": "on", "newsletter": "on"})
    assert response.status_code == 302
    prefs = dict(ReminderPreference.objects.filter(user=saver).values_list("kind", "is_enabled"))
    assert prefs["payment_missing"] is False and prefs["newsletter"] is True
    assert "monthly_saving_due" not in prefs  # unchanged default stays without a row


def test_preferences_ignore_unknown_fields(client, saver):
    client.force_login(saver)
    client.post(reverse("web:savers:preferences"), {"kind": SCRIPT, "user": "1", "monthly_saving_due": LONG})
    assert not ReminderPreference.objects.filter(kind=SCRIPT).exists()


def test_download_my_data_as_json_and_csv(client, saver, other_saver, pool):
    mine = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=6)
    theirs = pledge_create(
        pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=6
    )
    client.force_login(saver)
    data = json.loads(client.get(reverse("web:savers:my-data-json")).content)
    assert [p["id"] for p in data["pledges"]] == [mine.pk]
    response = client.get(reverse("web:savers:my-data-csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert ["profile", "email", saver.email] in rows
    assert mine.ocr_reference in response.content.decode() and theirs.ocr_reference not in response.content.decode()


def test_erase_needs_password_and_confirmation(client, saver):
    client.force_login(saver)
    for data in (
        {"password": "wrong", "confirm": "on"},
        {"password": "correct horse battery staple"},
        {"password": "correct horse battery staple", "confirm": "on", "reason": LONG},
    ):
        assert client.post(reverse("web:savers:erase"), data).status_code == 400
    saver.refresh_from_db()
    assert saver.erased_at is None


def test_erase_page_erases_and_logs_out(client, saver):
    client.force_login(saver)
    data = {"password": "correct horse battery staple", "confirm": "on", "reason": "flyttar"}
    response = client.post(reverse("web:savers:erase"), data)
    assert response.status_code == 302
    saver.refresh_from_db()
    assert saver.erased_at is not None and saver.erasure_reason == "flyttar"
    assert "_auth_user_id" not in client.session
    assert not client.login(username=f"erased-{saver.pk}@erased.invalid", password="correct horse battery staple")


def test_erase_requires_post_and_login(client, saver):
    assert client.post(reverse("web:savers:erase"), {}).status_code == 302
    client.force_login(saver)
    assert client.get(reverse("web:savers:erase")).status_code == 405
    assert Pledge.objects.count() == 0


def test_settings_page_offers_a_new_confirmation_link(client, saver):
    client.force_login(saver)
    assert "confirm-email-resend" in client.get(reverse("web:savers:preferences")).text
    response = client.post(reverse("web:savers:confirm-email-resend"))
    assert response.status_code == 302
    run_outbox()
    assert "/confirm-email/" in mail.outbox[-1].body and mail.outbox[-1].to == [saver.email]


def test_confirmed_saver_gets_no_new_confirmation_mail(client, saver):
    saver.email_confirmed_at = saver.date_joined
    saver.save()
    client.force_login(saver)
    client.post(reverse("web:savers:confirm-email-resend"))
    assert mail.outbox == []


def test_confirmation_link_in_swedish_mail_for_swedish_saver(client):
    client.post(reverse("web:savers:signup"), signup_data(language="sv"))
    run_outbox()
    assert User.objects.get().language == "sv"
    assert "/confirm-email/" in mail.outbox[-1].body
