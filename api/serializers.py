"""Serializer helpers shared by the API modules."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import cached_property
from rest_framework import relations, serializers
from rest_framework.fields import SkipField

from api.fields import KronorField, OreAsKronorField


class FastRepresentationMixin:
    """Renders rows like Serializer.to_representation, with less work per field.

    DRF walks every field through a generic getter (callables, mappings, defaults, dotted
    sources) for every row. For a field whose source is one plain attribute this reads the
    attribute directly; any other field (dotted or '*' source, relations, method fields)
    still goes DRF's way. Fields are built once per class, not per request, so use it only on
    serializers whose fields do not depend on the request (no get_fields override reading
    self.context). Output is identical (tests/api/test_serializers.py); put it first in the bases.

    Rendering needs no fields of its own when every field is context-free (plain values, money,
    dates, and nested serializers that are themselves context-free): such a class renders with one
    plan built once, from fields bound to a prototype instance no request sees. Building and
    binding a page's fields per request (deep copies, each field pointing at its parent) made
    cyclic garbage that only the cycle collector frees, and the collector's pauses were the
    list endpoint's slowest responses. A class with any other field (method fields, relations,
    hyperlinks: they may read self.context) keeps a plan per instance, unless it names the method
    fields that read only the object in `context_free_methods` (the class's own attribute: a
    subclass that adds or overrides methods must name them again).
    """

    def get_fields(self) -> dict[str, Any]:
        # ModelSerializer inspects the model for every serializer instance, i.e. every request;
        # build the fields once per class and hand out copies (what DRF does for declared fields).
        cls = type(self)
        prototype = _FIELD_PROTOTYPES.get(cls)
        if prototype is None:
            prototype = _FIELD_PROTOTYPES[cls] = super().get_fields()  # type: ignore[misc]
        return copy.deepcopy(prototype)

    @cached_property
    def _fast_plan(self) -> list[tuple[str, str | None, Any, type | None]]:
        plan = []
        for field in self._readable_fields:  # type: ignore[attr-defined]
            simple = (
                len(field.source_attrs) == 1
                and not isinstance(field, (relations.RelatedField, relations.ManyRelatedField))
                and not isinstance(field, serializers.ListSerializer)
            )
            # Fields whose to_representation returns a str (or int) value unchanged: skip the call.
            passthrough = _PASSTHROUGH.get(type(field))
            if type(field) is serializers.ChoiceField and any(not isinstance(k, str) for k in field.choices):
                passthrough = None
            plan.append((field.field_name, field.source_attrs[0] if simple else None, field, passthrough))
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        ret: dict[str, Any] = {}
        plan = _SHARED_PLANS.get(type(self))
        if plan is None:
            plan = _shared_plan(type(self)) or self._fast_plan
        for name, attr, field, passthrough in plan:
            if attr is not None:
                try:
                    value = getattr(instance, attr)
                except ObjectDoesNotExist:
                    value = None
                except AttributeError:
                    attr = None
                else:
                    if callable(value):
                        attr = None
            if attr is None:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, relations.PKOnlyObject):
                    value = value if value.pk is not None else None
            if value is None:
                ret[name] = None
            elif passthrough is not None and type(value) is passthrough:
                ret[name] = value
            else:
                ret[name] = field.to_representation(value)
        return ret


_FIELD_PROTOTYPES: dict[type, dict[str, Any]] = {}
_SHARED_PLANS: dict[type, list[tuple[str, str | None, Any, type | None]]] = {}
_UNSHAREABLE: set[type] = set()

# Fields whose to_representation reads only the value and settings (never self.parent or
# self.context): exact types, a subclass may override to_representation to read the request.
_CONTEXT_FREE: frozenset[type] = frozenset(
    {
        serializers.BigIntegerField,
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.EmailField,
        serializers.IntegerField,
        serializers.ReadOnlyField,
        serializers.SlugField,
        serializers.URLField,
        serializers.UUIDField,
        KronorField,
        OreAsKronorField,
    }
)


def _context_free(field: Any, owner: type) -> bool:
    if type(field) in _CONTEXT_FREE:
        return True
    if type(field) is serializers.SerializerMethodField:
        return field.method_name in owner.__dict__.get("context_free_methods", ())
    if isinstance(field, serializers.ListSerializer):
        field = field.child
    return isinstance(field, FastRepresentationMixin) and _shared_plan(type(field)) is not None


def _shared_plan(cls: type) -> list[tuple[str, str | None, Any, type | None]] | None:
    """The class's render plan, built once from a prototype instance; None if a field may need the request."""
    plan = _SHARED_PLANS.get(cls)
    if plan is not None or cls in _UNSHAREABLE:
        return plan
    try:
        prototype = cls()
    except TypeError:  # a serializer that needs arguments to exist
        _UNSHAREABLE.add(cls)
        return None
    plan = prototype._fast_plan
    if all(_context_free(field, cls) for _name, _attr, field, _passthrough in plan):
        _SHARED_PLANS[cls] = plan  # built twice at worst by racing threads: same plan
        return plan
    _UNSHAREABLE.add(cls)
    return None


_PASSTHROUGH: dict[type, type] = {
    serializers.CharField: str,  # str(value)
    serializers.ChoiceField: str,  # the choice's own string key (checked: all keys are strings)
    serializers.SlugField: str,
    serializers.EmailField: str,
    serializers.IntegerField: int,  # int(value)
}
