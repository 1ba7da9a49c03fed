"""Shared by the micro-fund endpoints: percentages as decimal strings and the error responses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from pools.percent import PercentError, PercentOutOfRange, bp_to_percent, percent_to_bp

ERROR = OpenApiResponse(description="Refused: `{field: [message], code}`")


ERRORS = {400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,4}(\.\d{1,2})?$", "example": "25.00"})
class PercentField(serializers.Field):
    """Reads "25" or "25.50" (percent, at most two decimals) into basis points; writes them back as "25.50"."""

    default_error_messages = {
        "invalid": _("Give a percentage with at most two decimals, like 25.50."),
        "range": _("Give a percentage from %(low)s to %(high)s."),
    }

    def __init__(self, *, low: Decimal = Decimal(0), high: Decimal = Decimal(100), **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        text = repr(data) if isinstance(data, float) else str(data)
        try:
            return percent_to_bp(text, low=self.low, high=self.high)
        except PercentOutOfRange:
            self.fail("range", low=self.low, high=self.high)
        except PercentError:
            self.fail("invalid")
        raise AssertionError("unreachable: fail() raises")

    def to_representation(self, value: int) -> str:
        return bp_to_percent(value) or ""


def bp(value: int | None) -> str | None:
    return bp_to_percent(value)
