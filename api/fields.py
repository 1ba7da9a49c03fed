"""Serializer fields for money (decimal strings in kronor outside, integer öre inside) and local times."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pools.money import MAX_ORE, MoneyError, kronor_to_ore, ore_to_string


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d{1,13}(\.\d{1,2})?$", "example": "1234.50"}
)
class KronorField(serializers.Field):
    """Reads "1234.50" (string or JSON number without float error) into öre; writes öre as "1234.50"."""

    default_error_messages = {
        "invalid": _("Give an amount in kronor with at most two decimals, like 1234.50."),
        "min_value": _("The amount must be above zero."),
        "max_value": _("The amount is too large."),
    }

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or data is None:
            self.fail("invalid")
        if isinstance(data, float):
            # JSON numbers arrive as float; accept only those that are exact at two decimals.
            try:
                data = Decimal(repr(data))
            except InvalidOperation:
                self.fail("invalid")
        if isinstance(data, str) and len(data) > 40:
            self.fail("invalid")
        try:
            ore = kronor_to_ore(data if not isinstance(data, str) else data.strip())
        except MoneyError:
            self.fail("invalid")
        if ore > MAX_ORE:
            self.fail("max_value")
        if ore < 0 or (ore == 0 and not self.allow_zero):
            self.fail("min_value")
        return ore

    def to_representation(self, value: int) -> str:
        return ore_to_string(value)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d{1,13}\.\d{2}$", "example": "1234.50", "readOnly": True}
)
class OreAsKronorField(serializers.ReadOnlyField):
    """Read-only: an öre integer attribute shown as a kronor decimal string (None stays None).

    Documented as nullable exactly when the model column is (so the OpenAPI schema tells the truth).
    """

    def bind(self, field_name: str, parent: serializers.BaseSerializer) -> None:
        super().bind(field_name, parent)
        model = getattr(getattr(parent, "Meta", None), "model", None)
        if model is not None and "." not in self.source:
            try:
                self.allow_null = self.allow_null or model._meta.get_field(self.source).null
            except FieldDoesNotExist:  # a property or annotation: leave as declared
                return

    def to_representation(self, value: int | None) -> str | None:
        return None if value is None else ore_to_string(value)


# A wall-clock time in Europe/Stockholm, "18:30" or "18:30:00": no offset. (JSON Schema's `time`
# format means RFC 3339 full-time, which carries an offset, so the schema states the shape instead.)
LOCAL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
LOCAL_TIME_SCHEMA = {"type": "string", "pattern": LOCAL_TIME_PATTERN, "example": "18:30:00"}
_LOCAL_TIME = re.compile(LOCAL_TIME_PATTERN)


class LocalTimeField(serializers.TimeField):
    """A local time of day, "HH:MM" or "HH:MM:SS". An offset ("18:30+01:00", "17:30Z") is refused:
    the time is read in the platform's time zone, and a silently dropped offset would move it."""

    default_error_messages = {"invalid": _("Give a local time like 18:30, without a time zone.")}

    def to_internal_value(self, value: Any) -> time:
        if isinstance(value, time):
            return super().to_internal_value(value)
        if not isinstance(value, str) or not _LOCAL_TIME.match(value.strip()):
            self.fail("invalid")
        return super().to_internal_value(value.strip())
