"""Filters shared by list endpoints."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework.request import Request

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


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that leaves the queryset alone when the request names none of its filters.

    Unfiltered, a FilterSet returns the queryset as it came, but building it costs every request a
    new form class, a deep copy of every filter and a form: for the commonest list request, no
    query string, that was most of the API's overhead over a plain view (bench/api.py). Any
    parameter that starts with a filter's name (`q`, `closes_before`, `ordering`, `id_min`,
    `kind[]`) takes the full path, validation included; so does a FilterSet with a required filter.
    tests/api/test_pool_filters.py checks that every list's FilterSet, given no parameters,
    returns its queryset unchanged.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        filters = filterset_class.base_filters
        names_a_filter = any(key.startswith(name) for key in request.query_params for name in filters)
        if not names_a_filter and not any(f.extra.get("required") for f in filters.values()):
            return queryset
        # As DjangoFilterBackend.filter_queryset, with the class found above (not built twice).
        filterset = filterset_class(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs
