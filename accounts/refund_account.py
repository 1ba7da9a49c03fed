"""Changing the refund account: re-authenticated, announced by mail, audited, and checked at payout.

A stolen session or API token must not be enough to redirect a saver's refunds. The change needs
the account's password, or a current code from the user's confirmed TOTP device. The old and new
account land in the audit trail (database trigger on accounts_user.refund_iban, who and when), a
notice goes to the account's email address, and refunds to an account changed within
REFUND_ACCOUNT_HOLD_DAYS need a treasurer's explicit confirmation before the list is approved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.errors import ReauthenticationRequired
from accounts.models import User


def credentials_fresh(*, user: User, password: str = "", otp_code: str = "") -> bool:
    """True when the password is the user's, or the code matches one of their confirmed TOTP devices."""
    if password and user.check_password(password):
        return True
    if otp_code:
        from django_otp import match_token

        return match_token(user, otp_code.strip()) is not None
    return False


def refund_account_change(*, user: User, iban: str, password: str = "", otp_code: str = "") -> User:
    """Set or remove the refund account after checking the password or a TOTP code; mails a notice.
    Raises ReauthenticationRequired, RefundAccountInvalid, AlreadyErased. The audit row is written by
    the database trigger, attributed to the user."""
    from accounts.mail import account_mail_queue
    from accounts.services import user_set_refund_iban
    from treasury.audit import audit_actor

    if not credentials_fresh(user=user, password=password, otp_code=otp_code):
        raise ReauthenticationRequired(field="password")
    before = User.objects.filter(pk=user.pk).values_list("refund_iban", flat=True).first() or ""
    with transaction.atomic(), audit_actor(user):
        user = user_set_refund_iban(user=user, iban=iban)
        if user.refund_iban != before:
            account_mail_queue(kind="refund_account_changed", user=user)
    return user


def refund_account_changed_at(*, user_id: int) -> datetime | None:
    """When the user's refund account last changed (from the audit trail), or None."""
    from treasury.models import AuditEvent

    return (
        AuditEvent.objects.filter(table_name="accounts_user", row_id=user_id)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def refund_account_recently_changed(*, user_id: int) -> bool:
    """True when the refund account changed within REFUND_ACCOUNT_HOLD_DAYS."""
    changed_at = refund_account_changed_at(user_id=user_id)
    hold = timedelta(days=settings.REFUND_ACCOUNT_HOLD_DAYS)
    return changed_at is not None and changed_at >= timezone.now() - hold
