"""Erasing a person: profile data goes, bookkeeping stays anonymised (pledges, payments)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.errors import AlreadyErased
from accounts.models import ReminderPreference, User
from pools.models import MONEY_KINDS, IdempotencyKey, Payment, Pledge
from pools.offers.services import offers_erase

ERASED_EMAIL_DOMAIN = "erased.invalid"
ERASED_TEXT = "-"


@transaction.atomic
def user_erase(*, user: User, reason: str) -> User:
    """Erase a person's profile data: name, phone, personnummer, refund account, preferences, tokens; email
    becomes a placeholder and the password unusable. Money pledges and payments stay, anonymised.
    Raises AlreadyErased."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_erased:
        raise AlreadyErased(user.pk)
    user.email = f"erased-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.full_name = ""
    user.phone = ""
    user.personnummer = ""
    user.refund_iban = ""
    user.newsletter_opt_in_at = None
    user.email_confirmed_at = None
    user.pending_email = ""
    user.is_active = False
    user.set_unusable_password()
    user.erased_at = timezone.now()
    user.erasure_reason = (reason or "").strip()[:2000] or "requested by the person"
    user.save()
    ReminderPreference.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    IdempotencyKey.objects.filter(user=user).delete()
    pledges = Pledge.objects.select_for_update().filter(saver=user).order_by("pk")
    pledge_ids = list(pledges.values_list("pk", flat=True))
    # Bookkeeping stays: the pledge rows keep amounts and references, but nothing that names the person.
    Pledge.objects.filter(pk__in=pledge_ids).update(
        contact_name="", contact_email="", contact_phone="", confirmation_token=None, is_name_public=False
    )
    Pledge.objects.filter(pk__in=pledge_ids).exclude(kind__in=MONEY_KINDS).update(description=ERASED_TEXT, unit="")
    Payment.objects.filter(allocations__pledge__saver=user).update(payer_name="", payer_account="")
    offers_erase(user=user)
    return user
