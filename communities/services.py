"""Writes for communities and their memberships."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from stdnum import iban
from stdnum.se import orgnr

from accounts.identity import normalize_swish_number
from accounts.roles import Role
from communities.defaults import first_community_fields
from communities.errors import (
    AlreadyMember,
    CommunitySlugTaken,
    InvitationExpired,
    InvitationInvalid,
    InvitationNotPending,
    InvitationPending,
    InvitationRevoked,
    InvitationSentRecently,
    InvitationUsed,
    InvitationWrongAccount,
    MembershipNotAllowed,
)
from communities.models import Community, CommunityInvitation, CommunityMembership, InvitationStatus, MembershipRole
from operations.mail import mail_queue
from operations.models import MailKind

if TYPE_CHECKING:
    from accounts.models import User

INVITATION_VALID_DAYS = 7
# "Send again": not sooner than this after the last mail, and at most this many mails per invitation.
INVITATION_RESEND_MINUTES = 10
INVITATION_MAX_SENDS = 5
_INVITATION_KEY_SALT = "communities.invitation"  # noqa: S105  (an HMAC salt naming the purpose, not a secret)

# The role group (the global power) each membership role brings: the membership says where, the group what.
ROLE_GROUPS = {
    MembershipRole.TREASURER: Role.TREASURER,
    MembershipRole.ORGANISER: Role.ORGANISER,
    MembershipRole.FUND_MANAGER: Role.ORGANISER,
    MembershipRole.PROJECT_OWNER: Role.PROJECT_OWNER,
}


def _normalise_fields(community: Community) -> None:
    if orgnr.is_valid(community.organisation_number or ""):
        community.organisation_number = orgnr.format(community.organisation_number)
    community.swish_number = normalize_swish_number(community.swish_number)
    community.payout_bic = (community.payout_bic or "").strip().upper()
    if iban.is_valid(community.iban or ""):
        community.iban = iban.compact(community.iban)
    community.colour = (community.colour or "").strip().lower()


@transaction.atomic
def community_create(*, name: str, slug: str, by: Any = None, **fields: object) -> Community:
    """Create a community after full validation (org number, giro numbers, Swish, colour). With `by` (a User), only
    platform staff may (MembershipNotAllowed). Raises django.core.exceptions.ValidationError for bad fields
    and CommunitySlugTaken for a used slug."""
    from communities.selectors import is_platform_staff

    if by is not None and not is_platform_staff(by):
        raise MembershipNotAllowed(_("Only platform staff create communities."))
    community = Community(name=name.strip(), slug=slug.strip().lower(), **fields)
    _normalise_fields(community)
    community.full_clean(validate_unique=False)
    if Community.objects.filter(slug=community.slug).exists():
        raise CommunitySlugTaken(field="slug")
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError as exc:  # the slug raced in between
        raise CommunitySlugTaken(field="slug") from exc
    return community


@transaction.atomic
def community_ensure_first() -> Community:
    """The platform's first community, made from the settings when the database has none (a fresh install
    or a flushed test database). Writes at most one row."""
    first = Community.objects.order_by("pk").first()
    if first is not None:
        return first
    fields = first_community_fields()
    community, _created = Community.objects.get_or_create(slug=fields.pop("slug"), defaults=fields)
    return community


def _check_may_grant(by: User | None, community: Community, role: str) -> None:
    from communities.selectors import membership_roles_grantable

    if by is not None and role not in membership_roles_grantable(user=by, community=community):
        raise MembershipNotAllowed(field="role")


def _forget_cached_powers(user: User) -> None:
    for cached in ("_role_names", "_holds_power", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cached):
            delattr(user, cached)


@transaction.atomic
def membership_grant(*, user: User, community: Community, role: str, by: User | None = None) -> CommunityMembership:
    """Give a person a role in a community, with the role's power (its group); idempotent. With `by`, checks
    that they may give it (MembershipNotAllowed). Raises ValueError for an unknown role."""
    if role not in MembershipRole.values:
        raise ValueError(role)
    _check_may_grant(by, community, role)
    membership, _created = CommunityMembership.objects.get_or_create(user=user, community=community, role=role)
    group, _g = Group.objects.get_or_create(name=str(ROLE_GROUPS[MembershipRole(role)]))
    user.groups.add(group)
    _forget_cached_powers(user)
    return membership


@transaction.atomic
def membership_revoke(*, user: User, community: Community, role: str, by: User | None = None) -> int:
    """Take a role in a community away; returns how many rows went (0 or 1). The role's power (group) goes
    too once no membership anywhere still brings it. With `by`, checks they may (MembershipNotAllowed)."""
    _check_may_grant(by, community, role)
    deleted, _ = CommunityMembership.objects.filter(user=user, community=community, role=role).delete()
    if deleted and role in MembershipRole.values:
        group_name = str(ROLE_GROUPS[MembershipRole(role)])
        bringing = [r for r, g in ROLE_GROUPS.items() if str(g) == group_name]
        if not CommunityMembership.objects.filter(user=user, role__in=bringing).exists():
            user.groups.remove(*Group.objects.filter(name=group_name))
        _forget_cached_powers(user)
    return deleted


def _normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from exc
    return email


def invitation_token(invitation: CommunityInvitation) -> str:
    """The token in an invitation's link, derived from its nonce with the secret key (never stored)."""
    return salted_hmac(_INVITATION_KEY_SALT, invitation.nonce, algorithm="sha256").hexdigest()


def invitation_token_hash(token: str) -> str:
    """What is stored to find an invitation by its link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, by: User, community: Community, email: str, role: str) -> CommunityInvitation:
    """Invite an address to a role in a community and queue the mail with its link (after commit).
    Raises MembershipNotAllowed, ValidationError (address, role), AlreadyMember and InvitationPending."""
    if role not in MembershipRole.values:
        raise ValidationError({"role": [_("Choose a role.")]})
    _check_may_grant(by, community, role)
    email = _normalise_email(email)
    if CommunityMembership.objects.filter(community=community, role=role, user__email__iexact=email).exists():
        raise AlreadyMember(field="email")
    now = timezone.now()
    CommunityInvitation.objects.filter(
        community=community, email=email, role=role, status=InvitationStatus.PENDING, expires_at__lte=now
    ).update(status=InvitationStatus.EXPIRED)
    nonce = secrets.token_hex(32)
    invitation = CommunityInvitation(
        community=community,
        email=email,
        role=role,
        nonce=nonce,
        invited_by=by,
        expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
    )
    invitation.token_hash = invitation_token_hash(invitation_token(invitation))
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # one pending invitation per address, community and role
        raise InvitationPending(field="email") from exc
    mail_queue(
        key=f"community_invitation:{invitation.pk}",
        kind=MailKind.COMMUNITY_INVITATION,
        args={"invitation_id": invitation.pk},
        community_id=invitation.community_id,
    )
    return invitation


def _invitation_locked(invitation: CommunityInvitation) -> CommunityInvitation:
    """The invitation read again and locked, in the community of the invitation the caller holds (so the
    statement names it)."""
    return (
        CommunityInvitation.objects.select_for_update()
        .select_related("community")
        .get(pk=invitation.pk, community_id=invitation.community_id)
    )


@transaction.atomic
def invitation_resend(*, by: User, invitation: CommunityInvitation) -> CommunityInvitation:
    """Mail a pending invitation again, with the same link, valid for another INVITATION_VALID_DAYS from now
    (also when its time ran out unnoticed). Raises MembershipNotAllowed, InvitationNotPending and
    InvitationSentRecently (within INVITATION_RESEND_MINUTES of the last mail, or after INVITATION_MAX_SENDS)."""
    invitation = _invitation_locked(invitation)
    _check_may_grant(by, invitation.community, invitation.role)
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationNotPending(_("Only a pending invitation can be sent again."))
    now = timezone.now()
    last = invitation.last_sent_at or invitation.created_at
    if invitation.sent_count >= INVITATION_MAX_SENDS:
        raise InvitationSentRecently(
            _("This invitation has been sent %(count)s times. Withdraw it and send a new one if it is still wanted.")
            % {"count": invitation.sent_count}
        )
    if now - last < timedelta(minutes=INVITATION_RESEND_MINUTES):
        raise InvitationSentRecently()
    invitation.sent_count += 1
    invitation.last_sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_VALID_DAYS)
    invitation.save(update_fields=["sent_count", "last_sent_at", "expires_at"])
    mail_queue(
        key=f"community_invitation:{invitation.pk}:{invitation.sent_count}",
        kind=MailKind.COMMUNITY_INVITATION,
        args={"invitation_id": invitation.pk},
        community_id=invitation.community_id,
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, by: User, invitation: CommunityInvitation) -> CommunityInvitation:
    """Withdraw a pending invitation so its link opens nothing. Raises MembershipNotAllowed and
    InvitationNotPending."""
    invitation = _invitation_locked(invitation)
    _check_may_grant(by, invitation.community, invitation.role)
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationNotPending()
    invitation.status = InvitationStatus.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["status", "revoked_at"])
    return invitation


def invitation_check(invitation: CommunityInvitation | None, *, user: Any = None) -> CommunityInvitation:
    """The invitation if its link may still be accepted (by `user`, when given: an invitation already
    accepted by that same person passes, so accepting twice is harmless). Raises InvitationInvalid,
    InvitationRevoked, InvitationUsed and InvitationExpired."""
    if invitation is None:
        raise InvitationInvalid(field="token")
    if invitation.status == InvitationStatus.ACCEPTED:
        if user is not None and invitation.accepted_by_id == getattr(user, "pk", None):
            return invitation
        raise InvitationUsed(field="token")
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationRevoked(field="token")
    if invitation.status == InvitationStatus.EXPIRED or invitation.expires_at <= timezone.now():
        raise InvitationExpired(field="token")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> CommunityMembership:
    """Accept an invitation as `user` (whose address must be the invited one): grant the membership and mark
    the invitation used. Accepting again as the same person grants nothing more. Raises InvitationInvalid
    (and its kinds) and InvitationWrongAccount."""
    found = CommunityInvitation.objects.filter(token_hash=invitation_token_hash(token or "")).first()
    if found is not None:
        found = CommunityInvitation.objects.select_for_update().select_related("community").get(pk=found.pk)
    invitation = invitation_check(found, user=user)
    if invitation.email.lower() != (user.email or "").lower():
        raise InvitationWrongAccount(field="token")
    if invitation.status == InvitationStatus.ACCEPTED:
        # Accepted before by this person: nothing more is granted (a role taken away since stays away).
        existing = CommunityMembership.objects.filter(
            user=user, community=invitation.community, role=invitation.role
        ).first()
        if existing is None:
            raise InvitationUsed(field="token")
        return existing
    membership = membership_grant(user=user, community=invitation.community, role=invitation.role)
    if invitation.status == InvitationStatus.PENDING:
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    if user.email_confirmed_at is None:  # the link reached this address: it is confirmed
        from accounts.models import User

        User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
    return membership


@transaction.atomic
def invitation_accept_new_account(
    *, token: str, full_name: str, password: str, language: str
) -> tuple[User, CommunityMembership]:
    """Create the invited address's account and accept the invitation with it. Raises InvitationInvalid (and
    its kinds) and accounts' EmailTaken (the address has an account: log in instead)."""
    from accounts.services import user_create

    invitation = invitation_check(
        CommunityInvitation.objects.filter(token_hash=invitation_token_hash(token or "")).first()
    )
    user = user_create(email=invitation.email, password=password, full_name=full_name.strip(), language=language)
    return user, invitation_accept(token=token, user=user)


@transaction.atomic
def community_update(*, community: Community, by: Any = None, **fields: object) -> Community:
    """Change a community's fields after full validation. With `by` (a User; typed Any so a **fields dict
    of strings type-checks), only the fields they may change
    (communities.selectors.community_editable_fields; MembershipNotAllowed otherwise). Raises
    ValidationError and CommunitySlugTaken."""
    from communities.selectors import community_editable_fields

    community = Community.objects.select_for_update().get(pk=community.pk)
    if by is not None:
        allowed = community_editable_fields(user=by, community=community)
        refused = sorted(set(fields) - set(allowed))
        if refused:
            raise MembershipNotAllowed(_("You may not change this field."), field=refused[0])
    for key, value in fields.items():
        if key in ("id", "pk", "created_at"):
            raise TypeError(key)
        setattr(community, key, value)
    _normalise_fields(community)
    community.full_clean(validate_unique=False)
    if Community.objects.filter(slug=community.slug).exclude(pk=community.pk).exists():
        raise CommunitySlugTaken(field="slug")
    community.save()
    return community
