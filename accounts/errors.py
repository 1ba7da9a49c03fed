"""Domain errors of accounts/."""

from __future__ import annotations


class AccountError(Exception):
    """Base class; the API turns these into 400 responses."""

    code = "account_error"


class EmailTaken(AccountError):
    code = "email_taken"


class AlreadyErased(AccountError):
    code = "already_erased"
