"""Mails about a person's own account, sent by the worker through the outbox.

The request only writes an outbox row (operations/outbox.py), so answering takes the same
time whether or not a mail goes out (nothing to learn from the response time), a dead mail
server or broker never fails the request, and the relay sends the mail later. The worker sends
it through its delivery record (operations/mail.py): retried with backoff, failures shown.

Kinds:
- confirm_email: the confirmation link after sign-up;
- signup_existing: someone tried to sign up with an address that already has an account;
- password_reset: the reset link (asked for on /password-reset/);
- refund_account_changed: the refund account was changed (or removed);
- email_change_confirm: the link that moves the account to a new address, sent to that new address;
- email_change_requested: a notice to the current address that a move was asked for.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from operations.mail import MailSkipped, mail_deliver
from operations.models import MailKind
from operations.outbox import enqueue

TASK = "workers.accounts.send_account_mail"
KINDS = (
    "confirm_email",
    "signup_existing",
    "password_reset",
    "refund_account_changed",
    "email_change_confirm",
    "email_change_requested",
)


def account_mail_queue(*, kind: str, user: User) -> None:
    """Queue one account mail to the user through the outbox (sent after commit by the worker)."""
    if kind not in KINDS:
        raise ValueError(kind)
    with transaction.atomic():
        # A key of its own per request, so a redelivered task sends this mail once and a second request another.
        enqueue(TASK, kind, user.pk, uuid.uuid4().hex)


def address_allows(*, scope: str, address: str, limit: int, seconds: int) -> bool:
    """Count one use of `scope` by a client address; False once `limit` is passed within the window.

    The count lives in the shared cache. When the cache is down the answer is True: the mail is
    still queued, and the account's own limits (axes' lockout, the token's expiry) still hold.
    """
    key = f"rate:{scope}:{address}"
    try:
        if cache.add(key, 1, timeout=seconds):
            return True
        return int(cache.incr(key)) <= limit
    except Exception:  # noqa: BLE001  (any cache failure: degrade to allowing, never a 500)
        return True


def _site() -> tuple[str, str]:
    protocol, _sep, domain = settings.SITE_URL.partition("://")
    return protocol or "https", domain.rstrip("/")


def account_mail_send(*, kind: str, user_id: int, key: str | None = None) -> str:
    """Send one account mail through its delivery record (from the worker); returns the outcome."""
    return mail_deliver(
        key=f"account:{kind}:{user_id}:{key or uuid.uuid4().hex}",
        kind=MailKind.ACCOUNT,
        args={"kind": kind, "user_id": user_id},
    )


def account_mail_message(*, kind: str, user_id: int) -> EmailMessage:
    """Render one account mail in the user's language; links and tokens are made now. Raises MailSkipped."""
    from accounts.services import email_change_token, email_confirmation_token

    user = User.objects.filter(pk=user_id, is_active=True, erased_at__isnull=True).first()
    if user is None:
        raise MailSkipped("no active account")
    protocol, domain = _site()
    base = f"{protocol}://{domain}"
    recipient = user.email
    with translation.override(user.language):
        if kind == "confirm_email":
            link = base + reverse("web:savers:confirm-email", kwargs={"token": email_confirmation_token(user=user)})
            subject = _("Confirm your email address")
            body = render_to_string("emails/confirm_email.txt", {"user": user, "link": link})
        elif kind == "signup_existing":
            subject = _("Someone tried to sign up with your address")
            body = render_to_string(
                "emails/signup_existing.txt",
                {"user": user, "login": base + reverse("web:login"), "reset": base + reverse("web:password-reset")},
            )
        elif kind == "password_reset":
            subject = render_to_string("emails/password_reset_subject.txt").strip()
            context = {
                "email": user.email,
                "user": user,
                "domain": domain,
                "protocol": protocol,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            }
            body = render_to_string("emails/password_reset.txt", context)
        elif kind == "refund_account_changed":
            subject = _("Your refund account was changed")
            body = render_to_string(
                "emails/refund_account_changed.txt", {"user": user, "settings": base + "/my/preferences/"}
            )
        elif kind == "email_change_confirm":
            if not user.pending_email:
                raise MailSkipped("confirmed or replaced already")
            recipient = user.pending_email
            link = base + reverse("web:savers:email-change-confirm", kwargs={"token": email_change_token(user=user)})
            subject = _("Confirm your new email address")
            body = render_to_string("emails/email_change_confirm.txt", {"user": user, "link": link})
        elif kind == "email_change_requested":
            subject = _("A new email address was asked for your account")
            body = render_to_string(
                "emails/email_change_requested.txt",
                {"user": user, "new_email": user.pending_email, "settings": base + reverse("web:savers:preferences")},
            )
        else:
            raise ValueError(kind)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
