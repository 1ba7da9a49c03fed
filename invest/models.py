"""Where the money goes: projects and their owners, micro-funds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_giro_number, validate_organisationsnummer, validate_swish_number
from communities.selectors import default_community_id
from pools.money import MAX_ORE


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FUNDED = "funded", _("Funded")
    REPAYING = "repaying", _("Repaying")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Project(models.Model):
    """A local initiative that seeks capital: a village shop, a wind co-op, a café."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="projects")
    # TRANSITIONAL default: the first community (communities.selectors.default_community_id) when none is named.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="projects",
        default=default_community_id,
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    place = models.CharField(_("place"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    loan_need_ore = models.BigIntegerField(_("loan need (öre)"), null=True, blank=True)
    organisation_number = models.CharField(
        _("organisation number"), max_length=11, blank=True, validators=[validate_organisationsnummer]
    )
    # The project's own Swish number (organisations: 123 and seven digits), for "Pay with Swish".
    swish_number = models.CharField(_("Swish number"), max_length=14, blank=True, validators=[validate_swish_number])
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_projects", "Can edit and publish any project")]
        constraints = [
            # What a pool's (project, community) foreign key points at on PostgreSQL (invest/pool_community.py).
            models.UniqueConstraint(fields=["id", "community"], name="project_id_community_unique"),
            models.CheckConstraint(condition=Q(status__in=ProjectStatus.values), name="project_status_valid"),
            models.CheckConstraint(
                condition=Q(loan_need_ore__isnull=True) | Q(loan_need_ore__gte=0, loan_need_ore__lte=MAX_ORE),
                name="project_loan_need_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status not in (ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN)


class ProjectLink(models.Model):
    """A document or web page about a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=200)
    url = models.URLField(blank=True)
    document = models.FileField(upload_to="projects/%Y/", blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(url="") | ~Q(document=""), name="project_link_has_target")]

    def __str__(self) -> str:
        return self.title


class MicroFund(models.Model):
    """A member-owned fund that guarantees or lends to local enterprises."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    organisation_number = models.CharField(max_length=11, blank=True, validators=[validate_organisationsnummer])
    bankgiro = models.CharField(max_length=9, blank=True, validators=[validate_giro_number])
    swish_number = models.CharField(_("Swish number"), max_length=14, blank=True, validators=[validate_swish_number])
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organised_funds")
    # TRANSITIONAL default: the first community (communities.selectors.default_community_id) when none is named.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="funds",
        default=default_community_id,
        verbose_name=_("community"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("manage_funds", "Can set up micro-funds and their engagements"),
            ("manage_fairs", "Can plan and run investment fairs"),
        ]
        constraints = [
            # What a fund-capital pool's (fund, community) foreign key points at on PostgreSQL.
            models.UniqueConstraint(fields=["id", "community"], name="microfund_id_community_unique"),
        ]

    def __str__(self) -> str:
        return self.name


# Micro-funds live in their own package (invest/funds/); imported here so Django registers them.
# Fairs live in their own package; imported here so Django registers the models.
from invest.fairs.models import (  # noqa: E402, F401
    CardChannel,
    Fair,
    FairCard,
    FairNotice,
    FairStatus,
    FollowUpOutcome,
    Pitch,
    PitchStatus,
    PledgeFollowUp,
)
from invest.funds.models import (  # noqa: E402, F401
    CapitalWithdrawal,
    FundMembership,
    FundReminderSent,
    FundRulesVersion,
    FundShare,
    FundTotals,
    Guarantee,
    GuaranteeEvent,
    Loan,
    LoanInstalment,
    LoanRepayment,
    LoanWriteOff,
    ShareInstalment,
)
