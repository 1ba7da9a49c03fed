"""Refusals of the fair services; the API turns them into 400/409 with the field at fault."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from invest.errors import InvestError


class FairError(InvestError):
    code = "fair_error"


class FairNotAllowed(FairError):
    """The user may not do this to the fair (views answer 404 before it comes to this)."""

    code = "fair_not_allowed"
    status = 403
    default_message = _("You may not change this fair.")


class FairWrongStatus(FairError):
    code = "fair_wrong_status"
    status = 409
    default_message = _("The fair is not at a stage where this can be done.")


class PitchRefused(FairError):
    code = "pitch_refused"


class PitchProjectElsewhere(PitchRefused):
    """The project belongs to another community than the fair: its pool would be of that community."""

    default_message = _("Only a project of the fair's community can pitch at it.")


class ProgrammeInvalid(FairError):
    code = "programme_invalid"


class CardRefused(FairError):
    code = "card_refused"


class CardsClosed(FairError):
    code = "cards_closed"
    status = 409
    default_message = _("This fair does not take pledge cards now.")


class CardIdReused(FairError):
    code = "card_id_reused"
    status = 409
    default_message = _("This card id was already used for a different card.")


class FollowUpRefused(FairError):
    code = "follow_up_refused"


class FairTooEarly(FairError):
    code = "fair_too_early"
    status = 409
    default_message = _("The fair is not until a later date. To start it early, give the reason (it is recorded).")
