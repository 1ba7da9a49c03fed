"""Forms for the treasurer's pages. Amounts typed as kronor ("1 234,50"), turned into öre here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pools.models import PaymentStatus
from pools.money import MAX_ORE, MoneyError, parse_kronor
from treasury.models import AuditAction, PayoutKind
from treasury.reports import EARLIEST

MAX_SPLIT_PARTS = 10


class KronorFormField(forms.CharField):
    """A kronor amount ("1 234,50" or "1234.50") cleaned to whole öre."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            ore = parse_kronor(text)
        except MoneyError as exc:
            raise forms.ValidationError(_("Give an amount in kronor with at most two decimals, like 1234,50.")) from exc
        if not 0 < ore <= MAX_ORE:
            raise forms.ValidationError(_("The amount must be above zero."))
        return ore


class SafeDateField(forms.DateField):
    def clean(self, value: Any) -> Any:
        day = super().clean(value)
        if day is not None and day < EARLIEST:
            raise forms.ValidationError(_("Choose a date between 2000 and today."))
        return day


class BankFileUploadForm(forms.Form):
    file = forms.FileField(label=_("Bank file (BgMax or camt.053/054)"), max_length=255, allow_empty_file=False)


class PaymentSearchForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *PaymentStatus.choices], required=False)
    q = forms.CharField(label=_("Name, reference or text"), max_length=200, required=False)
    amount = KronorFormField(label=_("Amount (kr)"), required=False)
    received_from = SafeDateField(label=_("Received from"), required=False)
    received_to = SafeDateField(label=_("Received to"), required=False)


class PledgeSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a pledge: name, e-mail, reference or pool"), max_length=200, required=False)
    amount = KronorFormField(label=_("Amount (kr)"), required=False)


class MatchForm(forms.Form):
    """Up to ten (pledge, amount) parts: one part is a match, several a split."""

    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(1, MAX_SPLIT_PARTS + 1):
            self.fields[f"pledge_{index}"] = forms.IntegerField(
                label=_("Pledge id"), min_value=1, max_value=2**62, required=False
            )
            self.fields[f"amount_{index}"] = KronorFormField(label=_("Amount (kr)"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        parts = []
        for index in range(1, MAX_SPLIT_PARTS + 1):
            pledge, amount = data.get(f"pledge_{index}"), data.get(f"amount_{index}")
            if pledge is None and amount is None:
                continue
            if pledge is None or amount is None:
                raise forms.ValidationError(_("Give both a pledge and an amount on each line."))
            parts.append((pledge, amount))
        if not parts and not self.errors:
            raise forms.ValidationError(_("Choose at least one pledge."))
        data["parts"] = parts
        return data


class ReportForm(forms.Form):
    as_of = SafeDateField(label=_("As of"), required=False)
    date_from = SafeDateField(label=_("Period from"), required=False)
    date_to = SafeDateField(label=_("Period to"), required=False)
    pool = forms.IntegerField(label=_("Pool id"), min_value=1, max_value=2**62, required=False)
    export = forms.ChoiceField(choices=[("", "-"), ("csv", "CSV"), ("xlsx", "Excel"), ("pdf", "PDF")], required=False)
    page = forms.IntegerField(min_value=1, max_value=10**9, required=False)
    sort = forms.RegexField(regex=r"^-?[a-z_]{1,40}$", required=False)


class ReportPrepareForm(forms.Form):
    """A report file for a worker to prepare: the report page's dates and pool, and the format."""

    FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("pdf", "PDF"))

    as_of = SafeDateField(label=_("As of"), required=False)
    date_from = SafeDateField(label=_("Period from"), required=False)
    date_to = SafeDateField(label=_("Period to"), required=False)
    pool = forms.IntegerField(label=_("Pool id"), min_value=1, max_value=2**62, required=False)
    file_format = forms.ChoiceField(label=_("Format"), choices=FORMATS)


class PayoutPrepareForm(forms.Form):
    kind = forms.ChoiceField(choices=PayoutKind.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PayoutExportForm(forms.Form):
    file_format = forms.ChoiceField(choices=[("csv", "CSV"), ("pain001", "ISO 20022 pain.001")])


class AuditFilterForm(forms.Form):
    table = forms.ChoiceField(
        label=_("Record"),
        required=False,
        choices=[
            ("", _("All")),
            ("pools_pledge", _("Pledges")),
            ("pools_payment", _("Payments")),
            ("pools_paymentallocation", _("Matches")),
            ("pools_pool", _("Pool status")),
            ("treasury_payoutbatch", _("Payout lists")),
            ("treasury_payoutline", _("Payout lines")),
            ("invest_project", _("Projects' Swish numbers")),
            ("invest_microfund", _("Funds' Swish numbers")),
        ],
    )
    row_id = forms.IntegerField(label=_("Record id"), min_value=1, max_value=2**62, required=False)
    actor = forms.IntegerField(label=_("User id"), min_value=1, max_value=2**62, required=False)
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("All")), *AuditAction.choices], required=False)
    date_from = SafeDateField(label=_("From"), required=False)
    date_to = SafeDateField(label=_("To"), required=False)
