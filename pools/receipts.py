"""The pledge receipt: one email with payment instructions, sent once through its delivery record."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from communities.mail import community_sender
from operations.mail import MailSkipped, mail_deliver
from operations.models import MailKind, MailStatus
from pools.models import Pledge
from pools.money import format_sek
from pools.paycodes import attach_pay_code_images, pledge_pay_codes, pool_payment_bankgiro
from pools.selectors import pledge_due


def pledge_receipt_send(*, pledge_id: int) -> bool:
    """Send the receipt unless it was sent already; True when this call sent it.

    The delivery record (key receipt:<pledge>) makes a duplicate task run send nothing and
    retries a transient failure with backoff; `receipt_sent_at` is set once it went out.
    """
    if Pledge.objects.filter(pk=pledge_id, receipt_sent_at__isnull=False).exists():
        return False  # sent before delivery records existed, or marked so by the demo seeder
    community_id = Pledge.objects.filter(pk=pledge_id).values_list("pool__community_id", flat=True).first()
    outcome = mail_deliver(
        key=f"receipt:{pledge_id}", kind=MailKind.RECEIPT, args={"pledge_id": pledge_id}, community_id=community_id
    )
    return outcome == MailStatus.SENT


def receipt_message(*, pledge_id: int) -> EmailMultiAlternatives:
    """The receipt mail for a pledge, in the pledger's language. Raises MailSkipped when nobody can get it."""
    pledge = Pledge.objects.select_related("pool", "pool__project", "pool__micro_fund", "pool__community", "saver").get(
        pk=pledge_id
    )
    saver = pledge.saver
    email = saver.email if saver is not None else pledge.contact_email
    if not email or (saver is not None and saver.is_erased):
        raise MailSkipped("no address")
    language = saver.language if saver is not None else "sv"
    due = pledge_due(pledge=pledge, received_ore=0, today=timezone.localdate())
    codes = pledge_pay_codes(pledge=pledge, due=due, today=timezone.localdate())
    with translation.override(language):
        context = {
            "pledge": pledge,
            "pool": pledge.pool,
            "community": pledge.pool.community,
            "bankgiro": pool_payment_bankgiro(pledge.pool),
            "amount": format_sek(pledge.amount_ore, language) if pledge.amount_ore else "",
            "monthly": format_sek(pledge.monthly_ore, language) if pledge.monthly_ore else "",
            "site_url": settings.SITE_URL,
            "points": due.estimated_points if due else 0,
            "due_on": due.next_due_on if due else None,
            "pay_codes": codes,
        }
        subject = render_to_string("emails/pledge_receipt_subject.txt", context).strip()
        text = render_to_string("emails/pledge_receipt.txt", context)
        html = render_to_string("emails/pledge_receipt.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[email],
        **community_sender(pledge.pool.community),  # type: ignore[arg-type]
    )
    message.attach_alternative(html, "text/html")
    attach_pay_code_images(message, codes)
    return message


def receipt_mark_sent(*, pledge_id: int) -> None:
    """Record on the pledge that its receipt went out."""
    Pledge.objects.filter(pk=pledge_id, receipt_sent_at__isnull=True).update(receipt_sent_at=timezone.now())
