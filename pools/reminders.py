"""Reminders: planned as rows under a unique key, then sent once each.

Planning (`reminders_plan`) writes one pending Reminder per (recipient, subject, kind,
period) with `send_after` on a Swedish banking day at REMINDER_SEND_HOUR Stockholm time;
the unique constraint makes a second planning run a no-op. Sending
(`reminders_send_due`) claims each row with a conditional update (pending -> sending) and
hands the mail to its delivery record (operations/mail.py, key reminder:<id>), which is
claimed again before the mail server is contacted and keeps the outcome, so a duplicate
task or a worker killed mid-batch never mails anyone twice: a row left in `sending` by a
dead worker is marked failed (delivery unknown), never sent again. The outcome is copied
back onto the reminder; failures show on the one failed-mail page.

Why one module of about 500 lines: the five planners share the recipient, send-time and banking-day rules, and
the sender shares the claim-and-mirror protocol with them; each planner is one set-based query.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import ReminderKind, User
from accounts.selectors import reminder_is_wanted
from communities.mail import sender_address
from operations.mail import RETRY, MailSkipped, mail_deliver
from operations.models import MailDelivery, MailKind, MailStatus
from pools.banking_days import add_months, banking_days_before, next_banking_day, stockholm_at
from pools.models import (
    ACTIVE_PLEDGE_STATUSES,
    MONEY_KINDS,
    OPEN_POOL_STATUSES,
    Pledge,
    PledgeKind,
    PledgeSource,
    PledgeStatus,
    Pool,
    PoolStatus,
    Reminder,
    ReminderStatus,
    ReminderSubject,
)
from pools.money import format_sek
from pools.paycodes import PayCodes, attach_pay_code_images, pledge_pay_codes, pool_payment_bankgiro

log = logging.getLogger(__name__)

RECIPIENT_FIELDS = ("pk", "pool_id", "saver_id", "contact_email", "may_contact")
UNPAID_STATUSES = (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED, PledgeStatus.PARTLY_FULFILLED)
LIVE_POOL_STATUSES = (*OPEN_POOL_STATUSES, PoolStatus.SUCCEEDED, PoolStatus.SETTLED)

# ---------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Recipient:
    key: str
    saver_id: int | None
    email: str


def _pledge_recipient(pledge: Pledge) -> _Recipient | None:
    if pledge.saver_id:
        return _Recipient(f"user:{pledge.saver_id}", pledge.saver_id, "")
    if pledge.contact_email and pledge.may_contact:
        return _Recipient(f"email:{pledge.contact_email.lower()}", None, pledge.contact_email.lower())
    return None


def _send_after(day: date) -> datetime:
    return stockholm_at(day, settings.REMINDER_SEND_HOUR)


def _pledge_reminder(pledge: Pledge, *, kind: str, period: str, send_on: date) -> Reminder | None:
    recipient = _pledge_recipient(pledge)
    if recipient is None:
        return None
    return Reminder(
        recipient_key=recipient.key,
        saver_id=recipient.saver_id,
        email=recipient.email,
        kind=kind,
        subject_type=ReminderSubject.PLEDGE,
        subject_id=pledge.pk,
        period=period,
        pool_id=pledge.pool_id,
        pledge_id=pledge.pk,
        send_after=_send_after(send_on),
    )


def _pledge_start(pledge: Pledge) -> date:
    return pledge.starts_on or timezone.localtime(pledge.created_at).date()


def _plan_monthly_saving_due(today: date) -> list[Reminder]:
    """The next monthly instalment of each monthly support saver, a few banking days ahead."""
    days_before = settings.REMINDER_MONTHLY_DAYS_BEFORE
    rows = Pledge.objects.filter(
        kind=PledgeKind.SUPPORT_SAVING,
        monthly_ore__isnull=False,
        status__in=UNPAID_STATUSES,
        pool__status__in=LIVE_POOL_STATUSES,
    ).only("pk", "pool_id", "saver_id", "contact_email", "may_contact", "starts_on", "created_at", "months")
    planned = []
    for pledge in rows.iterator(chunk_size=2000):
        start = _pledge_start(pledge)
        for index in range(pledge.months or 0):
            due = next_banking_day(add_months(start, index))
            if due < today:
                continue
            send_on = banking_days_before(due, days_before)
            if send_on <= today:
                reminder = _pledge_reminder(
                    pledge, kind=ReminderKind.MONTHLY_SAVING_DUE, period=due.strftime("%Y-%m"), send_on=send_on
                )
                if reminder is not None:
                    planned.append(reminder)
            break
    return planned


def payment_missing_step(*, due_on: date, today: date) -> tuple[int, date] | None:
    """Which payment-missing reminder is due today (1..REMINDER_PAYMENT_MISSING_MAX), and its day.

    Step n goes out AFTER_DAYS + (n-1) * EVERY_DAYS days after the due date, on the next banking
    day; after the last step the reminders stop.
    """
    after, every = settings.REMINDER_PAYMENT_MISSING_AFTER_DAYS, settings.REMINDER_PAYMENT_MISSING_EVERY_DAYS
    found = None
    for step in range(1, settings.REMINDER_PAYMENT_MISSING_MAX + 1):
        send_on = next_banking_day(due_on + timedelta(days=after + (step - 1) * every))
        if send_on > today:
            break
        found = (step, send_on)
    return found


def _plan_payment_missing(today: date) -> list[Reminder]:
    """Money pledges past their due date with money still missing, on a bounded schedule."""
    rows = (
        Pledge.objects.filter(
            kind__in=[k for k in MONEY_KINDS if k != PledgeKind.SUPPORT_SAVING],
            status__in=UNPAID_STATUSES,
            due_on__lt=today,
            pool__status__in=LIVE_POOL_STATUSES,
        )
        # A regulated pledge is not chased for money during its reflection period (pools/offers).
        .exclude(regulated__reflection_ends_on__gte=today)
        .only("pk", "pool_id", "saver_id", "contact_email", "may_contact", "due_on")
        .order_by("pk")
    )
    planned = []
    for pledge in rows.iterator(chunk_size=2000):
        step = payment_missing_step(due_on=pledge.due_on, today=today)  # type: ignore[arg-type]
        if step is None:
            continue
        number, send_on = step
        reminder = _pledge_reminder(
            pledge, kind=ReminderKind.PAYMENT_MISSING, period=f"{pledge.due_on:%Y-%m-%d}#{number}", send_on=send_on
        )
        if reminder is not None:
            planned.append(reminder)
    return planned


def _plan_fair_pledge_unconfirmed(today: date) -> list[Reminder]:
    """Pledge cards from a fair still unconfirmed a few days later: one reminder each."""
    after = settings.REMINDER_FAIR_UNCONFIRMED_AFTER_DAYS
    cutoff = stockholm_at(today - timedelta(days=after - 1), 0)  # made on or before today - after
    rows = Pledge.objects.filter(
        source=PledgeSource.FAIR_CARD,
        status__in=(PledgeStatus.PLEDGED, PledgeStatus.INTEREST),
        confirmed_at__isnull=True,
        created_at__lt=cutoff,
        pool__status__in=OPEN_POOL_STATUSES,
    ).only("pk", "pool_id", "saver_id", "contact_email", "may_contact")
    planned = []
    for pledge in rows.iterator(chunk_size=2000):
        reminder = _pledge_reminder(
            pledge, kind=ReminderKind.FAIR_PLEDGE_UNCONFIRMED, period="1", send_on=next_banking_day(today)
        )
        if reminder is not None:
            planned.append(reminder)
    return planned


def _plan_term_ending(today: date) -> list[Reminder]:
    """Support savers whose term ends within REMINDER_TERM_ENDING_DAYS_BEFORE days."""
    days_before = settings.REMINDER_TERM_ENDING_DAYS_BEFORE
    rows = Pledge.objects.filter(
        kind=PledgeKind.SUPPORT_SAVING,
        status__in=ACTIVE_PLEDGE_STATUSES,
        pool__status__in=LIVE_POOL_STATUSES,
    ).only(
        "pk", "pool_id", "saver_id", "contact_email", "may_contact", "starts_on", "created_at", "months", "term_months"
    )
    planned = []
    for pledge in rows.iterator(chunk_size=2000):
        term = pledge.term_months or pledge.months
        if not term:
            continue
        ends_on = add_months(_pledge_start(pledge), term)
        send_on = next_banking_day(ends_on - timedelta(days=days_before))
        if send_on <= today <= ends_on:
            reminder = _pledge_reminder(
                pledge,
                kind=ReminderKind.SUPPORT_SAVING_TERM_ENDING,
                period=ends_on.isoformat(),
                send_on=send_on,
            )
            if reminder is not None:
                planned.append(reminder)
    return planned


def _pool_reminders(pool: Pool, *, kind: str, period: str, send_after: datetime) -> list[Reminder]:
    """One reminder per pledger of the pool (a saver with several pledges gets one)."""
    planned: dict[str, Reminder] = {}
    pledges = (
        Pledge.objects.filter(pool=pool, status__in=ACTIVE_PLEDGE_STATUSES)
        .only("pk", "pool_id", "saver_id", "contact_email", "may_contact")
        .order_by("pk")
    )
    for pledge in pledges.iterator(chunk_size=2000):
        recipient = _pledge_recipient(pledge)
        if recipient is None or recipient.key in planned:
            continue
        planned[recipient.key] = Reminder(
            recipient_key=recipient.key,
            saver_id=recipient.saver_id,
            email=recipient.email,
            kind=kind,
            subject_type=ReminderSubject.POOL,
            subject_id=pool.pk,
            period=period,
            pool_id=pool.pk,
            pledge_id=pledge.pk,
            send_after=send_after,
        )
    return list(planned.values())


def _plan_pool_closing_soon(today: date) -> list[Reminder]:
    """Pledgers of pools that close within REMINDER_POOL_CLOSING_DAYS_BEFORE banking days."""
    days_before = settings.REMINDER_POOL_CLOSING_DAYS_BEFORE
    planned = []
    for pool in Pool.objects.filter(status__in=OPEN_POOL_STATUSES, closes_on__gte=today).only("pk", "closes_on"):
        send_on = banking_days_before(pool.closes_on, days_before)
        if send_on <= today:
            planned += _pool_reminders(
                pool,
                kind=ReminderKind.POOL_CLOSING_SOON,
                period=pool.closes_on.isoformat(),
                send_after=_send_after(min(send_on, today)),
            )
    return planned


PLANNERS = {
    ReminderKind.MONTHLY_SAVING_DUE: _plan_monthly_saving_due,
    ReminderKind.PAYMENT_MISSING: _plan_payment_missing,
    ReminderKind.FAIR_PLEDGE_UNCONFIRMED: _plan_fair_pledge_unconfirmed,
    ReminderKind.POOL_CLOSING_SOON: _plan_pool_closing_soon,
    ReminderKind.SUPPORT_SAVING_TERM_ENDING: _plan_term_ending,
}


def _store(reminders: list[Reminder]) -> int:
    """Insert the reminders not stored yet; the unique key drops repeats. Returns how many are new."""
    if not reminders:
        return 0
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True, batch_size=1000)
    return Reminder.objects.count() - before


def reminders_plan(*, today: date | None = None) -> dict[str, int]:
    """Record every reminder due by `today` (Stockholm) that is not recorded yet; returns counts per kind."""
    today = today or timezone.localdate()
    counts = {}
    for kind, planner in PLANNERS.items():
        with transaction.atomic():
            counts[str(kind)] = _store(planner(today))
    return counts


def reminders_plan_pool_outcome(*, pool: Pool) -> int:
    """Record the succeeded/failed reminder for every pledger of a closed pool (in the caller's transaction)."""
    return _store(
        _pool_reminders(pool, kind=ReminderKind.POOL_OUTCOME, period=str(pool.status), send_after=timezone.now())
    )


# ---------------------------------------------------------------- sending


def _links(reminder: Reminder) -> dict[str, str]:
    site = settings.SITE_URL.rstrip("/")
    links = {"preferences_url": f"{site}/my/preferences/", "pool_url": f"{site}/pools/{reminder.pool_id}/"}
    if reminder.pledge_id:
        links["pledge_url"] = f"{site}/my/pledges/{reminder.pledge_id}/"
        pledge = reminder.pledge
        if (
            pledge is not None
            and pledge.confirmation_token
            and pledge.status in (PledgeStatus.PLEDGED, PledgeStatus.INTEREST)
        ):
            links["confirm_url"] = f"{site}/confirm/{pledge.confirmation_token}/"
    return links


def _reminder_pay_codes(reminder: Reminder) -> PayCodes | None:
    """Scan-to-pay codes for a payment-missing reminder: what the pledge asks for now."""
    from pools.selectors import pledge_due
    from pools.services import pledge_received_ore

    pledge = reminder.pledge
    if pledge is None or reminder.kind != ReminderKind.PAYMENT_MISSING:
        return None
    today = timezone.localdate()
    due = pledge_due(pledge=pledge, received_ore=pledge_received_ore(pledge), today=today)
    return pledge_pay_codes(pledge=pledge, due=due, today=today)


def reminder_message(*, reminder: Reminder, to: str, connection: Any = None) -> EmailMultiAlternatives:
    """The reminder as an email in the saver's language: plain text and HTML (with scan-to-pay codes)."""
    language = reminder.saver.language if reminder.saver_id and reminder.saver else "sv"
    pledge = reminder.pledge
    codes = _reminder_pay_codes(reminder)
    with translation.override(language):
        context = {
            "reminder": reminder,
            "kind": reminder.kind,
            "pool": reminder.pool,
            "pledge": pledge,
            "name": reminder.saver.display_name if reminder.saver else (pledge.contact_name if pledge else ""),
            "amount": format_sek(pledge.amount_ore, language) if pledge and pledge.amount_ore else "",
            "monthly": format_sek(pledge.monthly_ore, language) if pledge and pledge.monthly_ore else "",
            "period": reminder.period.split("#")[0],
            "pay_codes": codes,
            "community": reminder.pool.community,
            "bankgiro": pool_payment_bankgiro(reminder.pool),
            **_links(reminder),
        }
        subject = " ".join(render_to_string("emails/reminders/subject.txt", context).split())
        text = render_to_string("emails/reminders/body.txt", context)
        html = render_to_string("emails/reminders/body.html", context)
    community = reminder.pool.community
    message = EmailMultiAlternatives(
        subject,
        text,
        sender_address(community.sender_name),
        [to],
        reply_to=community.reply_to,
        connection=connection,
        headers={"X-Lokalkapital-Reminder": f"{reminder.pk}"},
    )
    message.attach_alternative(html, "text/html")
    attach_pay_code_images(message, codes)
    return message


def _claim(reminder_id: int) -> bool:
    now = timezone.now()
    return bool(
        Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.PENDING, send_after__lte=now).update(
            status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    )


def _finish(reminder_id: int, status: str, error: str = "", **fields: object) -> None:
    Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.SENDING).update(
        status=status, last_error=error[:2000], updated_at=timezone.now(), **fields
    )


def reminder_due_ids(*, limit: int) -> list[int]:
    """Pending reminders whose time has come, oldest first."""
    return list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, send_after__lte=timezone.now())
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def reminder_mail(*, reminder_id: int) -> EmailMultiAlternatives:
    """The reminder's mail, built for its delivery record; raises MailSkipped once the saver opted out."""
    reminder = Reminder.objects.select_related("saver", "pool__community", "pledge").get(pk=reminder_id)
    user: User | None = reminder.saver
    if user is not None and not reminder_is_wanted(user=user, kind=reminder.kind):
        raise MailSkipped("opted out")
    address = user.email if user is not None else reminder.email
    if not address:
        raise MailSkipped("no email address")
    return reminder_message(reminder=reminder, to=address)


def reminder_mark_sent(*, reminder_id: int) -> None:
    """Record on the reminder that its mail went out (also when a retry from the failed-mail page sent it)."""
    now = timezone.now()
    Reminder.objects.filter(pk=reminder_id).exclude(status=ReminderStatus.SENT).update(
        status=ReminderStatus.SENT, sent_at=now, last_error="", updated_at=now
    )


def _mirror(reminder_id: int, delivery: MailDelivery) -> str:
    """Copy the delivery's outcome onto the reminder; returns the reminder's new status."""
    if delivery.status == MailStatus.SENT:
        _finish(reminder_id, ReminderStatus.SENT, sent_at=delivery.sent_at)
        return ReminderStatus.SENT
    if delivery.status == MailStatus.SKIPPED:
        status = ReminderStatus.SKIPPED_OPTED_OUT if delivery.last_error == "opted out" else ReminderStatus.FAILED
        _finish(reminder_id, status, delivery.last_error)
        return status
    if delivery.status == MailStatus.PENDING:
        _finish(reminder_id, ReminderStatus.PENDING, delivery.last_error, send_after=delivery.next_attempt_at)
        return ReminderStatus.PENDING
    if delivery.status == MailStatus.FAILED:
        _finish(reminder_id, ReminderStatus.FAILED, delivery.last_error)
        return ReminderStatus.FAILED
    return ReminderStatus.SENDING  # another run is sending it right now; its outcome marks the reminder


def reminders_send_batch(*, reminder_ids: list[int]) -> dict[str, int]:
    """Send the given reminders over one mail connection, each through its delivery record.

    Opt-outs are checked at the moment of sending. A transient mail error puts the reminder back
    with the delivery's backoff and ends the batch; a permanent one marks it failed, and the
    failed-mail page shows it.
    """
    counts = {"sent": 0, "skipped_opted_out": 0, "failed": 0, "retry": 0}
    connection = get_connection(fail_silently=False)
    try:
        for reminder_id in reminder_ids:
            if not _claim(reminder_id):
                continue  # another run took it, or it is no longer due
            try:
                outcome = mail_deliver(
                    key=f"reminder:{reminder_id}",
                    kind=MailKind.POOL_REMINDER,
                    args={"reminder_id": reminder_id},
                    community_id=Reminder.objects.filter(pk=reminder_id)
                    .values_list("pool__community_id", flat=True)
                    .first(),
                    connection=connection,
                )
            finally:
                delivery = MailDelivery.objects.get(key=f"reminder:{reminder_id}")
                status = _mirror(reminder_id, delivery)
            if status == ReminderStatus.SENT:
                counts["sent"] += 1
            elif status == ReminderStatus.SKIPPED_OPTED_OUT:
                counts["skipped_opted_out"] += 1
            elif status == ReminderStatus.FAILED:
                counts["failed"] += 1
            elif outcome == RETRY:
                counts["retry"] += 1
                log.warning("reminders: transient mail error, batch stopped: %s", delivery.last_error)
                break
    finally:
        try:
            connection.close()
        except Exception:  # closing a broken connection must not hide what happened
            log.warning("reminders: could not close the mail connection", exc_info=True)
    return counts


def reminders_send_due(*, max_batches: int | None = None) -> dict[str, int]:
    """Send due reminders in batches of REMINDER_BATCH_SIZE until none is due; returns counts."""
    totals = {"sent": 0, "skipped_opted_out": 0, "failed": 0, "retry": 0, "batches": 0}
    batches = max_batches if max_batches is not None else settings.REMINDER_MAX_BATCHES_PER_RUN
    for _batch in range(batches):
        ids = reminder_due_ids(limit=settings.REMINDER_BATCH_SIZE)
        if not ids:
            break
        counts = reminders_send_batch(reminder_ids=ids)
        totals["batches"] += 1
        for key, value in counts.items():
            totals[key] += value
        if counts["retry"]:
            break  # the mail server is struggling: the next sweep tries again
    return totals


def reminders_fail_interrupted() -> int:
    """Reminders left in `sending` by a worker that died: delivery unknown, so failed, never resent."""
    stale = timezone.now() - timedelta(seconds=settings.REMINDER_SENDING_STALE_SECONDS)
    return Reminder.objects.filter(status=ReminderStatus.SENDING, claimed_at__lt=stale).update(
        status=ReminderStatus.FAILED,
        last_error="interrupted while sending: delivery unknown, not resent so the saver never gets it twice",
        updated_at=timezone.now(),
    )
