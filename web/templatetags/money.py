"""The one filter for amounts on pages: {{ pool.target_ore|money }} -> 1 234,50 kr / SEK 1,234.50."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import translation

from pools.money import format_sek, ore_to_string

register = template.Library()


@register.filter(name="money")
def money(ore: int | None) -> str:
    if ore is None or ore == "":
        return ""
    return format_sek(int(ore), translation.get_language() or "sv")


@register.filter(name="points")
def points(value: int | None) -> str:
    """Savings points grouped like the language's numbers: 480 000 / 480,000 (never a bare 480000)."""
    if value is None or value == "":
        return ""
    grouped = f"{int(value):,}"
    return grouped if (translation.get_language() or "sv") == "en" else grouped.replace(",", " ")


@register.filter(name="percent")
def percent(value: object) -> str:
    """A percentage with one decimal, written like the language's numbers: 12,5 % / 12.5 %; empty for None."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)).quantize(Decimal('0.1'))}"
    if (translation.get_language() or "sv") != "en":
        text = text.replace(".", ",")
    return f"{text}\u00a0%"


@register.filter(name="audit_value")
def audit_value(value: object, field: str) -> str:
    """A value in the audit trail: amounts (*_ore columns) as kronor, None as ∅, anything else as stored."""
    if value is None:
        return "∅"
    if str(field).endswith("_ore"):
        try:
            return format_sek(int(str(value)), translation.get_language() or "sv")
        except ValueError:
            pass
    return str(value)


@register.filter(name="kronor_input")
def kronor_input(ore: int | None) -> str:
    """An amount as a form field value ("1234.50"), for hidden inputs that post an amount back."""
    return "" if ore is None else ore_to_string(int(ore))


@register.filter(name="pledge_quantity")
def pledge_quantity(pledge: object) -> str:
    """A non-money pledge's quantity with its unit: "1 timme", "2,5 timmar" / "1 hour"; another unit as typed."""
    from django.utils.translation import ngettext

    quantity = getattr(pledge, "quantity", None)
    if quantity is None:
        return ""
    text = f"{Decimal(quantity):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if (translation.get_language() or "sv").startswith("sv"):
        text = text.replace(".", ",")
    unit = getattr(pledge, "unit", "") or ""
    if unit == "hours":
        # Singular only for exactly one (the Swedish and English rule); 1,5 is plural.
        return ngettext("%(n)s hour", "%(n)s hours", 1 if text == "1" else 2) % {"n": text}
    return f"{text} {unit}".strip()
