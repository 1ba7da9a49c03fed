"""Mail after the evening: confirmation notices and reminders to pledgers who have not confirmed yet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import ReminderKind, ReminderPreference
from communities.mail import community_sender
from invest.fairs.models import (
    Fair,
    FairNotice,
    FairStatus,
)
from operations.mail import MailSkipped, mail_deliver
from operations.models import MailKind, MailStatus
from operations.outbox import enqueue
from pools.models import Pledge, PledgeSource, PledgeStatus

NOTICE_TASK = "workers.fairs.send_fair_notice"


def _pledger_email(pledge: Pledge) -> str:
    if pledge.saver_id and pledge.saver is not None:
        return "" if pledge.saver.is_erased else pledge.saver.email.lower()
    return (pledge.contact_email or "").lower()


def fair_pledges_unconfirmed(*, fair: Fair) -> QuerySet[Pledge]:
    """Card pledges of a fair still waiting for the pledger's confirmation."""
    return Pledge.objects.filter(
        pool__fair_pitch__fair=fair,
        pool__community_id=cast(int, fair.community_id),  # the fair's pitch pools are of its community (pitch_choose)
        source=PledgeSource.FAIR_CARD,
        # Expressions of interest in regulated offers too: their link leads to the online confirmation.
        status__in=(PledgeStatus.PLEDGED, PledgeStatus.INTEREST),
        confirmation_token__isnull=False,
    )


def _unconfirmed_pledgers(fair: Fair) -> dict[str, str]:
    """Email -> language for everyone with an unconfirmed card pledge at the fair."""
    pledgers: dict[str, str] = {}
    rows = fair_pledges_unconfirmed(fair=fair).select_related("saver", "fair_card").order_by("pk")
    for pledge in rows:
        email = _pledger_email(pledge)
        if email and email not in pledgers:
            card = getattr(pledge, "fair_card", None)
            pledgers[email] = (
                pledge.saver.language if pledge.saver_id and pledge.saver else card.language if card else "sv"
            )
    return pledgers


def _notice_queue(
    *, fair: Fair, email: str, number: int, language: str, now: datetime | None = None
) -> FairNotice | None:
    """Record notice `number` for one pledger and queue its mail; None when it exists already."""
    try:
        with transaction.atomic():
            notice = FairNotice.objects.create(
                fair=fair, email=email, number=number, language=language, created_at=now or timezone.now()
            )
    except IntegrityError:
        return None
    enqueue(NOTICE_TASK, notice.pk)
    return notice


def fair_reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue the next reminder for pledgers still unconfirmed after the interval, at most
    FAIRS_MAX_REMINDERS each; returns how many were queued. Safe to run twice (unique notices)."""
    now = now or timezone.now()
    interval = timedelta(days=settings.FAIRS_REMINDER_INTERVAL_DAYS)
    queued = 0
    for fair in Fair.objects.filter(status=FairStatus.FOLLOW_UP).order_by("pk"):
        waiting = _unconfirmed_pledgers(fair)
        latest = (
            FairNotice.objects.filter(fair=fair, email__in=list(waiting))
            .values("email")
            .annotate(last_number=Max("number"), last_at=Max("created_at"))
        )
        for row in latest:
            if row["last_number"] >= settings.FAIRS_MAX_REMINDERS or row["last_at"] > now - interval:
                continue
            with transaction.atomic():
                if _notice_queue(
                    fair=fair,
                    email=row["email"],
                    number=row["last_number"] + 1,
                    language=waiting[row["email"]],
                    now=now,
                ):
                    queued += 1
    return queued


def _notice_pledges(notice: FairNotice) -> list[Pledge]:
    return list(
        fair_pledges_unconfirmed(fair=notice.fair)
        .filter(Q(saver__email__iexact=notice.email) | Q(saver__isnull=True, contact_email__iexact=notice.email))
        .select_related("pool", "pool__project", "saver")
        .order_by("pk")
    )


def _skip_reason(notice: FairNotice, pledges: list[Pledge]) -> str:
    if notice.fair.status not in (FairStatus.FOLLOW_UP,) and notice.number > 0:
        return "fair closed"
    if not pledges:
        return "nothing to confirm"
    if notice.number > 0 and _opted_out(pledges):
        return "opted out"
    return ""


def fair_notice_send(*, notice_id: int) -> bool:
    """Mail a pledger the links to confirm their fair pledges, once; True when this call sent it.

    Goes through the delivery record (key fair_notice:<id>), which keeps a duplicate task run
    from sending twice and retries a transient failure; a notice with nothing left to say is
    marked skipped with the reason instead.
    """
    notice = (
        FairNotice.objects.filter(pk=notice_id, sent_at__isnull=True, skipped_reason="").select_related("fair").first()
    )
    if notice is None:
        return False
    reason = _skip_reason(notice, _notice_pledges(notice))
    if reason:
        FairNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(skipped_reason=reason)
        return False
    outcome = mail_deliver(
        key=f"fair_notice:{notice_id}",
        kind=MailKind.FAIR_NOTICE,
        args={"notice_id": notice_id},
        community_id=notice.fair.community_id,
    )
    return outcome == MailStatus.SENT


def fair_notice_mail(*, notice_id: int) -> EmailMultiAlternatives:
    """The confirmation notice (or reminder) as a mail in the pledger's language. Raises MailSkipped."""
    notice = FairNotice.objects.select_related("fair", "fair__community").get(pk=notice_id)
    pledges = _notice_pledges(notice)
    reason = _skip_reason(notice, pledges)
    if reason:
        raise MailSkipped(reason)
    with translation.override(notice.language):
        context = {
            "fair": notice.fair,
            "notice": notice,
            "is_reminder": notice.number > 0,
            "pledges": [{"pledge": p, "url": pledge_confirm_url(p)} for p in pledges],
            "name": pledges[0].pledger_name,
            "site_url": settings.SITE_URL,
            "community": notice.fair.community,
        }
        subject = render_to_string("emails/fair_confirm_subject.txt", context).strip()
        text = render_to_string("emails/fair_confirm.txt", context)
        html = render_to_string("emails/fair_confirm.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[notice.email],
        **community_sender(notice.fair.community),  # type: ignore[arg-type]
    )
    message.attach_alternative(html, "text/html")
    return message


def fair_notice_mark_sent(*, notice_id: int) -> None:
    """Record on the notice that it went out."""
    FairNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(sent_at=timezone.now())


def pledge_confirm_url(pledge: Pledge) -> str:
    """The link a pledger follows to confirm a card pledge (the saver pages serve it)."""
    return f"{settings.SITE_URL}/pledges/confirm/{pledge.confirmation_token}/"


def _opted_out(pledges: list[Pledge]) -> bool:
    saver_ids = {p.saver_id for p in pledges if p.saver_id}
    return (
        bool(saver_ids)
        and ReminderPreference.objects.filter(
            user_id__in=saver_ids, kind=ReminderKind.FAIR_PLEDGE_UNCONFIRMED, is_enabled=False
        ).exists()
    )
