"""Domain errors of treasury/. The API's exception handler turns them into 400/409 answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from operations.errors import DomainError


class TreasuryError(DomainError):
    code = "treasury_error"


class BankFileRefused(TreasuryError):
    code = "bank_file_refused"
    default_message = _("The bank file was refused; nothing was imported.")


class BankFileDuplicate(TreasuryError):
    code = "bank_file_duplicate"
    status = 409
    default_message = _("This file has already been imported.")


class MatchError(TreasuryError):
    code = "match_error"
    status = 409


class PayoutError(TreasuryError):
    code = "payout_error"
    status = 409


class FourEyesViolation(PayoutError):
    code = "four_eyes"
    status = 403
    default_message = _("A second treasurer must approve: you prepared this list yourself.")


class NotApproved(PayoutError):
    code = "not_approved"
    default_message = _("Only an approved list can be exported to the bank.")


class PayoutAlreadyExported(PayoutError):
    code = "payout_already_exported"
    default_message = _(
        "This list has already been exported: a second file may pay everyone twice. "
        "Confirm explicitly if the first file never reached the bank."
    )


class PayeeAccountMissing(PayoutError):
    code = "payee_account_missing"
    default_message = _("A line has no account the bank can pay to.")


class ReportPeriodInvalid(TreasuryError):
    code = "report_period_invalid"


class RecentAccountNotConfirmed(PayoutError):
    code = "recent_account_not_confirmed"
    default_message = _(
        "Some lines pay to a refund account changed in the last days: check them with the saver and confirm explicitly."
    )


class ReportBuildRefused(TreasuryError):
    code = "report_build_refused"
    default_message = _("The report file could not be requested.")


class ReportBuildNotReady(TreasuryError):
    code = "report_build_not_ready"
    status = 409
    default_message = _("The file is not ready: it is still being prepared, or it failed.")
