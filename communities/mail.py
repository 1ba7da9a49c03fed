"""The sender of a community's mail: its own name on the platform's address, replies to its contact.

Every mail about one community's pool, fair or fund (receipts, reminders, fair notices, fund reminders,
Swish-number notices, a yearly statement covering only that community) is sent as the community: its name
as the display name of the platform's address, its contact address as Reply-To, and its name, bankgiro and
contact at the foot of the body (emails/_community_contact.txt/.html). A saver's yearly statement that spans
several communities comes from the platform sender and lists each community in its own section instead.

Also the invitation mail (a role in a community, by a mailed link), built by operations/mail.py.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from communities.models import Community


def sender_address(name: str) -> str:
    """DEFAULT_FROM_EMAIL's address shown with the community's name (the platform's name when empty)."""
    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    shown = "".join(ch for ch in (name or display) if ch not in '"\\\r\n<>').strip()
    return f'"{shown}" <{address}>' if shown else address


def reply_to(email: str) -> list[str]:
    """Reply-To for a community's mail: its contact address, or none (replies go to the sender)."""
    return [email] if email else []


def community_sender(community: Community | None) -> dict[str, object]:
    """EmailMessage keyword arguments for a mail sent as `community` (the platform sender when None)."""
    if community is None:
        return {"from_email": settings.DEFAULT_FROM_EMAIL, "reply_to": []}
    return {"from_email": sender_address(community.sender_name), "reply_to": community.reply_to}


def invitation_message(*, invitation_id: int) -> EmailMessage:
    """The invitation in the community's default language, from the community's name, with the link.
    Raises MailSkipped when the invitation is no longer pending (withdrawn or used before the mail went)."""
    from communities.models import CommunityInvitation, InvitationStatus
    from communities.services import invitation_token
    from operations.mail import MailSkipped

    invitation = CommunityInvitation.objects.select_related("community", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        raise MailSkipped("invitation no longer pending")
    community = invitation.community
    link = settings.SITE_URL.rstrip("/") + reverse("web:invitation", kwargs={"token": invitation_token(invitation)})
    with translation.override(community.default_language):
        role = invitation.get_role_display()
        context = {
            "community": community,
            "role": role,
            "link": link,
            "invited_by": invitation.invited_by,
            "expires_on": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"),
            "needs_two_factor": invitation.role != "project_owner",
        }
        subject = _("Invitation: %(role)s in %(community)s") % {"role": role, "community": community.name}
        body = render_to_string("emails/community_invitation.txt", context)
    return EmailMessage(
        subject,
        body,
        sender_address(community.sender_name),
        [invitation.email],
        reply_to=reply_to(community.contact_email),
    )
