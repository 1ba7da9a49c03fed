"""The sender of a community's mail: its own name on the platform's address, replies to its contact.
Also the invitation mail (a role in a community, by a mailed link), built by operations/mail.py."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


def sender_address(name: str) -> str:
    """DEFAULT_FROM_EMAIL's address shown with the community's name (the platform's name when empty)."""
    display, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    shown = "".join(ch for ch in (name or display) if ch not in '"\\\r\n<>').strip()
    return f'"{shown}" <{address}>' if shown else address


def reply_to(email: str) -> list[str]:
    """Reply-To for a community's mail: its contact address, or none (replies go to the sender)."""
    return [email] if email else []


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
