"""Report cells whose stored value is a code (a pledge's kind, a payment's channel) shown as the code's label
in the reader's language: "Stödspar", not "support_saving"."""

from __future__ import annotations

from typing import Any

from pools.models import PaymentChannel, PledgeKind

CHOICES: dict[str, Any] = {"pledge_kind": PledgeKind, "channel": PaymentChannel}


def choice_label(column_kind: str, value: Any) -> Any:
    """The label of a coded value for a column of a choice kind; any other value unchanged."""
    choices = CHOICES.get(column_kind)
    if choices is None or value in (None, ""):
        return value
    try:
        return str(choices(value).label)
    except ValueError:
        return value
