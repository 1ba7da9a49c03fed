"""The pledge receipt: one email with payment instructions, sent once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from pools.models import Pledge
from pools.money import format_sek
from pools.paycodes import attach_pay_code_images, pledge_pay_codes
from pools.selectors import pledge_due


def pledge_receipt_send(*, pledge_id: int) -> bool:
    """Send the receipt unless it was sent already; True when this call sent it."""
    # Claim first with a conditional update, so a duplicate task run sends nothing.
    claimed = Pledge.objects.filter(pk=pledge_id, receipt_sent_at__isnull=True).update(receipt_sent_at=timezone.now())
    if not claimed:
        return False
    pledge = Pledge.objects.select_related("pool", "pool__project", "pool__micro_fund", "saver").get(pk=pledge_id)
    saver = pledge.saver
    email = saver.email if saver is not None else pledge.contact_email
    if not email or (saver is not None and saver.is_erased):
        return False
    language = saver.language if saver is not None else "sv"
    due = pledge_due(pledge=pledge, received_ore=0, today=timezone.localdate())
    codes = pledge_pay_codes(pledge=pledge, due=due, today=timezone.localdate())
    try:
        with translation.override(language):
            context = {
                "pledge": pledge,
                "pool": pledge.pool,
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
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [email])
        message.attach_alternative(html, "text/html")
        attach_pay_code_images(message, codes)
        message.send()
    except Exception:
        # Release the claim so the retry can send it.
        Pledge.objects.filter(pk=pledge_id).update(receipt_sent_at=None)
        raise
    return True
