"""Fund page filters: basis points shown as a percentage ({{ rules.max_exposure_bp|bp_percent }} -> 100,00 %)."""

from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.filter(name="bp_percent")
def bp_percent(value: int | None) -> str:
    if value is None or value == "":
        return ""
    whole, cents = divmod(int(value), 100)
    separator = "." if (translation.get_language() or "sv") == "en" else ","
    return f"{whole}{separator}{cents:02d} %"
