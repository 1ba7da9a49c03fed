"""Communities: the village associations, regional networks and fund hosts that share the platform.

Everything a community owns (projects, pools, funds, fairs, bank files, payout lists, job runs) points at
exactly one Community. Payment accounts (the payout debtor account, the association Swish number) and the
sender name and reply-to address of its mail are read from here, not from settings.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import iban

from accounts.identity import validate_giro_number, validate_organisationsnummer, validate_swish_number

COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
ORGANISATION_NUMBER_PATTERN = r"^[0-9]{6}-[0-9]{4}$"
BIC_PATTERN = r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"


def validate_iban(value: str) -> None:
    if value and not iban.is_valid(value):
        raise ValidationError(_("Not a valid IBAN."), code="invalid")


def compact_account(value: str) -> str:
    """An account number as compared: no spaces, dashes or leading zeros, upper case (bankgiro 5050-1055 and
    BgMax's 0050501055 -> 50501055)."""
    compact = "".join(ch for ch in (value or "") if ch.isalnum()).upper()
    return compact.lstrip("0") if compact.isdigit() else compact


class CommunityKind(models.TextChoices):
    VILLAGE = "village", _("Village association")
    NETWORK = "network", _("Regional network")
    FUND_HOST = "fund_host", _("Fund host")


class Community(models.Model):
    """A village association, a regional network or a fund host: owner of its projects, pools and money lists."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CommunityKind.choices, default=CommunityKind.VILLAGE)
    organisation_number = models.CharField(
        _("organisation number"), max_length=11, blank=True, validators=[validate_organisationsnummer]
    )
    # Where savers' money arrives (the BgMax payee bankgiro / camt account of its bank files).
    bankgiro = models.CharField(_("bankgiro"), max_length=9, blank=True, validators=[validate_giro_number])
    plusgiro = models.CharField(_("plusgiro"), max_length=11, blank=True, validators=[validate_giro_number])
    # The account camt statements name (bank files from a bank account rather than Bankgirot).
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    swish_number = models.CharField(_("Swish number"), max_length=14, blank=True, validators=[validate_swish_number])
    # The account refunds and payouts are paid from (the pain.001 debtor).
    payout_bankgiro = models.CharField(
        _("payout bankgiro"), max_length=9, blank=True, validators=[validate_giro_number]
    )
    payout_bic = models.CharField(
        _("payout BIC"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(BIC_PATTERN, _("Not a valid BIC (8 or 11 letters and digits)."))],
    )
    default_language = models.CharField(
        _("default language"), max_length=2, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    municipality = models.CharField(_("municipality"), max_length=80, blank=True)
    region = models.CharField(_("region"), max_length=80, blank=True)
    logo = models.FileField(_("logo"), upload_to="communities/", blank=True)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#2f6f4e",
        validators=[RegexValidator(COLOUR_PATTERN, _("Give the colour as #rrggbb."))],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.CheckConstraint(condition=Q(colour__regex=COLOUR_PATTERN), name="community_colour_hex"),
            models.CheckConstraint(
                condition=Q(organisation_number="") | Q(organisation_number__regex=ORGANISATION_NUMBER_PATTERN),
                name="community_orgnr_format",
            ),
            models.CheckConstraint(
                condition=Q(payout_bic="") | Q(payout_bic__regex=BIC_PATTERN), name="community_payout_bic_format"
            ),
            models.CheckConstraint(condition=Q(kind__in=CommunityKind.values), name="community_kind_valid"),
            models.CheckConstraint(condition=~Q(slug=""), name="community_slug_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def receiving_accounts(self) -> set[str]:
        """The accounts registered as this community's own (bankgiro, plusgiro, IBAN), compact."""
        return {compact_account(a) for a in (self.bankgiro, self.plusgiro, self.iban) if a}

    @property
    def sender_name(self) -> str:
        """The display name on the community's outgoing mail."""
        return self.name

    @property
    def reply_to(self) -> list[str]:
        """Reply-To for the community's outgoing mail (empty: replies go to the platform sender)."""
        return [self.contact_email] if self.contact_email else []


class MembershipRole(models.TextChoices):
    TREASURER = "treasurer", _("Treasurer")
    ORGANISER = "organiser", _("Organiser")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    PROJECT_OWNER = "project_owner", _("Project owner")


class CommunityMembership(models.Model):
    """One role a person holds in one community. The global permission is the power; this says where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "community", "role"], name="community_membership_unique"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="community_membership_role_valid"),
        ]
        indexes = [models.Index(fields=["user", "role"], name="community_membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} in {self.community_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class CommunityInvitation(models.Model):
    """An email address invited to one role in one community, by a mailed link.

    The link's token is never stored: it is derived from `nonce` with the secret key (communities/services.py),
    and only its SHA-256 is kept to find the row, so a copy of the database opens no invitation. Single use,
    revocable, valid until `expires_at`; at most one pending invitation per address, community and role."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"), max_length=254)
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # How many times its mail was sent (1 on creation; each "send again" adds one) and when last.
    sent_count = models.PositiveSmallIntegerField(_("times sent"), default=1)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "email", "role"],
                condition=Q(status="pending"),
                name="community_invitation_one_pending",
            ),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="community_invitation_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="community_invitation_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                name="community_invitation_accepted_has_time",
            ),
            models.CheckConstraint(condition=Q(sent_count__gte=1), name="community_invitation_sent_at_least_once"),
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} in {self.community_id} ({self.status})"
