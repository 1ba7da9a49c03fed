"""The password-reset form: rate-limited per client address, mailed by the worker.

Django's own form sends the mail inside the request, so the response takes longer when the
address has an account (an oracle), and a slow mail server slows the page. Here the request only
queues the mail through the outbox; the answer is the same redirect either way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm

from accounts.mail import account_mail_queue, address_allows


class QueuedPasswordResetForm(PasswordResetForm):
    def save(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        """Queue a reset mail for each active account with the address, unless this client asked too often."""
        address = (request.META.get("REMOTE_ADDR", "") if request is not None else "") or "unknown"
        if not address_allows(
            scope="password_reset",
            address=address,
            limit=settings.PASSWORD_RESET_PER_ADDRESS_LIMIT,
            seconds=settings.PASSWORD_RESET_PER_ADDRESS_SECONDS,
        ):
            return  # the same answer as a sent mail: the page never says whether anything went out
        for user in self.get_users(self.cleaned_data["email"]):
            account_mail_queue(kind="password_reset", user=user)
