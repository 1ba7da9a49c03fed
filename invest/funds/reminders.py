"""Fund reminders: loan repayments to project owners, share instalments to members.

The sweeps only work out what is due and return it as (user, subject, kind, period);
`fund_reminder_send` sends one, claiming its key in FundReminderSent first, so the same
reminder is never sent twice even when beat ticks twice or two workers race; the mail itself
goes through its delivery record (operations/mail.py).

When: a "due" reminder once, from DUE_NOTICE_DAYS before the due date; an "overdue"
reminder 1, 8 and 15 days after it (OVERDUE_REPEATS times at most), then it stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import ReminderKind, ReminderPreference, User
from communities.mail import reply_to, sender_address
from communities.models import Community
from invest.funds.models import FundReminderKind, FundReminderSent, FundShare
from invest.funds.schedules import paid_through
from invest.funds.selectors import loan_line, loans_with_unpaid, recorded_cutoff
from operations.mail import MailSkipped, mail_deliver
from operations.models import MailKind, MailStatus
from pools.models import PaymentAllocation
from pools.money import format_sek
from pools.paycodes import PayCodes, attach_pay_code_images, fund_instalment_pay_codes

DUE_NOTICE_DAYS = 7
OVERDUE_REPEAT_DAYS = 7
OVERDUE_REPEATS = 3

# Which account-level preference silences which fund reminder.
PREFERENCE_KIND: dict[str, str] = {
    FundReminderKind.REPAYMENT_DUE: ReminderKind.REPAYMENT_DUE,
    FundReminderKind.REPAYMENT_OVERDUE: ReminderKind.REPAYMENT_DUE,
    FundReminderKind.INSTALMENT_DUE: ReminderKind.INSTALMENT_DUE,
    FundReminderKind.INSTALMENT_OVERDUE: ReminderKind.INSTALMENT_DUE,
}


@dataclass(frozen=True)
class FundReminderDue:
    user: User
    subject: str
    kind: str
    period: str
    details: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    community_id: int | None = field(default=None, compare=False, hash=False)  # the fund's community


def _period(due_on: date, today: date) -> tuple[bool, str] | None:
    """(is_overdue, period key) when a reminder about an instalment due `due_on` is due today, else None."""
    if due_on - timedelta(days=DUE_NOTICE_DAYS) <= today <= due_on:
        return False, due_on.isoformat()
    days_late = (today - due_on).days
    if days_late >= 1:
        repeat = (days_late - 1) // OVERDUE_REPEAT_DAYS + 1
        if repeat <= OVERDUE_REPEATS:
            return True, f"{due_on.isoformat()}/late-{repeat}"
    return None


def _community_details(community: Community) -> dict[str, object]:
    """What a reminder needs from the fund's community: its Swish number (the fallback receiver), and the
    sender name and reply-to address of the mail."""
    return {
        "community_swish": community.swish_number,
        "sender_name": community.sender_name,
        "reply_to": community.contact_email,
        "community_id": community.pk,
    }


def repayment_reminders_due(*, today: date) -> list[FundReminderDue]:
    """Unpaid loan instalments due soon or overdue, one reminder each to the project's owner."""
    cutoff = recorded_cutoff(today, timezone.now() + timedelta(seconds=1))
    found = []
    for loan in loans_with_unpaid(today=today):
        line = loan_line(loan, as_of=today, cutoff=cutoff)
        for row in line.instalments:
            unpaid = int(row["amount_ore"]) - int(row["paid_ore"])  # type: ignore[call-overload]
            when = _period(row["due_on"], today) if unpaid > 0 else None  # type: ignore[arg-type]
            if when is None:
                continue
            is_late, period = when
            found.append(
                FundReminderDue(
                    user=loan.project.owner,
                    subject=f"loan:{loan.pk}:{row['number']}",
                    community_id=loan.fund.community_id,
                    kind=FundReminderKind.REPAYMENT_OVERDUE if is_late else FundReminderKind.REPAYMENT_DUE,
                    period=period,
                    details={
                        "what": loan.project.name,
                        "fund": loan.fund.name,
                        "due_on": row["due_on"],
                        "unpaid_ore": unpaid,
                        "reference": f"LOAN-{loan.pk}",
                        **_community_details(loan.fund.community),
                    },
                )
            )
    return found


def instalment_reminders_due(*, today: date) -> list[FundReminderDue]:
    """Unpaid member-share instalments due soon or overdue, one reminder each to the member."""
    cutoff = recorded_cutoff(today, timezone.now() + timedelta(seconds=1))
    found = []
    shares = (
        FundShare.objects.filter(instalments__due_on__lte=today + timedelta(days=DUE_NOTICE_DAYS))
        .exclude(pledge__status__in=["withdrawn", "lapsed", "refunded"])
        .distinct()
        .select_related("membership__member", "membership__fund__community", "pledge__pool")
        .prefetch_related("instalments")
    )
    for share in shares:
        paid = sum(
            PaymentAllocation.objects.filter(pledge_id=share.pledge_id, created_at__lt=cutoff).values_list(
                "amount_ore", flat=True
            )
        )
        instalments = list(share.instalments.all())
        for inst, got in zip(instalments, paid_through([i.amount_ore for i in instalments], paid), strict=True):
            unpaid = inst.amount_ore - got
            when = _period(inst.due_on, today) if unpaid > 0 else None
            if when is None:
                continue
            is_late, period = when
            found.append(
                FundReminderDue(
                    user=share.membership.member,
                    subject=f"share:{share.pk}:{inst.number}",
                    community_id=share.membership.fund.community_id,
                    kind=FundReminderKind.INSTALMENT_OVERDUE if is_late else FundReminderKind.INSTALMENT_DUE,
                    period=period,
                    details={
                        "what": share.membership.fund.name,
                        "fund": share.membership.fund.name,
                        "due_on": inst.due_on,
                        "unpaid_ore": unpaid,
                        "reference": share.pledge.ocr_reference,
                        "bankgiro": share.pledge.pool.bankgiro if share.pledge.pool_id else "",
                        "fund_swish": share.membership.fund.swish_number,
                        **_community_details(share.membership.fund.community),
                        "organisation_number": share.membership.fund.organisation_number,
                    },
                )
            )
    return found


def _opted_out(user: User, kind: str) -> bool:
    return ReminderPreference.objects.filter(user=user, kind=PREFERENCE_KIND[kind], is_enabled=False).exists()


def _instalment_pay_codes(reminder: FundReminderDue) -> PayCodes | None:
    """The bank-app QR and Swish codes for a share instalment reminder (the next unpaid instalment only)."""
    details = reminder.details
    if reminder.kind not in (FundReminderKind.INSTALMENT_DUE, FundReminderKind.INSTALMENT_OVERDUE):
        return None
    return fund_instalment_pay_codes(
        fund_name=str(details.get("fund", "")),
        organisation_number=str(details.get("organisation_number", "")),
        bankgiro=str(details.get("bankgiro", "")),
        fund_swish=str(details.get("fund_swish", "")),
        community_swish=str(details.get("community_swish", "")),
        reference=str(details.get("reference") or ""),
        amount_ore=int(details.get("unpaid_ore", 0)),  # type: ignore[call-overload]
        due_on=details["due_on"],  # type: ignore[arg-type]
        today=timezone.localdate(),
    )


def fund_reminder_send(*, reminder: FundReminderDue) -> bool:
    """Send one reminder unless it was sent already or the user opted out; True when this call sent it.

    Records its unique key in FundReminderSent first, then hands the mail to its delivery record,
    which retries a transient failure with backoff and shows a permanent one on the failed-mail page.
    """
    user = reminder.user
    if not user.is_active or user.is_erased or not user.email or _opted_out(user, reminder.kind):
        return False
    try:
        with transaction.atomic():
            claim = FundReminderSent.objects.create(
                user=user, subject=reminder.subject, kind=reminder.kind, period=reminder.period
            )
    except IntegrityError:
        return False
    details = {k: v.isoformat() if isinstance(v, date) else v for k, v in reminder.details.items()}
    outcome = mail_deliver(
        key=f"fund_reminder:{claim.pk}",
        kind=MailKind.FUND_REMINDER,
        args={"sent_id": claim.pk, "details": details},
        community_id=reminder.community_id,
    )
    return outcome == MailStatus.SENT


def fund_reminder_mail(*, sent_id: int, details: dict[str, object]) -> EmailMessage:
    """The recorded fund reminder in the user's language: plain text and HTML with the pay codes. Raises MailSkipped."""
    claim = FundReminderSent.objects.select_related("user").get(pk=sent_id)
    user = claim.user
    if not user.is_active or user.is_erased or not user.email or _opted_out(user, claim.kind):
        raise MailSkipped("opted out or no address")
    details = {**details, "due_on": date.fromisoformat(str(details["due_on"]))}
    reminder = FundReminderDue(user=user, subject=claim.subject, kind=claim.kind, period=claim.period, details=details)
    codes = _instalment_pay_codes(reminder)
    with translation.override(user.language):
        context = {
            **reminder.details,
            "kind": reminder.kind,
            "name": user.display_name,
            "amount": format_sek(int(reminder.details.get("unpaid_ore", 0)), user.language),  # type: ignore[call-overload]
            "site_url": settings.SITE_URL,
            "pay_codes": codes,
            "community": Community.objects.filter(pk=int(str(details.get("community_id") or 0))).first(),
        }
        subject = render_to_string("emails/fund_reminder_subject.txt", context).strip()
        text = render_to_string("emails/fund_reminder.txt", context)
        html = render_to_string("emails/fund_reminder.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        sender_address(str(details.get("sender_name", ""))),
        [user.email],
        reply_to=reply_to(str(details.get("reply_to", ""))),
    )
    message.attach_alternative(html, "text/html")
    # The QR codes travel as inline images the HTML part shows (mail programs do not show inline SVG).
    attach_pay_code_images(message, codes)
    return message


def fund_reminder_mark_sent(*, sent_id: int, details: dict[str, object]) -> None:
    """Record on the claim that the reminder went out."""
    FundReminderSent.objects.filter(pk=sent_id, sent_at__isnull=True).update(sent_at=timezone.now())


def fund_reminders_sweep(*, today: date) -> dict[str, int]:
    """Send every fund reminder due today (never twice); returns counts found and sent."""
    due = repayment_reminders_due(today=today) + instalment_reminders_due(today=today)
    sent = sum(1 for item in due if fund_reminder_send(reminder=item))
    return {"due": len(due), "sent": sent}
