"""Domain errors of accounts/."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from operations.errors import DomainError


class AccountError(Exception):
    """Base class; the API turns these into 400 responses."""

    code = "account_error"


class EmailTaken(AccountError):
    code = "email_taken"


class AlreadyErased(AccountError):
    code = "already_erased"


class RefundAccountInvalid(DomainError):
    """The refund account given is not a valid Swedish IBAN (the message says why)."""

    code = "refund_account_invalid"
    default_message = _("Not a valid Swedish IBAN.")


class ReauthenticationRequired(DomainError):
    """A change that redirects money needs the password (or a current two-factor code) again."""

    code = "reauthentication_required"
    default_message = _("Confirm the change with your password (or your current two-factor code).")


class EmailUnchanged(DomainError):
    """The new email address is the one the account already has."""

    code = "email_unchanged"
    default_message = _("That is already your email address.")


class PasswordWrong(DomainError):
    """The current password given does not match."""

    code = "password_wrong"
    default_message = _("Wrong password.")
