"""A refund account cannot be silently redirected: password or code, a mail, an audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import totp_code, totp_device_for
from tests.outbox import run_outbox
from treasury.models import AuditEvent
from treasury.selectors import refund_account_changed_at, refund_account_recently_changed

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "SE4550000000058398257466"


def _token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def test_a_stolen_token_alone_cannot_change_the_refund_account(saver) -> None:
    response = _token_client(saver).patch("/api/me/", {"refund_iban": ATTACKER}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "reauthentication_required"
    saver.refresh_from_db()
    assert saver.refund_iban == ""
    wrong = _token_client(saver).patch("/api/me/", {"refund_iban": ATTACKER, "password": "guess"}, format="json")
    assert wrong.status_code == 400
    assert not AuditEvent.objects.filter(table_name="accounts_user").exists()


def test_with_the_password_it_changes_is_audited_and_mailed(saver) -> None:
    response = _token_client(saver).patch("/api/me/", {"refund_iban": ATTACKER, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    event = AuditEvent.objects.get(table_name="accounts_user", row_id=saver.pk)
    assert event.actor_id == saver.pk and event.action == "update"
    assert event.before["refund_iban"] == "" and event.after["refund_iban"] == ATTACKER
    assert set(event.after) == {"id", "email", "refund_iban"}  # never the password hash
    run_outbox()
    notice = [m for m in mail.outbox if m.to == [saver.email]]
    assert len(notice) == 1 and "SE45 5000" in notice[0].body
    assert refund_account_recently_changed(user_id=saver.pk)


def test_a_current_two_factor_code_works_instead_of_the_password(saver) -> None:
    device = totp_device_for(saver)
    response = _token_client(saver).patch(
        "/api/me/", {"refund_iban": ATTACKER, "otp_code": totp_code(device)}, format="json"
    )
    assert response.status_code == 200


def test_the_page_form_asks_for_the_password(client, saver) -> None:
    client.force_login(saver)
    refused = client.post("/my/refund-account/", {"refund_iban": ATTACKER})
    assert refused.status_code == 400
    saver.refresh_from_db()
    assert saver.refund_iban == ""
    assert client.post("/my/refund-account/", {"refund_iban": ATTACKER, "password": PASSWORD}).status_code == 302
    saver.refresh_from_db()
    assert saver.refund_iban == ATTACKER


def test_the_hold_ends_after_the_configured_days(saver, settings) -> None:
    _token_client(saver).patch("/api/me/", {"refund_iban": ATTACKER, "password": PASSWORD}, format="json")
    assert refund_account_changed_at(user_id=saver.pk) is not None
    later = timezone.now() + timedelta(days=settings.REFUND_ACCOUNT_HOLD_DAYS + 1)
    with time_machine.travel(later, tick=False):
        assert not refund_account_recently_changed(user_id=saver.pk)


def _refund_batch(saver, treasurer):
    from datetime import date

    from pools.models import PaymentChannel
    from pools.services import payment_record
    from tests.factories import PoolFactory
    from tests.treasury.helpers import money_pledge
    from treasury.models import PayoutKind
    from treasury.services import payment_match_manual, payout_prepare

    pledge = money_pledge(PoolFactory(), saver, amount_ore=10_000)
    payment = payment_record(amount_ore=15_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    from treasury.selectors import payout_candidates

    keys = [c.source_key for c in payout_candidates(kind=PayoutKind.REFUND)]
    return payout_prepare(kind=PayoutKind.REFUND, source_keys=keys, by=treasurer)


def test_a_refund_to_a_recently_changed_account_needs_explicit_confirmation(saver, treasurer) -> None:
    from accounts.roles import Role
    from tests.factories import UserFactory
    from treasury.errors import RecentAccountNotConfirmed
    from treasury.services import payout_approve

    _token_client(saver).patch("/api/me/", {"refund_iban": ATTACKER, "password": PASSWORD}, format="json")
    batch = _refund_batch(saver, treasurer)
    approver = UserFactory(roles=(Role.TREASURER,))
    with pytest.raises(RecentAccountNotConfirmed):
        payout_approve(batch=batch, by=approver)
    approved = payout_approve(batch=batch, by=approver, confirm_recent_accounts=True)
    assert approved.status == "approved" and approved.recent_accounts_confirmed_at is not None


def test_the_payout_page_asks_the_approver_to_confirm(client, saver, treasurer) -> None:
    from accounts.roles import Role
    from tests.factories import UserFactory
    from tests.twofactor import login_verified

    _token_client(saver).patch("/api/me/", {"refund_iban": ATTACKER, "password": PASSWORD}, format="json")
    batch = _refund_batch(saver, treasurer)
    approver = UserFactory(roles=(Role.TREASURER,))
    login_verified(client, approver)
    page = client.get(f"/treasury/payouts/{batch.pk}/").content.decode()
    assert 'name="confirm_recent_accounts"' in page
    client.post(f"/treasury/payouts/{batch.pk}/approve/")
    batch.refresh_from_db()
    assert batch.status == "prepared"
    client.post(f"/treasury/payouts/{batch.pk}/approve/", {"confirm_recent_accounts": "1"})
    batch.refresh_from_db()
    assert batch.status == "approved"
