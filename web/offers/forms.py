"""Forms of the regulated-offer pages: the knowledge test with its loss simulation, the information sheet,
an offer's terms and a lender payment. Shape only; the services check the rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pools.models import Pledge
from pools.money import MAX_ORE
from pools.offers.models import LenderPaymentKind, OfferInstrument, SheetSection
from pools.offers.questions import QUESTIONS
from pools.offers.services import SHEET_LANGUAGES
from web.funds.forms import KronorFormField


class AssessmentForm(forms.Form):
    """The entry knowledge test and loss simulation."""

    # Whole kronor: an estimate is enough, and zero is a valid answer.
    net_worth = forms.IntegerField(
        label=_("Your net worth (kr): savings and assets minus debts"),
        help_text=_("Used only for the loss simulation and the limit above which we ask for your consent."),
        min_value=0,
        max_value=MAX_ORE // 100,
    )
    loss_acknowledged = forms.BooleanField(
        required=False, label=_("I have seen what losing the whole amount would mean for me.")
    )
    warning_acknowledged = forms.BooleanField(
        required=False,
        label=_("I have read the warning: these offers may not be appropriate for me, and I may lose all I invest."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[f"q_{question.key}"] = forms.ChoiceField(
                label=str(question.text),
                choices=[(key, str(label)) for key, label in question.choices],
                widget=forms.RadioSelect,
            )

    def net_worth_ore(self) -> int:
        return int(self.cleaned_data["net_worth"]) * 100

    def answers(self) -> dict[str, str]:
        return {q.key: self.cleaned_data[f"q_{q.key}"] for q in QUESTIONS}

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q_{q.key}"] for q in QUESTIONS]


class SheetForm(forms.Form):
    """Every section of the key information sheet in Swedish and English."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for language in SHEET_LANGUAGES:
            for section in SheetSection:
                self.fields[f"{language}__{section.value}"] = forms.CharField(
                    label=f"{section.label} ({language})",
                    max_length=6000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def content(self) -> dict[str, dict[str, str]]:
        return {
            language: {section: self.cleaned_data[f"{language}__{section}"] for section in SheetSection.values}
            for language in SHEET_LANGUAGES
        }


REGULATED_CHOICES = (("", _("The default for the instrument")), ("yes", _("Regulated")), ("no", _("Not regulated")))


class OfferForm(forms.Form):
    """A pool's offer terms (organisers)."""

    instrument = forms.ChoiceField(label=_("Instrument"), choices=OfferInstrument.choices)
    regulated = forms.ChoiceField(label=_("Crowdfunding rules"), choices=REGULATED_CHOICES, required=False)
    interest_percent = forms.DecimalField(
        label=_("Interest per year (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )

    def service_arguments(self) -> dict[str, Any]:
        regulated = {"": None, "yes": True, "no": False}[self.cleaned_data.get("regulated") or ""]
        percent = self.cleaned_data.get("interest_percent")
        return {
            "instrument": self.cleaned_data["instrument"],
            "regulated": regulated,
            "interest_rate_bp": None if percent is None else int(percent * 100),
        }


EARLIEST_LENDER_PAYMENT = date(2000, 1, 1)


def _pledge_label(pledge: Pledge) -> str:
    return f"#{pledge.pk} · {pledge.pledger_name or '—'} · {pledge.get_kind_display()}"


class LenderPaymentForm(forms.Form):
    """Interest, a repayment or a dividend paid to one lender: which pledge, what, how much and when. The
    service checks the pledge belongs to the pool and suits the kind, and that the date is not in the future."""

    pledge = forms.TypedChoiceField(label=_("Lender (pledge)"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("Kind"), choices=LenderPaymentKind.choices)
    amount = KronorFormField(label=_("Amount (kr)"))
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    is_reversal = forms.BooleanField(
        label=_("Reverse an earlier entry (the amount is recorded as negative)"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, pledges: Iterable[Pledge] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pledge"]
        assert isinstance(field, forms.TypedChoiceField)  # declared above
        field.choices = [("", "—"), *((str(p.pk), _pledge_label(p)) for p in pledges)]

    def clean_paid_on(self) -> date:
        day: date = self.cleaned_data["paid_on"]
        if day < EARLIEST_LENDER_PAYMENT:
            raise forms.ValidationError(_("Choose a date between 2000 and today."))
        return day

    def service_arguments(self) -> dict[str, Any]:
        amount = int(self.cleaned_data["amount"])
        return {
            "pledge_id": self.cleaned_data["pledge"],
            "kind": self.cleaned_data["kind"],
            "amount_ore": -amount if self.cleaned_data["is_reversal"] else amount,
            "paid_on": self.cleaned_data["paid_on"],
            "note": self.cleaned_data["note"],
        }
