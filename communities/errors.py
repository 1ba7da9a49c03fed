"""Domain errors of communities/."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from operations.errors import DomainError


class CommunityError(DomainError):
    """A refused change to a community or its memberships."""

    code = "community_error"


class CommunitySlugTaken(CommunityError):
    code = "community_slug_taken"
    status = 409


class MembershipNotAllowed(CommunityError):
    """The person may not grant, revoke or invite to this role in this community."""

    code = "membership_not_allowed"
    status = 403
    default_message = _("You may not give or take this role in this community.")


class AlreadyMember(CommunityError):
    code = "already_member"
    status = 409
    default_message = _("This person already holds that role in the community.")


class InvitationPending(CommunityError):
    code = "invitation_pending"
    status = 409
    default_message = _(
        "This address already has a pending invitation to that role: send it again, or withdraw it first to send a "
        "new one."
    )


class InvitationInvalid(CommunityError):
    """A link that opens no invitation: unknown, expired, used by someone else or revoked."""

    code = "invitation_invalid"
    status = 400
    default_message = _("This invitation link is not valid.")


class InvitationExpired(InvitationInvalid):
    code = "invitation_expired"
    default_message = _("This invitation has expired. Ask the community for a new one.")


class InvitationUsed(InvitationInvalid):
    code = "invitation_used"
    default_message = _("This invitation has already been used.")


class InvitationRevoked(InvitationInvalid):
    code = "invitation_revoked"
    default_message = _("This invitation was withdrawn by the community.")


class InvitationWrongAccount(CommunityError):
    code = "invitation_wrong_account"
    status = 403
    default_message = _("This invitation was sent to another email address. Log in with that address to accept it.")


class InvitationNotPending(CommunityError):
    code = "invitation_not_pending"
    status = 409
    default_message = _("Only a pending invitation can be withdrawn.")


class InvitationSentRecently(CommunityError):
    """Sent again too soon, or too often: a mailbox is not to be flooded from the members page."""

    code = "invitation_sent_recently"
    status = 429
    default_message = _("This invitation was sent a moment ago. Wait a few minutes before sending it again.")
