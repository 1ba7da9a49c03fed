"""Forms of the saver's pages: sign-up, pledging, changing a pledge, preferences, erasure.

Forms check shape (types, lengths, ranges); the services check the pool's rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import IBAN_INPUT_MAX_LENGTH, IBAN_TOO_LONG, normalize_swedish_iban
from accounts.models import Language, ReminderKind, User
from pools.models import NON_MONEY_KINDS, POOL_PLEDGE_KINDS, Pledge, PledgeKind, Pool
from pools.money import MAX_ORE, MoneyError, ore_to_string, parse_kronor
from pools.services import MAX_MONTHS, MAX_QUANTITY, MAX_SHARES
from web.forms import form_field

SAVING_MONTHLY = "monthly"
SAVING_LUMP = "lump"


class KronorFormField(forms.CharField):
    """Kronor as people type them ("1 234,50", "1234.50") into whole öre; never float."""

    default_error_messages = {
        "invalid": _("Give an amount in kronor with at most two decimals, like 1234,50."),
        "min_value": _("The amount must be above zero."),
        "max_value": _("The amount is too large."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # text in, öre (int) out
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 40:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            ore = parse_kronor(text)
        except MoneyError as exc:
            code = "max_value" if str(exc) == "amount too large" else "invalid"
            raise ValidationError(self.error_messages[code], code=code) from exc
        if ore <= 0:
            raise ValidationError(self.error_messages["min_value"], code="min_value")
        if ore > MAX_ORE:
            raise ValidationError(self.error_messages["max_value"], code="max_value")
        return ore

    def run_validators(self, value: Any) -> None:
        # The length validators of CharField were applied to the text already.
        return None


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def clean_email(self) -> str:
        # A taken address is not an error here: the page would tell anyone which addresses have
        # accounts. The view answers the same and mails the owner instead.
        return self.cleaned_data["email"].strip().lower()

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            probe = User(email=data.get("email") or "", full_name=data.get("full_name") or "")
            try:
                validate_password(first, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PledgeForm(forms.Form):
    """One form for every kind of pledge; the kinds offered depend on the pool."""

    kind = forms.ChoiceField(label=_("What do you pledge?"))
    saving_mode = forms.ChoiceField(
        label=_("How do you save?"),
        choices=[(SAVING_MONTHLY, _("An amount every month")), (SAVING_LUMP, _("A lump sum kept for a term"))],
        required=False,
        widget=forms.RadioSelect,
    )
    monthly_amount = KronorFormField(label=_("Per month (kr)"), required=False)
    months = forms.IntegerField(label=_("Number of months"), min_value=1, max_value=MAX_MONTHS, required=False)
    amount = KronorFormField(label=_("Amount (kr)"), required=False)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=MAX_MONTHS, required=False)
    share_count = forms.IntegerField(label=_("Number of shares"), min_value=1, max_value=MAX_SHARES, required=False)
    description = forms.CharField(
        label=_("What do you offer?"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    quantity = forms.DecimalField(
        label=_("How much (e.g. hours)"),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_QUANTITY,
        required=False,
    )
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    currency = forms.CharField(max_length=3, initial="SEK", widget=forms.HiddenInput)
    is_name_public = forms.BooleanField(label=_("Show my name among the savers"), required=False)
    may_contact = forms.BooleanField(label=_("The project may contact me"), required=False, initial=True)

    def __init__(self, *args: Any, pool: Pool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool
        kinds = POOL_PLEDGE_KINDS.get(pool.kind, ())
        form_field(self, "kind", forms.ChoiceField).choices = [(k, PledgeKind(k).label) for k in kinds]
        if kinds:
            self.fields["kind"].initial = kinds[0]
        self.fields["saving_mode"].initial = SAVING_MONTHLY

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"]
        if currency != "SEK":
            raise ValidationError(_("Only Swedish kronor (SEK) are accepted."))
        return currency

    def clean_unit(self) -> str:
        return self.cleaned_data["unit"].strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return data
        required: list[str]
        if kind == PledgeKind.SUPPORT_SAVING:
            mode = data.get("saving_mode") or SAVING_MONTHLY
            data["saving_mode"] = mode
            required = ["monthly_amount", "months"] if mode == SAVING_MONTHLY else ["amount", "term_months"]
            # Both modes filled in (possible without JavaScript) is ambiguous: refuse it rather than
            # keep one amount and drop the other without a word.
            other = ["amount", "term_months"] if mode == SAVING_MONTHLY else ["monthly_amount", "months"]
            if any(data.get(name) not in (None, "") for name in other):
                raise ValidationError(
                    _(
                        "Fill in either an amount every month or a lump sum, not both. "
                        "Clear the fields of the way you do not want to save."
                    ),
                    code="ambiguous_saving_mode",
                )
        elif kind == PledgeKind.SHARE:
            required = ["share_count"]
        elif kind in NON_MONEY_KINDS:
            required = ["description"] + (["quantity"] if kind == PledgeKind.TIME else [])
        else:
            required = ["amount"]
        for name in required:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("This field is required for this kind of pledge."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as pledge_create's keyword arguments (only those this kind uses)."""
        data = self.cleaned_data
        kind = data["kind"]
        args: dict[str, Any] = {
            "kind": kind,
            "currency": data["currency"],
            "is_name_public": data["is_name_public"],
            "may_contact": data["may_contact"],
        }
        if kind == PledgeKind.SUPPORT_SAVING and data["saving_mode"] == SAVING_MONTHLY:
            args.update(monthly_ore=data["monthly_amount"], months=data["months"])
        elif kind == PledgeKind.SUPPORT_SAVING:
            args.update(amount_ore=data["amount"], term_months=data["term_months"])
        elif kind == PledgeKind.SHARE:
            args.update(share_count=data["share_count"])
        elif kind in NON_MONEY_KINDS:
            args.update(description=data["description"], quantity=data["quantity"], unit=data["unit"])
        else:
            args.update(amount_ore=data["amount"], term_months=data["term_months"])
        return args


class PointsEstimateForm(forms.Form):
    """The few numbers the savings-points estimate needs; bad input gives no estimate."""

    saving_mode = forms.ChoiceField(choices=[(SAVING_MONTHLY, SAVING_MONTHLY), (SAVING_LUMP, SAVING_LUMP)])
    monthly_amount = KronorFormField(required=False)
    months = forms.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False)
    amount = KronorFormField(required=False)
    term_months = forms.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False)


class PledgeChangeForm(forms.Form):
    """Change what a money pledge asks for; only the fields its kind uses are shown, filled in with the
    pledge's current values (so the saver edits what is there rather than guessing what an empty box means)."""

    monthly_amount = KronorFormField(label=_("Per month (kr)"), required=False)
    months = forms.IntegerField(label=_("Number of months"), min_value=1, max_value=MAX_MONTHS, required=False)
    amount = KronorFormField(label=_("Amount (kr)"), required=False)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=MAX_MONTHS, required=False)
    share_count = forms.IntegerField(label=_("Number of shares"), min_value=1, max_value=MAX_SHARES, required=False)

    # The pledge's attribute behind each field, and the service's argument name.
    CURRENT = {
        "monthly_amount": "monthly_ore",
        "months": "months",
        "amount": "amount_ore",
        "term_months": "term_months",
        "share_count": "share_count",
    }

    def __init__(self, *args: Any, pledge: Pledge, language: str = "sv", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pledge = pledge
        if pledge.kind == PledgeKind.SHARE:
            keep = {"share_count"}
        elif pledge.monthly_ore is not None:
            keep = {"monthly_amount", "months"}
        else:
            keep = {"amount", "term_months"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in self.fields:
            value = getattr(pledge, self.CURRENT[name])
            if value is not None and isinstance(self.fields[name], KronorFormField):
                text = ore_to_string(value)
                self.initial[name] = text.replace(".", ",") if language == "sv" else text
            elif value is not None:
                self.initial[name] = value

    def changed_arguments(self) -> dict[str, Any]:
        """The values that differ from the pledge's current ones (an empty box keeps the current value)."""
        return {
            self.CURRENT[name]: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and value != getattr(self.pledge, self.CURRENT[name])
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors and not self.changed_arguments():
            raise ValidationError(_("Change at least one value."))
        return self.cleaned_data

    def service_arguments(self) -> dict[str, Any]:
        return self.changed_arguments()

    def mark_first_error(self) -> None:
        """Tie each input in error to its message and focus the first, so a phone scrolls to what to fix."""
        first = True
        for name in self.fields:
            if name in self.errors:
                attrs = self.fields[name].widget.attrs
                attrs.update({"aria-invalid": "true", "aria-describedby": f"{name}-error"})
                if first:
                    attrs["autofocus"] = True
                    first = False


class ReminderPreferencesForm(forms.Form):
    """One checkbox per kind of reminder."""

    def __init__(self, *args: Any, current: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in ReminderKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, initial=current.get(kind.value, True)
            )


class RefundAccountForm(forms.Form):
    """The account money is paid back to: a Swedish IBAN; empty removes it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the settings page also shows the email form, which has a password field too.
        kwargs.setdefault("auto_id", "refund_%s")
        super().__init__(*args, **kwargs)

    refund_iban = forms.CharField(
        label=_("IBAN"),
        max_length=IBAN_INPUT_MAX_LENGTH,
        required=False,
        error_messages={"max_length": IBAN_TOO_LONG},
        help_text=_("SE followed by 22 digits, as your bank shows it. Leave empty to remove it."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "SE00 0000 0000 0000 0000 0000"}
        ),
    )
    password = forms.CharField(
        label=_("Your password"),
        max_length=128,
        required=False,
        strip=False,
        help_text=_("Needed to change where money is paid back to. We mail you a notice of every change."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_refund_iban(self) -> str:
        return normalize_swedish_iban(self.cleaned_data["refund_iban"])


class ProfileForm(forms.Form):
    """The name shown to projects (where the saver allows it) and the language of pages and mails."""

    full_name = forms.CharField(
        label=_("Name"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()


class EmailChangeForm(forms.Form):
    """A new email address, confirmed by a link mailed to it; the password guards against a stolen session."""

    email = forms.EmailField(
        label=_("New email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Your password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    password = forms.CharField(
        label=_("Your password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(label=_("Yes, erase my personal data. This cannot be undone."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Wrong password."))
        return password
