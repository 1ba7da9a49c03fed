"""Forms for pages, and a typed look-up of a form's fields."""

from __future__ import annotations

from typing import TypeVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

FieldT = TypeVar("FieldT", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """The form's field `name` as the kind it was declared with (form.fields holds plain Fields).
    Raises TypeError when it is another kind: a programming error."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class SwishNumberForm(forms.Form):
    """A project's or fund's Swish number (checked by the service: 123 and seven digits)."""

    swish_number = forms.CharField(
        label=_("Swish number"),
        max_length=20,
        required=False,
        help_text=_("The Swish number for organisations (123 followed by seven digits). Leave it empty to remove it."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "123 456 78 90"}),
    )
