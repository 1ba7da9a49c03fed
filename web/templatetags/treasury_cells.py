"""One report cell, formatted by its column's kind: money through the money filter, dates as YYYY-MM-DD."""

from __future__ import annotations

from typing import Any

from django import template

from web.templatetags.money import money

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
    if column.kind == "percent":
        return f"{value:.1f} %"
    return str(value)
