"""Notices when where a project or fund is paid changes.

A changed Swish number redirects every saver's next payment, so its owner (project) or organiser (fund)
is told by mail each time it changes, whoever changed it: someone with a stolen session cannot move the
money quietly. The change itself is in the audit trail (a database trigger on swish_number, see
treasury/audit.py); the mail goes through its delivery record (operations/mail.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from communities.mail import community_sender
from invest.models import MicroFund, Project
from operations.mail import MailSkipped, mail_queue
from operations.models import MailKind
from pools.paycodes import swish_number_display

PROJECT = "project"
FUND = "fund"


def swish_number_notice_queue(*, receiver: Project | MicroFund, before: str, after: str, by: User) -> None:
    """Queue the notice of a changed Swish number to the project's owner or the fund's organiser (after
    commit, in the caller's transaction)."""
    what = PROJECT if isinstance(receiver, Project) else FUND
    mail_queue(
        key=f"receiver_notice:{what}:{receiver.pk}:{uuid.uuid4().hex}",
        kind=MailKind.RECEIVER_NOTICE,
        community_id=receiver.community_id,
        args={
            "receiver": what,
            "receiver_id": receiver.pk,
            "before": before,
            "after": after,
            "by_id": by.pk,
            "changed_at": timezone.now().isoformat(),
        },
    )


def swish_number_notice_message(
    *, receiver: str, receiver_id: int, before: str, after: str, by_id: int | None, changed_at: str
) -> EmailMessage:
    """The notice in the recipient's language: what, who, when, before and after. Raises MailSkipped."""
    if receiver == PROJECT:
        project = Project.objects.select_related("owner", "community").get(pk=receiver_id)
        recipient, name, community = project.owner, project.name, project.community
        path = reverse("web:project-swish", kwargs={"project_id": project.pk})
    else:
        fund = MicroFund.objects.select_related("organiser", "community").get(pk=receiver_id)
        recipient, name, community = fund.organiser, fund.name, fund.community
        path = reverse("web:fund-swish", kwargs={"slug": fund.slug})
    if not recipient.is_active or recipient.is_erased:
        raise MailSkipped("no active account")
    by = User.objects.filter(pk=by_id).first() if by_id else None
    at = timezone.localtime(datetime.fromisoformat(changed_at))
    with translation.override(recipient.language):
        context = {
            "recipient": recipient,
            "name": name,
            "before": swish_number_display(before),
            "after": swish_number_display(after),
            "by": by,
            "by_self": by is not None and by.pk == recipient.pk,
            "at": at.strftime("%Y-%m-%d %H:%M"),
            "link": settings.SITE_URL.rstrip("/") + path,
            "community": community,
        }
        subject = _("The Swish number of %(name)s was changed") % {"name": name}
        body = render_to_string("emails/swish_number_changed.txt", context)
    return EmailMessage(subject, body, to=[recipient.email], **community_sender(community))  # type: ignore[arg-type]
