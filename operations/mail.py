"""Every outgoing mail goes through one delivery record (MailDelivery).

`mail_deliver(key=..., kind=..., args=...)` records the mail under its unique key (a second
call with the same key sends nothing), claims it with a conditional update (pending -> sending)
before the mail server is contacted, builds the message with the kind's builder and sends it.
A transient error (server away, busy, SMTP 4xx) puts it back with an exponential delay until
MAIL_MAX_ATTEMPTS are used; a permanent one marks it failed, and failed mails are listed on one
page (/ops/mail/failed/) where a treasurer or organiser can retry them. A row left in `sending`
by a dead worker is marked failed (delivery unknown), never sent again on its own.

Builders live with their domain and are named here by dotted path (like the task names the
outbox queues), so this module depends on no app above it. A builder takes the delivery's
`args` as keyword arguments and returns the message, or raises MailSkipped when there is
nothing to send any more (the person opted out or was erased).
"""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from operations.errors import DomainError
from operations.models import MailDelivery, MailKind, MailStatus
from operations.outbox import enqueue

log = logging.getLogger(__name__)

SEND_TASK = "workers.mail.send_mail_delivery"

# What a send attempt came to, besides the final statuses: another run holds it, or it waits for a retry.
TAKEN = "taken"
RETRY = "retry"


@dataclass(frozen=True)
class MailKindSpec:
    build: str  # dotted path: (**args) -> EmailMessage, or raises MailSkipped
    sent: str | None = None  # dotted path: (**args) -> None, records the sending on the domain row
    audience: str = "money"  # "money": treasurers see its failures; "fair": organisers do


KINDS: dict[str, MailKindSpec] = {
    MailKind.RECEIPT: MailKindSpec("pools.receipts.receipt_message", "pools.receipts.receipt_mark_sent"),
    MailKind.POOL_REMINDER: MailKindSpec("pools.reminders.reminder_mail", "pools.reminders.reminder_mark_sent"),
    MailKind.FUND_REMINDER: MailKindSpec(
        "invest.funds.reminders.fund_reminder_mail", "invest.funds.reminders.fund_reminder_mark_sent"
    ),
    MailKind.FAIR_NOTICE: MailKindSpec(
        "invest.fairs.services.notices.fair_notice_mail",
        "invest.fairs.services.notices.fair_notice_mark_sent",
        audience="fair",
    ),
    MailKind.ACCOUNT: MailKindSpec("accounts.mail.account_mail_message"),
    MailKind.STATEMENT: MailKindSpec(
        "treasury.statements.statement_message", "treasury.statements.statement_mark_sent"
    ),
    MailKind.RECEIVER_NOTICE: MailKindSpec("invest.notices.swish_number_notice_message"),
    MailKind.COMMUNITY_INVITATION: MailKindSpec("communities.mail.invitation_message"),
}

# Which permission shows (and retries) the failures of which kinds.
AUDIENCE_PERMISSIONS = {"money": "operations.view_money_mail", "fair": "operations.view_fair_mail"}

# Errors worth another try later: the server is unreachable, busy or slow (SMTP 4xx).
TRANSIENT_MAIL_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


class MailSkipped(Exception):
    """Raised by a builder: nothing to send (opted out, erased, no address); the reason is kept."""


class MailNotFailed(DomainError):
    code = "mail_not_failed"
    status = 409
    default_message = _("Only a failed mail can be retried.")


class MailNotYours(DomainError):
    code = "mail_not_yours"
    status = 403
    default_message = _("You may not retry this kind of mail.")


class MailNotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("No such failed mail.")


def is_transient(exc: BaseException) -> bool:
    """True for mail errors worth another try later."""
    if isinstance(exc, TRANSIENT_MAIL_ERRORS):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 400 <= code < 500


def kinds_for_audience(audience: str) -> list[str]:
    """The mail kinds whose failures the given audience handles."""
    return [kind for kind, spec in KINDS.items() if spec.audience == audience]


def mail_deliver(
    *, key: str, kind: str, args: dict[str, Any], community_id: int | None = None, connection: Any = None
) -> str:
    """Record the mail under `key` (once) and try to send it now; returns what happened.

    `community_id`: the community the mail is about (its staff see the failure); None for platform mails.

    Returns "sent", "skipped", "failed", RETRY (waits with backoff) or TAKEN (already sent,
    in flight or not due). Raises what a builder or the backend raised when it is a bug
    (after recording the delivery as failed).
    """
    if kind not in KINDS:
        raise ValueError(kind)
    try:
        with transaction.atomic():
            delivery = MailDelivery.objects.create(
                key=key, kind=kind, args=args, community_id=community_id, next_attempt_at=timezone.now()
            )
    except IntegrityError:
        delivery = MailDelivery.objects.get(key=key)
    return mail_delivery_send(delivery_id=delivery.pk, connection=connection)


def mail_queue(*, key: str, kind: str, args: dict[str, Any], community_id: int | None = None) -> None:
    """Record the mail under `key` in the caller's transaction and send it after commit (through the
    outbox; the sweep sends it if the broker is away). A second call with the same key queues nothing.
    `community_id`: the community the mail is about (its staff see the failure); None for platform mails."""
    if kind not in KINDS:
        raise ValueError(kind)
    try:
        with transaction.atomic():
            delivery = MailDelivery.objects.create(
                key=key, kind=kind, args=args, community_id=community_id, next_attempt_at=timezone.now()
            )
    except IntegrityError:
        return
    enqueue(SEND_TASK, delivery.pk)


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    return bool(
        MailDelivery.objects.filter(pk=delivery_id, status=MailStatus.PENDING, next_attempt_at__lte=now).update(
            status=MailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    )


def _finish(delivery_id: int, status: str, error: str = "", **fields: object) -> None:
    MailDelivery.objects.filter(pk=delivery_id, status=MailStatus.SENDING).update(
        status=status, last_error=error[:2000], updated_at=timezone.now(), **fields
    )


def _retry_later(delivery: MailDelivery, exc: BaseException) -> str:
    error = f"{type(exc).__name__}: {exc}"
    if delivery.attempts >= settings.MAIL_MAX_ATTEMPTS:
        _finish(delivery.pk, MailStatus.FAILED, f"gave up after {delivery.attempts} attempts: {error}")
        return MailStatus.FAILED
    delay = min(
        settings.MAIL_RETRY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1), settings.MAIL_RETRY_BACKOFF_MAX_SECONDS
    )
    _finish(delivery.pk, MailStatus.PENDING, error, next_attempt_at=timezone.now() + timedelta(seconds=delay))
    return RETRY


def mail_delivery_send(*, delivery_id: int, connection: Any = None) -> str:
    """Claim one due delivery, build and send its message, record the outcome (see mail_deliver)."""
    if not _claim(delivery_id):
        return TAKEN
    delivery = MailDelivery.objects.get(pk=delivery_id)
    spec = KINDS[delivery.kind]
    build: Callable[..., EmailMessage] = import_string(spec.build)
    try:
        message = build(**delivery.args)
    except MailSkipped as skip:
        _finish(delivery_id, MailStatus.SKIPPED, str(skip))
        return MailStatus.SKIPPED
    except Exception as exc:
        _finish(delivery_id, MailStatus.FAILED, f"could not build the mail: {type(exc).__name__}: {exc}")
        raise  # a bug (template, data): recorded, then loud
    to = ", ".join(message.to)[:254]
    if connection is not None:
        message.connection = connection
    try:
        message.send()
    except Exception as exc:
        MailDelivery.objects.filter(pk=delivery_id).update(to=to)
        if is_transient(exc):
            return _retry_later(delivery, exc)
        _finish(delivery_id, MailStatus.FAILED, f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, smtplib.SMTPException):
            raise
        return MailStatus.FAILED
    _finish(delivery_id, MailStatus.SENT, to=to, sent_at=timezone.now())
    if spec.sent:
        import_string(spec.sent)(**delivery.args)
    return MailStatus.SENT


def mail_deliveries_fail_interrupted() -> int:
    """Deliveries left in `sending` by a worker that died: delivery unknown, so failed (shown), not resent."""
    stale = timezone.now() - timedelta(seconds=settings.MAIL_SENDING_STALE_SECONDS)
    return MailDelivery.objects.filter(status=MailStatus.SENDING, claimed_at__lt=stale).update(
        status=MailStatus.FAILED,
        last_error="interrupted while sending: delivery unknown, not resent so nobody gets it twice",
        updated_at=timezone.now(),
    )


def mail_deliveries_sweep(*, limit: int | None = None) -> dict[str, int]:
    """Fail interrupted deliveries, then send the due ones oldest first; stops when the server struggles."""
    counts = {"interrupted": mail_deliveries_fail_interrupted(), "sent": 0, "skipped": 0, "failed": 0, "retry": 0}
    due = list(
        MailDelivery.objects.filter(status=MailStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: limit or settings.MAIL_SWEEP_BATCH_SIZE]
    )
    for delivery_id in due:
        outcome = mail_delivery_send(delivery_id=delivery_id)
        if outcome in counts:
            counts[outcome] += 1
        if outcome == RETRY:
            break
    return counts


def mail_may_handle(*, user: Any, kind: str) -> bool:
    """Whether the user sees and retries failed mails of this kind."""
    return bool(user.has_perm(AUDIENCE_PERMISSIONS[KINDS[kind].audience]))


def mail_in_scope(*, delivery: MailDelivery, community_ids: list[int] | None) -> bool:
    """Whether a delivery belongs to the given communities (None: every community and platform mails;
    a platform mail, without a community, is in no community's scope)."""
    return community_ids is None or (delivery.community_id is not None and delivery.community_id in community_ids)


def mail_delivery_retry(*, delivery: MailDelivery, by: Any, community_ids: list[int] | None) -> MailDelivery:
    """Put a failed delivery back to be sent now and queue its sending. `community_ids`: the communities whose
    mails `by` handles (from communities.selectors.mail_community_ids; None: every one, for platform staff).
    Raises MailNotFound (another community's or a platform mail), MailNotYours, MailNotFailed."""
    if not mail_in_scope(delivery=delivery, community_ids=community_ids):
        raise MailNotFound()
    if not mail_may_handle(user=by, kind=delivery.kind):
        raise MailNotYours()
    with transaction.atomic():
        # The row is named with its community (None: a platform mail), as the scope check above read it.
        in_its_community = (
            Q(community_id=delivery.community_id) if delivery.community_id is not None else Q(community_id__isnull=True)
        )
        changed = MailDelivery.objects.filter(in_its_community, pk=delivery.pk, status=MailStatus.FAILED).update(
            status=MailStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), updated_at=timezone.now()
        )
        if not changed:
            raise MailNotFailed()
        enqueue(SEND_TASK, delivery.pk)
    return MailDelivery.objects.get(in_its_community, pk=delivery.pk)
