"""The base of every domain error; the API's exception handler turns them into 400/409."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused request: `message` is for people, `field` names the input at fault."""

    code = "refused"
    status = 400
    default_message: object = _("The request was refused.")

    def __init__(self, message: object = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))
