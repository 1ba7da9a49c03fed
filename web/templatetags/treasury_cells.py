"""One report cell, formatted by its column's kind: money through the money filter, dates as YYYY-MM-DD."""

from __future__ import annotations

from typing import Any

from django import template

from treasury.choice_labels import CHOICES, choice_label
from web.templatetags.money import money, percent

register = template.Library()


@register.simple_tag
def cell(row: dict[str, Any], column: Any) -> str:
    value = row.get(column.key)
    if value is None:
        return ""
    if column.kind == "money":
        return money(value)
    if column.kind == "date":
        return value.isoformat()
    if column.kind in CHOICES:
        return str(choice_label(column.kind, value))
    if column.kind == "percent":
        return percent(value)
    return str(value)


@register.filter(name="is_numeric")
def is_numeric(column: Any) -> bool:
    """Right-aligned columns: amounts, counts, percentages and dates."""
    return column.kind in ("money", "int", "percent", "date")
