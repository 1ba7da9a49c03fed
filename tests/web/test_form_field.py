"""form_field: a form's field as the kind it was declared with, or a TypeError naming the mismatch."""

from __future__ import annotations

import pytest
from django import forms

from web.forms import form_field


class _Form(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "A")])
    note = forms.CharField()


def test_a_field_of_the_asked_kind_is_returned_and_changes_that_form_only() -> None:
    form = _Form()
    form_field(form, "kind", forms.ChoiceField).choices = [("b", "B")]
    assert list(form.fields["kind"].choices) == [("b", "B")]
    assert list(_Form().fields["kind"].choices) == [("a", "A")]


def test_a_field_of_another_kind_is_refused() -> None:
    with pytest.raises(TypeError, match=r"_Form.note is a CharField, not a ChoiceField"):
        form_field(_Form(), "note", forms.ChoiceField)
