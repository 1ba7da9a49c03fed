"""People: the user model (email login), roles as groups, reminder preferences."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identity import format_iban, mask_personnummer, validate_personnummer, validate_refund_iban
from accounts.roles import Role


class Language(models.TextChoices):
    SV = "sv", "Svenska"
    EN = "en", "English"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SV)
    personnummer = models.CharField(
        _("personal identity number"),
        max_length=12,
        blank=True,
        validators=[validate_personnummer],
        help_text=_("Optional. 12 digits; stored only to identify you to the bank; shown masked."),
    )
    refund_iban = models.CharField(
        _("refund account (IBAN)"),
        max_length=34,
        blank=True,
        validators=[validate_refund_iban],
        help_text=_("Optional. Where money is paid back to you: a Swedish IBAN, SE followed by 22 digits."),
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # A new address asked for on the settings page; it replaces `email` once its link is followed.
    pending_email = models.EmailField(_("new email, not yet confirmed"), max_length=254, blank=True)
    newsletter_opt_in_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    erasure_reason = models.TextField(blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(language__in=["sv", "en"]), name="user_language_valid"),
            models.CheckConstraint(
                condition=Q(personnummer="") | Q(personnummer__regex=r"^[0-9]{12}$"),
                name="user_personnummer_12_digits",
            ),
            models.CheckConstraint(
                condition=Q(refund_iban="") | Q(refund_iban__regex=r"^SE[0-9]{22}$"),
                name="user_refund_iban_swedish",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    @property
    def masked_personnummer(self) -> str:
        return mask_personnummer(self.personnummer)

    @property
    def refund_iban_display(self) -> str:
        return format_iban(self.refund_iban)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def has_role(self, role: Role | str) -> bool:
        """True when the user is in the role's group (cached per instance)."""
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return str(role) in self._role_names

    @property
    def is_treasurer(self) -> bool:
        return self.has_role(Role.TREASURER)

    @property
    def is_organiser(self) -> bool:
        return self.has_role(Role.ORGANISER)

    @property
    def is_project_owner(self) -> bool:
        return self.has_role(Role.PROJECT_OWNER)


class ReminderKind(models.TextChoices):
    MONTHLY_SAVING_DUE = "monthly_saving_due", _("Monthly saving due")
    PAYMENT_MISSING = "payment_missing", _("Payment missing")
    FAIR_PLEDGE_UNCONFIRMED = "fair_pledge_unconfirmed", _("Fair pledge not yet confirmed")
    POOL_CLOSING_SOON = "pool_closing_soon", _("Pool closing soon")
    POOL_OUTCOME = "pool_outcome", _("Pool succeeded or failed")
    SUPPORT_SAVING_TERM_ENDING = "support_saving_term_ending", _("Support-saving term ending")
    REPAYMENT_DUE = "repayment_due", _("Loan repayment due")
    INSTALMENT_DUE = "instalment_due", _("Member share instalment due")
    NEWSLETTER = "newsletter", _("Newsletter")


class ReminderPreference(models.Model):
    """A saver's choice for one kind of reminder; no row means the default (on)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_preferences")
    kind = models.CharField(max_length=40, choices=ReminderKind.choices)
    is_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="reminder_preference_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ReminderKind]),
                name="reminder_preference_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}={'on' if self.is_enabled else 'off'}"
