"""Forms for the micro-fund pages: amounts as kronor ("1 234,50"), percentages as "25" or "25,5"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invest.funds.selectors import project_list_for_engagements
from invest.funds.services import RULE_INPUT_NAMES
from invest.models import MicroFund, Project
from pools.models import Pool
from pools.money import MAX_ORE, MoneyError, parse_kronor
from pools.percent import PercentError, PercentOutOfRange, percent_to_bp
from web.forms import form_field

BAD_AMOUNT = _("Give an amount in kronor with at most two decimals, like 1 234,50.")


class KronorFormField(forms.CharField):
    """Kronor in, öre out: "1 234,50" -> 123450. Refuses more than two decimals, exponents and NaN."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "maxlength": "40"})

    def to_python(self, value: object) -> int | None:  # type: ignore[override]  # text in, öre (int) out
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 40:
            raise forms.ValidationError(BAD_AMOUNT)
        try:
            ore = parse_kronor(text)
        except MoneyError as exc:
            raise forms.ValidationError(BAD_AMOUNT) from exc
        if ore < 0 or (ore == 0 and not self.allow_zero):
            raise forms.ValidationError(_("The amount must be above zero."))
        if ore > MAX_ORE:
            raise forms.ValidationError(_("The amount is too large."))
        return ore


class PercentFormField(forms.CharField):
    """A percentage with at most two decimals, returned as basis points (25,5 -> 2550)."""

    def __init__(self, *, low: Decimal = Decimal(0), high: Decimal = Decimal(100), **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "maxlength": "10"})

    def to_python(self, value: object) -> int | None:  # type: ignore[override]  # text in, basis points out
        text = (super().to_python(value) or "").replace(" ", "")
        if not text:
            return None
        try:
            return percent_to_bp(text, low=self.low, high=self.high)
        except PercentOutOfRange as exc:
            raise forms.ValidationError(
                _("Give a percentage from %(low)s to %(high)s.") % {"low": exc.low, "high": exc.high}
            ) from exc
        except PercentError as exc:
            raise forms.ValidationError(_("Give a percentage with at most two decimals, like 25,5.")) from exc


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class RulesForm(forms.Form):
    required_share = KronorFormField(label=_("Required member share (kr)"))
    max_instalments = forms.IntegerField(label=_("Instalments allowed"), min_value=1, max_value=60)
    instalment_interval_months = forms.IntegerField(label=_("Months between instalments"), min_value=1, max_value=12)
    voluntary_shares_allowed = forms.BooleanField(label=_("Voluntary shares allowed"), required=False)
    withdrawal_notice_days = forms.IntegerField(label=_("Notice for withdrawing (days)"), min_value=0, max_value=3650)
    max_per_project = KronorFormField(label=_("Maximum per project (kr)"))
    max_per_project_percent = PercentFormField(label=_("Maximum per project (% of capital)"), low=Decimal("0.01"))
    max_exposure_percent = PercentFormField(
        label=_("Maximum total exposure (% of capital)"), low=Decimal("0.01"), high=Decimal(1000)
    )
    guarantee_max_coverage_percent = PercentFormField(label=_("Maximum guarantee coverage (%)"), low=Decimal("0.01"))
    guarantee_fee_percent = PercentFormField(label=_("Guarantee fee per year (%)"))
    note = forms.CharField(label=_("Why (for the record)"), max_length=500, required=False)

    NAMES = RULE_INPUT_NAMES

    def to_service(self) -> dict[str, Any]:
        """fund_rules_set's keyword arguments: the note and each rule under its service name."""
        data = dict(self.cleaned_data)
        note = data.pop("note", "")
        return {"note": note, **{self.NAMES.get(k, k): v for k, v in data.items()}}


class JoinForm(forms.Form):
    pool = forms.TypedChoiceField(label=_("Share offer"), coerce=int)
    instalments = forms.IntegerField(label=_("Pay in instalments"), min_value=1, max_value=60, initial=1)
    voluntary_share_count = forms.IntegerField(
        label=_("Voluntary shares (optional)"), min_value=0, max_value=1_000_000, initial=0, required=False
    )

    def __init__(self, *args: Any, pools: list[Pool], max_instalments: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "pool", forms.TypedChoiceField).choices = [(p.pk, p.title) for p in pools]
        # The rules say how many instalments the required share may be split into.
        self.fields["instalments"] = forms.IntegerField(
            label=_("Pay in instalments"), min_value=1, max_value=max_instalments, initial=1
        )


class SharesForm(forms.Form):
    pool = forms.TypedChoiceField(label=_("Share offer"), coerce=int)
    share_count = forms.IntegerField(label=_("Number of shares"), min_value=1, max_value=1_000_000)

    def __init__(self, *args: Any, pools: list[Pool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "pool", forms.TypedChoiceField).choices = [(p.pk, p.title) for p in pools]


class WithdrawalForm(forms.Form):
    amount = KronorFormField(label=_("Amount to withdraw (kr)"))


class PaidOnForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=_date_widget())


class _EngagementForm(forms.Form):
    """A loan or guarantee form: the projects offered are those the fund may back (its own community's)."""

    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())

    def __init__(self, *args: Any, fund: MicroFund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "project", forms.ModelChoiceField).queryset = project_list_for_engagements(fund=fund)


class LoanForm(_EngagementForm):
    principal = KronorFormField(label=_("Amount lent (kr)"))
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360)
    interest_percent = PercentFormField(label=_("Interest per year (%)"), required=False, high=Decimal(50))
    disbursed_on = forms.DateField(label=_("Paid out on"), widget=_date_widget(), initial=timezone.localdate)
    first_due_on = forms.DateField(label=_("First instalment due (optional)"), widget=_date_widget(), required=False)


class GuaranteeForm(_EngagementForm):
    bank = forms.CharField(label=_("Bank"), max_length=120)
    loan_amount = KronorFormField(label=_("Bank loan (kr)"))
    coverage_percent = PercentFormField(label=_("Share covered (%)"), low=Decimal("0.01"))
    fee_percent = PercentFormField(label=_("Fee per year (%), empty for the rules' fee"), required=False)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360)
    issued_on = forms.DateField(label=_("Issued on"), widget=_date_widget(), initial=timezone.localdate)


class RepaymentForm(forms.Form):
    amount = KronorFormField(label=_("Amount repaid (kr)"))
    paid_on = forms.DateField(label=_("Paid on"), widget=_date_widget(), initial=timezone.localdate)
    reference = forms.CharField(label=_("Bank reference (optional)"), max_length=140, required=False)


class GuaranteeEventForm(forms.Form):
    effective_on = forms.DateField(label=_("Date"), widget=_date_widget(), initial=timezone.localdate)
    balance = KronorFormField(label=_("Bank loan balance now (kr)"), allow_zero=True, required=False)
    loss = KronorFormField(label=_("Loss paid to the bank (kr)"), allow_zero=True, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=_date_widget(), required=False)


class WriteOffForm(forms.Form):
    written_off_on = forms.DateField(label=_("Written off on"), widget=_date_widget(), initial=timezone.localdate)
    note = forms.CharField(label=_("Why"), max_length=500, required=False)
