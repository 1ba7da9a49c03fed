"""Changing the refund account: re-authenticated, announced by mail, audited, and checked at payout.

A stolen session or API token must not be enough to redirect a saver's refunds. The change needs
the account's password, or a current code from the user's confirmed TOTP device. The old and new
account land in the audit trail (database trigger on accounts_user.refund_iban, who and when), a
notice goes to the account's email address, and refunds to an account changed within
REFUND_ACCOUNT_HOLD_DAYS need a treasurer's explicit confirmation before the list is approved
(treasury.selectors.refund_account_recently_changed). It lives above the apps because it needs
accounts and the treasury's audit trail.
"""

from __future__ import annotations

from django.db import transaction

from accounts.errors import ReauthenticationRequired
from accounts.mail import account_mail_queue
from accounts.models import User
from accounts.refund_account import credentials_fresh
from accounts.services import user_set_refund_iban
from treasury.audit import audit_actor


def refund_account_change(*, user: User, iban: str, password: str = "", otp_code: str = "") -> User:
    """Set or remove the refund account after checking the password or a TOTP code; mails a notice.
    Raises ReauthenticationRequired, RefundAccountInvalid, AlreadyErased. The audit row is written by
    the database trigger, attributed to the user."""
    if not credentials_fresh(user=user, password=password, otp_code=otp_code):
        raise ReauthenticationRequired(field="password")
    before = User.objects.filter(pk=user.pk).values_list("refund_iban", flat=True).first() or ""
    with transaction.atomic(), audit_actor(user):
        user = user_set_refund_iban(user=user, iban=iban)
        if user.refund_iban != before:
            account_mail_queue(kind="refund_account_changed", user=user)
    return user
