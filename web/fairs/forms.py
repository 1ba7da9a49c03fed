"""Forms for the fair pages. Shape and field checks only; the services decide the rest."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from invest.fairs.models import FollowUpOutcome, Pitch
from invest.fairs.services import CARD_KINDS, MAX_HOURS, CardInput
from invest.models import Project
from pools.models import MONEY_KINDS, PledgeKind
from pools.money import MoneyError, parse_kronor
from web.forms import form_field


class FairForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100_000)
    pitch_slots = forms.IntegerField(label=_("Pitch slots"), min_value=1, max_value=30, initial=5)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False, widget=forms.Textarea)


class KronorFormField(forms.CharField):
    """Kronor as people write them ("1 234,50"); cleaned to whole öre."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, value: object) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_kronor(text)
        except MoneyError as exc:
            raise forms.ValidationError(_("Give an amount in kronor, like 500 or 1 234,50.")) from exc


class ApplyForm(forms.Form):
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(label=_("Project"), queryset=None)
    title = forms.CharField(label=_("Pitch title"), max_length=200, required=False)
    ask = forms.CharField(label=_("What you ask for"), max_length=500, required=False)

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "project", forms.ModelChoiceField).queryset = projects


class ChooseForm(forms.Form):
    target = KronorFormField(label=_("Target (kr)"), required=False)


class PitchPageForm(forms.Form):
    title = forms.CharField(label=_("Pitch title"), max_length=200)
    summary = forms.CharField(label=_("What you will present"), max_length=2000, required=False, widget=forms.Textarea)
    ask = forms.CharField(label=_("What you ask for"), max_length=500, required=False)


class ProgrammeForm(forms.Form):
    """One row per chosen pitch: order, start time, length."""

    def __init__(self, *args: Any, pitches: list[Pitch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pitches = pitches
        for index, pitch in enumerate(pitches, start=1):
            # The inputs sit in a table row without a <label>: name them for screen readers ("Order: <pitch>").
            def named(label: object, pitch: Pitch = pitch, **attrs: str) -> dict[str, str]:
                return {"aria-label": f"{label}: {pitch.title}", **attrs}

            self.fields[f"position_{pitch.pk}"] = forms.IntegerField(
                label=_("Order"),
                min_value=1,
                max_value=30,
                initial=pitch.position or index,
                widget=forms.NumberInput(attrs=named(_("Order"))),
            )
            self.fields[f"starts_at_{pitch.pk}"] = forms.TimeField(
                label=_("Starts at"),
                initial=pitch.starts_at,
                widget=forms.TimeInput(attrs=named(_("Starts at"), type="time")),
            )
            self.fields[f"minutes_{pitch.pk}"] = forms.IntegerField(
                label=_("Minutes"),
                min_value=1,
                max_value=60,
                initial=pitch.minutes,
                widget=forms.NumberInput(attrs=named(_("Minutes"))),
            )

    def rows(self) -> list[tuple[Pitch, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(p, self[f"position_{p.pk}"], self[f"starts_at_{p.pk}"], self[f"minutes_{p.pk}"]) for p in self.pitches]


KIND_CHOICES = [(str(k), PledgeKind(k).label) for k in CARD_KINDS]  # gift first: the commonest card


class CardForm(forms.Form):
    """A pledge card: kind, amount or description, and who (or anonymous)."""

    card_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("I pledge"), choices=KIND_CHOICES)
    amount = KronorFormField(
        label=_("Amount (kr)"),
        required=False,
        help_text=_("For monthly saving: per month."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    months = forms.IntegerField(
        label=_("Months"), required=False, min_value=1, max_value=600, help_text=_("Saving months, or a loan's term.")
    )
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=Decimal("0.01"), max_value=MAX_HOURS, max_digits=7, decimal_places=2
    )
    description = forms.CharField(
        label=_("What you offer"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    is_name_public = forms.BooleanField(label=_("My name may be shown on the board"), required=False)
    may_contact = forms.BooleanField(label=_("The project may contact me"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("card_id", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        """Refuse a field of another kind of pledge rather than drop it silently (the page's script
        disables them; without it, a volunteer may have typed an amount on an hours card)."""
        data = super().clean() or {}
        kind = data.get("kind")
        if kind:
            wrong = {
                "amount": kind not in MONEY_KINDS,
                "months": kind not in MONEY_KINDS,
                "hours": kind != PledgeKind.TIME,
            }
            for name, refused in wrong.items():
                if refused and data.get(name) is not None and name not in self.errors:
                    self.add_error(name, _("Not used for this kind of pledge: empty the field or choose another kind."))
        return data

    def add_error(self, field: str | None, error: Any) -> None:
        """Every error (a field's, the form's, or a service's refusal added later) moves the focus
        (autofocus) to the first faulty field in page order."""
        super().add_error(field, error)
        faulty = [name for name in self.fields if name in self.errors and name != "card_id"]
        for each in self.fields.values():
            each.widget.attrs.pop("autofocus", None)
        self.fields[faulty[0] if faulty else "kind"].widget.attrs["autofocus"] = True

    def card(self) -> CardInput:
        data = self.cleaned_data
        return CardInput(
            kind=data["kind"],
            amount_ore=data.get("amount"),
            months=data.get("months"),
            hours=data.get("hours"),
            description=data.get("description") or "",
            name=data.get("name") or "",
            email=data.get("email") or "",
            phone=data.get("phone") or "",
            is_name_public=bool(data.get("is_name_public")),
            may_contact=bool(data.get("may_contact")),
        )


class VolunteerCardForm(CardForm):
    """A paper card typed in by a volunteer: the pitch first, remembered between cards."""

    pitch = forms.TypedChoiceField(label=_("Pitch"), coerce=int, choices=())

    field_order = ["pitch", "kind", "amount", "months", "hours", "description", "name", "email", "phone"]

    def __init__(self, *args: Any, pitches: list[Pitch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.pk, f"{p.position or '–'}. {p.title}") for p in pitches]
        form_field(self, "pitch", forms.TypedChoiceField).choices = choices
        self.fields["kind"].widget.attrs["autofocus"] = True  # the next card starts at its kind (full_clean moves it)


class FollowUpForm(forms.Form):
    # No outcome chosen in advance: a row must not look "contacted" before anyone was.
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", _("– choose –")), *FollowUpOutcome.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReportDateForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
