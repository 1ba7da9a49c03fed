"""Filters shared by list endpoints."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import translation

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A filter on an id: whole numbers only, within the database's range (else 400, never a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """`?ordering=` over an explicit allow-list of fields, with pk last so pages never overlap."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # django-filter renders the "(descending)" labels when the FilterSet class is built, in
        # whatever language is active then; build them in English, the API schema's language, so
        # the committed schema does not depend on how the process started.
        with translation.override("en"):
            super().__init__(*args, **kwargs)

    def filter(self, qs, value):  # type: ignore[no-untyped-def]
        qs = super().filter(qs, value)
        if value:
            ordering = [field for field in qs.query.order_by if field.lstrip("-") != "pk"]
            qs = qs.order_by(*ordering, "pk")
        return qs
