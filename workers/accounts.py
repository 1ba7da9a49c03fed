"""Mails about a person's own account (confirmation, reset, notices), queued through the outbox."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.accounts.send_account_mail", acks_late=True, time_limit=60, soft_time_limit=50)
def send_account_mail(kind: str, user_id: int, key: str | None = None) -> None:
    """Send one account mail (accounts/mail.py) through its delivery record, once per key."""
    from accounts.mail import account_mail_send

    account_mail_send(kind=kind, user_id=user_id, key=key)
