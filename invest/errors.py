"""Domain errors of invest/."""

from __future__ import annotations

from operations.errors import DomainError


class InvestError(DomainError):
    """A refused change to a project, fund or fair."""

    code = "invest_error"


class ProjectNotEditable(InvestError):
    code = "project_not_editable"
    status = 409


class InvalidTransition(InvestError):
    code = "invalid_transition"
    status = 409


class ReceiverSettingRefused(InvestError):
    """Someone other than a project's owner (or an organiser), or a fund's own organiser, tried to change
    where its money is paid."""

    code = "permission_denied"
    status = 403
