"""Domain errors of regulated offers. The API's exception handler turns them into 400/409 answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pools.errors import PoolsError


class OffersError(PoolsError):
    code = "offers_error"


class RegulatedOffersForbidden(OffersError):
    code = "regulated_offers_forbidden"
    status = 409
    default_message = _(
        "This installation has no crowdfunding permit, so pools with regulated offers (loans with interest or "
        "transferable securities) cannot be opened."
    )


class SheetNotApproved(OffersError):
    code = "sheet_not_approved"
    status = 409
    default_message = _("This offer's key investment information sheet is not approved yet.")


class SheetIncomplete(OffersError):
    code = "sheet_incomplete"


class SheetNotChangeable(OffersError):
    code = "sheet_not_changeable"
    status = 409


class NotAllowed(OffersError):
    code = "not_allowed"
    status = 403
    default_message = _("You may not do that.")


class AssessmentRequired(OffersError):
    code = "assessment_required"
    default_message = _(
        "Before a pledge to a regulated offer, take the knowledge test and the loss simulation (every two years)."
    )


class AssessmentInvalid(OffersError):
    code = "assessment_invalid"


class RiskConsentRequired(OffersError):
    code = "risk_consent_required"


class RevocationNotPossible(OffersError):
    code = "revocation_not_possible"
    status = 409
    default_message = _("This pledge can no longer be revoked: the reflection period is over or it was not regulated.")


class LenderPaymentInvalid(OffersError):
    code = "lender_payment_invalid"
