"""Accounts on the saver's side: email confirmation, claiming fair cards, data export and erasure."""

from __future__ import annotations

import pytest
from django.core import signing
from rest_framework.authtoken.models import Token

from accounts.errors import AlreadyErased
from accounts.models import ReminderPreference, User
from accounts.services import EMAIL_CONFIRM_SALT, email_confirmation_token, reminder_preference_set
from people.email import user_confirm_email
from people.erasure import user_erase
from people.export import csv_safe, user_data_export, user_data_export_csv_rows
from pools.models import IdempotencyKey, Payment, Pledge, PledgeKind, PledgeSource
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_confirm_email_sets_timestamp_and_claims_fair_cards(pool):
    user = UserFactory(email="kort@example.se")
    card = pledge_create(
        pool=pool, saver=None, kind=PledgeKind.SUPPORT_SAVING, source=PledgeSource.FAIR_CARD,
        amount_ore=10_000, term_months=6, contact_email="kort@example.se",
    )  # fmt: skip
    confirmed = user_confirm_email(token=email_confirmation_token(user=user))
    assert confirmed == user
    user.refresh_from_db()
    card.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert card.saver == user


@pytest.mark.parametrize("token", ["", "garbage", "x" * 600, "<script>", "' OR 1=1 --"])
def test_confirm_email_refuses_bad_tokens(saver, token):
    assert user_confirm_email(token=token) is None
    saver.refresh_from_db()
    assert saver.email_confirmed_at is None


def test_confirm_email_refuses_token_for_an_old_address(saver):
    token = email_confirmation_token(user=saver)
    User.objects.filter(pk=saver.pk).update(email="ny@example.se")
    assert user_confirm_email(token=token) is None


def test_confirm_email_refuses_token_signed_with_other_salt(saver):
    token = signing.dumps({"u": saver.pk, "e": saver.email}, salt="something-else")
    assert user_confirm_email(token=token) is None


@pytest.mark.parametrize(
    "shape",
    [
        lambda user: {"e": user.email},
        lambda user: {"u": None, "e": user.email},
        lambda user: {"u": "not-a-number", "e": user.email},
        lambda user: {"u": user.pk, "e": [user.email]},
    ],
    ids=["no user id", "null user id", "text user id", "email not text"],
)
def test_confirm_email_refuses_a_signed_payload_of_the_wrong_shape(saver, shape):
    """Only this server can sign one, but the answer is still None (it was a ValueError for a text id)."""
    token = signing.dumps(shape(saver), salt=EMAIL_CONFIRM_SALT, compress=True)
    assert user_confirm_email(token=token) is None
    saver.refresh_from_db()
    assert saver.email_confirmed_at is None


def test_data_export_holds_profile_pledges_and_payments(saver, pool, treasurer):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=12_345, months=2)
    payment = payment_record(amount_ore=12_345, received_on=pool.opens_on, channel="manual")
    payment_allocate(payment=payment, parts=[(pledge, 12_345)], by=treasurer)
    data = user_data_export(user=saver)
    assert data["profile"]["email"] == saver.email
    assert data["pledges"][0]["monthly_amount"] == "123.45"
    assert data["pledges"][0]["ocr_reference"] == pledge.ocr_reference
    assert data["payments"][0]["amount"] == "123.45"
    assert data["reminder_preferences"]["newsletter"] is False


def test_data_export_never_holds_other_savers_data(saver, other_saver, pool):
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100, term_months=1)
    assert user_data_export(user=saver)["pledges"] == []


def test_csv_cells_cannot_be_formulas(saver):
    saver.full_name = '=HYPERLINK("http://evil")'
    saver.save()
    rows = user_data_export_csv_rows(user=saver)
    name_row = next(r for r in rows if r[1] == "full_name")
    assert name_row[2].startswith("'=")
    assert csv_safe("@x") == "'@x" and csv_safe("ok") == "ok"


def test_erase_removes_profile_and_keeps_bookkeeping_anonymised(saver, pool, treasurer):
    saver.phone = "070-1234567"
    saver.personnummer = "198112189876"
    saver.save()
    money = pledge_create(
        pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=6, contact_name="Anna"
    )
    skill = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SKILL, description="Anna Andersson, snickare")
    payment = payment_record(amount_ore=10_000, received_on=pool.opens_on, channel="manual", payer_name="Anna A")
    payment_allocate(payment=payment, parts=[(money, 10_000)], by=treasurer)
    reminder_preference_set(user=saver, kind="newsletter", is_enabled=True)
    Token.objects.create(user=saver)
    IdempotencyKey.objects.create(user=saver, key="k", request_hash="h", response_status=201, response_body={})

    user_erase(user=saver, reason="the person asked on 2026-11-21")

    saver.refresh_from_db()
    assert saver.email == f"erased-{saver.pk}@erased.invalid"
    assert (saver.full_name, saver.phone, saver.personnummer) == ("", "", "")
    assert not saver.has_usable_password() and not saver.is_active
    assert saver.erased_at is not None and saver.erasure_reason == "the person asked on 2026-11-21"
    assert not ReminderPreference.objects.filter(user=saver).exists()
    assert not Token.objects.filter(user=saver).exists()
    assert not IdempotencyKey.objects.filter(user=saver).exists()
    money.refresh_from_db()
    skill.refresh_from_db()
    assert money.amount_ore == 10_000 and money.ocr_reference and money.contact_name == ""
    assert "Anna" not in skill.description
    payment.refresh_from_db()
    assert payment.amount_ore == 10_000 and payment.payer_name == ""
    assert Pledge.objects.filter(saver=saver).count() == 2 and Payment.objects.count() == 1


def test_erase_twice_is_refused(saver):
    user_erase(user=saver, reason="x")
    with pytest.raises(AlreadyErased):
        user_erase(user=saver, reason="x")


def test_erase_leaves_other_savers_alone(saver, other_saver, pool):
    theirs = pledge_create(
        pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100, term_months=1, contact_name="Bo"
    )
    user_erase(user=saver, reason="x")
    other_saver.refresh_from_db()
    theirs.refresh_from_db()
    assert other_saver.full_name and other_saver.is_active and theirs.contact_name == "Bo"
