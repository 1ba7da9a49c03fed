"""Numbers on pages: savings points grouped like the language's numbers, audit-trail amounts in kronor."""

from __future__ import annotations

import pytest
from django.utils import translation

from web.templatetags.money import audit_value, points


@pytest.mark.parametrize(
    ("language", "value", "shown"), [("sv", 480000, "480 000"), ("en", 480000, "480,000"), ("sv", 0, "0")]
)
def test_points_groups_thousands_like_the_language(language, value, shown) -> None:
    with translation.override(language):
        assert points(value) == shown
        assert points(None) == ""


@pytest.mark.parametrize(
    ("language", "field", "value", "shown"),
    [
        ("sv", "total_ore", 500000, "5 000,00 kr"),
        ("en", "amount_ore", "12345", "SEK 123.45"),
        ("sv", "amount_ore", None, "∅"),
        ("sv", "amount_ore", "not a number", "not a number"),
        ("sv", "status", "matched", "matched"),
        ("sv", "line_count", 5000, "5000"),
    ],
)
def test_audit_value_shows_amount_columns_in_kronor_and_the_rest_as_stored(language, field, value, shown) -> None:
    with translation.override(language):
        assert audit_value(value, field) == shown
