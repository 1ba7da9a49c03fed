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
