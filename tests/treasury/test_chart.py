"""The report charts carry their numbers: a value axis (top and zero), the months, each bar's value."""

from __future__ import annotations

import re

from django.utils import translation

from treasury.exports import bar_chart_svg


def test_bar_chart_has_a_value_axis_months_and_bar_values():
    points = [{"month": "2026-10", "v": 150_000_00}, {"month": "2026-11", "v": 300_000_00}]
    with translation.override("sv"):
        svg = bar_chart_svg(points, "v", title="Mottaget per månad")
    labels = [label.replace("\xa0", " ") for label in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]
    # The axis (top, zero), then per bar its value above it and its month below it.
    assert labels == ["300 000 kr", "0", "150 000 kr", "2026-10", "300 000 kr", "2026-11"]
    assert 'role="img"' in svg and "Mottaget per månad" in svg  # named for screen readers


def test_an_empty_series_draws_no_chart():
    assert bar_chart_svg([], "v") == ""
