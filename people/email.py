"""Confirming a person's email address, which also hands them the fair cards they gave with it."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import EMAIL_CHANGE_SALT, EMAIL_CONFIRM_MAX_AGE, EMAIL_CONFIRM_SALT
from pools.services import pledge_claim_by_email


@transaction.atomic
def user_confirm_email(*, token: str) -> User | None:
    """Confirm the email in a token and claim fair cards given with it; None when the token is bad,
    expired or for an address the user no longer has."""
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, email = payload.get("u"), payload.get("e")
    if not isinstance(user_id, int) or not isinstance(email, str):
        return None
    user = User.objects.select_for_update().filter(pk=user_id, email=email).first()
    if user is None or user.is_erased:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    pledge_claim_by_email(user=user)
    return user


@transaction.atomic
def user_email_change_confirm(*, token: str) -> User | None:
    """Move the account to the pending address in a token (which is then confirmed) and claim fair cards
    given with it; None when the token is bad or expired, the address is no longer the pending one, or
    another account has it by now."""
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, email = payload.get("u"), payload.get("e")
    if not isinstance(user_id, int) or not isinstance(email, str) or not email:
        return None
    user = User.objects.select_for_update().filter(pk=user_id, pending_email=email).first()
    if user is None or user.is_erased:
        return None
    if User.objects.filter(email=email).exclude(pk=user.pk).exists():
        return None
    user.email = email
    user.pending_email = ""
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email", "pending_email", "email_confirmed_at"])
    pledge_claim_by_email(user=user)
    return user
