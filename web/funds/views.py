"""Micro-fund pages: the fund, joining and the member's statement, organisers' rules and engagements,
treasurers' repayments and withdrawals, the position with CSV and PDF exports, owners' engagements.

Each view validates a form, calls one service or selector, and renders. A refused service call
becomes a form error (nothing is written); a permission refusal is 403; what a user may not see is 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.sessions import step_up_fresh, step_up_redirect
from invest.funds import selectors, services
from invest.funds.errors import FundPermissionDenied
from invest.models import MicroFund
from invest.services import fund_swish_number_set, user_may_manage_fund_receiver
from operations.errors import DomainError
from operations.replica import ReportSource, reporting_response
from pools.selectors import pool_get
from web.confirm import confirmation_page
from web.funds import exports
from web.funds.forms import (
    AsOfForm,
    GuaranteeEventForm,
    GuaranteeForm,
    JoinForm,
    LoanForm,
    PaidOnForm,
    RepaymentForm,
    RulesForm,
    SharesForm,
    WithdrawalForm,
    WriteOffForm,
)
from web.http import AuthenticatedHttpRequest
from web.owners import swish_number_page
from web.templatetags.money import money


def _refused(form: Any, exc: DomainError) -> None:
    """Show a refused service call on the form: on its field when the form has it."""
    if isinstance(exc, FundPermissionDenied):
        raise PermissionDenied(str(exc.message))
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def _fund_context(request: HttpRequest, fund: Any) -> dict[str, Any]:
    user = request.user
    return {
        "fund": fund,
        "rules": selectors.fund_rules_current(fund=fund),
        "membership": selectors.membership_get(fund=fund, user=user),
        "may_manage": selectors.user_manages_funds(user, community_id=fund.community_id),
        "may_set_swish": user_may_manage_fund_receiver(user=user, fund=fund),
        "may_read_reports": selectors.user_reads_fund_reports(user, community_id=fund.community_id),
        "may_treasure": selectors.user_approves_payouts(user, community_id=fund.community_id)
        or selectors.user_records_repayments(user, community_id=fund.community_id),
    }


# ---------------------------------------------------------------- public and members


def fund_list(request: HttpRequest) -> HttpResponse:
    """Every micro-fund."""
    return render(request, "funds/fund_list.html", {"funds": selectors.fund_list()})


def fund_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A fund: what it is, its rules, its share offers, and the projects it backs."""
    fund = selectors.fund_get(slug=slug)
    context = _fund_context(request, fund)
    # What the capital backs is shown to members and to those who read the fund's reports.
    shows_engagements = context["membership"] is not None or context["may_read_reports"]
    position = selectors.fund_position_now(fund=fund) if shows_engagements else None
    context.update({"pools": selectors.fund_share_pools(fund=fund), "position": position})
    return render(request, "funds/fund_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def fund_join(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Join the fund by subscribing the required share through one of its share offers."""
    fund = selectors.fund_get(slug=slug)
    rules = selectors.fund_rules_current(fund=fund)
    if selectors.membership_get(fund=fund, user=request.user) is not None:
        return HttpResponseRedirect(reverse("web:fund-statement", args=[fund.slug]))
    pools = list(selectors.fund_share_pools(fund=fund))
    form = JoinForm(request.POST or None, pools=pools, max_instalments=rules.max_instalments if rules else 1)
    if request.method == "POST" and form.is_valid():
        try:
            services.fund_member_join(
                fund=fund,
                user=request.user,
                pool=pool_get(pool_id=form.cleaned_data["pool"]),
                instalments=form.cleaned_data["instalments"],
                voluntary_share_count=form.cleaned_data.get("voluntary_share_count") or 0,
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Welcome as a member! Your payment instructions are below."))
            return HttpResponseRedirect(reverse("web:fund-statement", args=[fund.slug]))
    return render(request, "funds/fund_join.html", {"fund": fund, "rules": rules, "form": form, "pools": pools})


@login_required
def fund_statement(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The member's statement: shares, instalments paid and due, vote, and the capital at work."""
    fund = selectors.fund_get(slug=slug)
    statement = selectors.member_statement(fund=fund, user=request.user)
    pools = list(selectors.fund_share_pools(fund=fund))
    return render(
        request,
        "funds/fund_statement.html",
        {
            "fund": fund,
            "statement": statement,
            "rules": selectors.fund_rules_current(fund=fund),
            "withdraw_form": WithdrawalForm(),
            "shares_form": SharesForm(pools=pools),
            "pools": pools,
        },
    )


@login_required
@require_POST
def fund_withdraw(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A member asks to withdraw capital."""
    fund = selectors.fund_get(slug=slug)
    statement = selectors.member_statement(fund=fund, user=request.user)  # 404 for non-members
    form = WithdrawalForm(request.POST)
    if form.is_valid():
        try:
            row = services.capital_withdrawal_request(
                fund=fund, user=request.user, amount_ore=form.cleaned_data["amount"]
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(
                request,
                _("Your request is recorded. It can be paid from %(day)s.") % {"day": row.payable_on.isoformat()},
            )
            return HttpResponseRedirect(reverse("web:fund-statement", args=[fund.slug]))
    pools = list(selectors.fund_share_pools(fund=fund))
    return render(
        request,
        "funds/fund_statement.html",
        {
            "fund": fund,
            "statement": statement,
            "rules": selectors.fund_rules_current(fund=fund),
            "withdraw_form": form,
            "shares_form": SharesForm(pools=pools),
            "pools": pools,
        },
    )


@login_required
@require_POST
def fund_shares(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """A member subscribes voluntary shares."""
    fund = selectors.fund_get(slug=slug)
    statement = selectors.member_statement(fund=fund, user=request.user)
    pools = list(selectors.fund_share_pools(fund=fund))
    form = SharesForm(request.POST, pools=pools)
    if form.is_valid():
        try:
            services.fund_share_subscribe(
                fund=fund,
                user=request.user,
                pool=pool_get(pool_id=form.cleaned_data["pool"]),
                share_count=form.cleaned_data["share_count"],
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Thank you: your new shares are below with their payment reference."))
            return HttpResponseRedirect(reverse("web:fund-statement", args=[fund.slug]))
    return render(
        request,
        "funds/fund_statement.html",
        {
            "fund": fund,
            "statement": statement,
            "rules": selectors.fund_rules_current(fund=fund),
            "withdraw_form": WithdrawalForm(),
            "shares_form": form,
            "pools": pools,
        },
    )


# ---------------------------------------------------------------- organisers


def _require_manager(request: AuthenticatedHttpRequest, community_id: int | None = None) -> None:
    """Organisers (of this community, when one is named) manage funds; anyone else is refused (403)."""
    if not selectors.user_manages_funds(request.user, community_id=community_id):
        raise PermissionDenied


def _managed_fund(request: AuthenticatedHttpRequest, slug: str) -> MicroFund:
    """The fund with this slug when the user manages it (organisers of its community); anyone else: 403."""
    try:
        return selectors.fund_get_managed(user=request.user, slug=slug)
    except FundPermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc


def _rules_initial(rules: Any) -> dict[str, object]:
    if rules is None:
        return {"max_instalments": 1, "instalment_interval_months": 1, "voluntary_shares_allowed": True}

    def kr(ore: int) -> str:
        return f"{ore // 100},{ore % 100:02d}"

    def pct(value: int) -> str:
        return f"{value // 100},{value % 100:02d}"

    return {
        "required_share": kr(rules.required_share_ore),
        "max_instalments": rules.max_instalments,
        "instalment_interval_months": rules.instalment_interval_months,
        "voluntary_shares_allowed": rules.voluntary_shares_allowed,
        "withdrawal_notice_days": rules.withdrawal_notice_days,
        "max_per_project": kr(rules.max_per_project_ore),
        "max_per_project_percent": pct(rules.max_per_project_bp),
        "max_exposure_percent": pct(rules.max_exposure_bp),
        "guarantee_max_coverage_percent": pct(rules.guarantee_max_coverage_bp),
        "guarantee_fee_percent": pct(rules.guarantee_fee_bp),
    }


@login_required
@require_http_methods(["GET", "POST"])
def fund_swish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The fund's own organiser sets the Swish number members pay share instalments with; others get 404."""
    fund = selectors.fund_get(slug=slug)
    if not user_may_manage_fund_receiver(user=request.user, fund=fund):
        raise Http404

    def save(number: str) -> object:
        return fund_swish_number_set(fund=fund, by=request.user, swish_number=number)

    return swish_number_page(
        request, receiver=fund, save=save, back_url=reverse("web:fund-detail", args=[fund.slug]), back_label=fund.name
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_rules(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Organisers edit the rules (each save adds a version); organisers and treasurers read the history."""
    fund = selectors.fund_get_for_reports(user=request.user, slug=slug)
    rules = selectors.fund_rules_current(fund=fund)
    form = RulesForm(request.POST or None, initial=_rules_initial(rules))
    if request.method == "POST":
        _require_manager(request, fund.community_id)
        if not step_up_fresh(request):
            return step_up_redirect(request, reverse("web:fund-rules", args=[fund.slug]))
        if form.is_valid():
            try:
                services.fund_rules_set(fund=fund, by=request.user, **form.to_service())
            except DomainError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("The new rules are in force; the old ones are kept in the history."))
                return HttpResponseRedirect(reverse("web:fund-rules", args=[fund.slug]))
    context = _fund_context(request, fund)
    context.update({"form": form, "versions": selectors.fund_rules_versions(fund=fund)})
    return render(request, "funds/fund_rules.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def loan_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """An organiser lends to a project; a broken limit is shown with its reason."""
    fund = _managed_fund(request, slug)
    if request.method == "POST" and not step_up_fresh(request):
        return step_up_redirect(request, reverse("web:fund-loan-new", args=[fund.slug]))
    form = LoanForm(request.POST or None, fund=fund)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = services.loan_create(
                fund=fund,
                by=request.user,
                project=data["project"],
                principal_ore=data["principal"],
                term_months=data["term_months"],
                interest_bp=data.get("interest_percent") or 0,
                disbursed_on=data["disbursed_on"],
                first_due_on=data.get("first_due_on"),
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            return HttpResponseRedirect(reverse("web:loan-detail", args=[loan.pk]))
    return render(request, "funds/engagement_form.html", {"fund": fund, "form": form, "kind": "loan"})


@login_required
@require_http_methods(["GET", "POST"])
def guarantee_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """An organiser guarantees part of a project's bank loan; a broken limit is shown with its reason."""
    fund = _managed_fund(request, slug)
    if request.method == "POST" and not step_up_fresh(request):
        return step_up_redirect(request, reverse("web:fund-guarantee-new", args=[fund.slug]))
    form = GuaranteeForm(request.POST or None, fund=fund)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            guarantee = services.guarantee_create(
                fund=fund,
                by=request.user,
                project=data["project"],
                bank=data["bank"],
                loan_amount_ore=data["loan_amount"],
                coverage_bp=data["coverage_percent"],
                fee_bp=data.get("fee_percent"),
                term_months=data["term_months"],
                issued_on=data["issued_on"],
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            return HttpResponseRedirect(reverse("web:guarantee-detail", args=[guarantee.pk]))
    return render(request, "funds/engagement_form.html", {"fund": fund, "form": form, "kind": "guarantee"})


# ---------------------------------------------------------------- engagements


@login_required
@require_http_methods(["GET", "POST"])
def loan_detail(request: AuthenticatedHttpRequest, pk: int, write_off_form: WriteOffForm | None = None) -> HttpResponse:
    """A loan, its schedule and repayments: for its project's owner, organisers and treasurers.
    Treasurers record repayments here."""
    loan = selectors.loan_get_visible(user=request.user, loan_id=pk)
    may_record = selectors.user_records_repayments(request.user, community_id=loan.fund.community_id)
    form = RepaymentForm(request.POST if write_off_form is None and request.method == "POST" else None)
    if request.method == "POST" and write_off_form is None:
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.loan_repayment_record(
                    loan=loan,
                    by=request.user,
                    amount_ore=form.cleaned_data["amount"],
                    paid_on=form.cleaned_data["paid_on"],
                    reference=form.cleaned_data.get("reference"),
                )
            except DomainError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Repayment recorded."))
                return HttpResponseRedirect(reverse("web:loan-detail", args=[loan.pk]))
    today = timezone.localdate()
    line = selectors.loan_line(loan, as_of=today, cutoff=selectors.recorded_cutoff(today))
    return render(
        request,
        "funds/loan_detail.html",
        {
            "loan": loan,
            "line": line,
            "repayments": selectors.repayments_recorded_for(loan=loan),
            "form": form if may_record else None,
            "write_off_form": write_off_form
            if write_off_form is not None
            else (
                WriteOffForm()
                if selectors.user_manages_funds(request.user, community_id=loan.fund.community_id)
                else None
            ),
        },
    )


@login_required
@require_POST
def loan_write_off(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An organiser writes off what is left of a loan."""
    loan = selectors.loan_get_visible(user=request.user, loan_id=pk)
    _require_manager(request, loan.fund.community_id)  # refused before the code is asked for: only an organiser
    if not step_up_fresh(request):
        return step_up_redirect(request, reverse("web:loan-detail", args=[loan.pk]))
    form = WriteOffForm(request.POST)
    if form.is_valid():
        try:
            services.loan_write_off(
                loan=loan,
                by=request.user,
                written_off_on=form.cleaned_data["written_off_on"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The loan is written off; what was left is recorded as a loss."))
            return HttpResponseRedirect(reverse("web:loan-detail", args=[loan.pk]))
    return loan_detail(request, pk, write_off_form=form)


@login_required
def guarantee_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A guarantee with its exposure and history: for its project's owner, organisers and treasurers."""
    guarantee = selectors.guarantee_get_visible(user=request.user, guarantee_id=pk)
    return _guarantee_page(request, guarantee, GuaranteeEventForm())


def _guarantee_page(request: AuthenticatedHttpRequest, guarantee: Any, form: GuaranteeEventForm) -> HttpResponse:
    today = timezone.localdate()
    line = selectors.guarantee_line(guarantee, as_of=today, cutoff=selectors.recorded_cutoff(today))
    user = request.user
    return render(
        request,
        "funds/guarantee_detail.html",
        {
            "guarantee": guarantee,
            "line": line,
            "events": guarantee.events.select_related("recorded_by").order_by("effective_on", "pk"),
            "form": form,
            "may_report": selectors.user_records_repayments(user, community_id=guarantee.fund.community_id)
            or selectors.user_manages_funds(user, community_id=guarantee.fund.community_id),
            "may_end": selectors.user_manages_funds(user, community_id=guarantee.fund.community_id),
        },
    )


@login_required
@require_POST
def guarantee_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Report the bank loan's balance, release or call a guarantee."""
    if action not in ("balance", "release", "call"):
        raise Http404
    guarantee = selectors.guarantee_get_visible(user=request.user, guarantee_id=pk)
    form = GuaranteeEventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "balance":
                if data.get("balance") is None:
                    form.add_error("balance", _("Give the bank loan's balance."))
                    return _guarantee_page(request, guarantee, form)
                services.guarantee_balance_report(
                    guarantee=guarantee, by=request.user, balance_ore=data["balance"], effective_on=data["effective_on"]
                )
            elif action == "release":
                services.guarantee_release(
                    guarantee=guarantee, by=request.user, effective_on=data["effective_on"], note=data.get("note", "")
                )
            else:
                if data.get("loss") is None:
                    form.add_error("loss", _("Give the loss paid to the bank."))
                    return _guarantee_page(request, guarantee, form)
                services.guarantee_call(
                    guarantee=guarantee,
                    by=request.user,
                    effective_on=data["effective_on"],
                    loss_ore=data["loss"],
                    note=data.get("note", ""),
                )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return HttpResponseRedirect(reverse("web:guarantee-detail", args=[guarantee.pk]))
    return _guarantee_page(request, guarantee, form)


@login_required
def my_engagements(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A project owner's loans and guarantees from funds, with their schedules."""
    return render(request, "funds/my_engagements.html", selectors.engagements_for_owner(owner=request.user))


# ---------------------------------------------------------------- treasurers


@login_required
def fund_withdrawals(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Treasurers' queue of capital withdrawals: prepare, approve (a second person), pay."""
    fund = selectors.fund_get_for_treasury(user=request.user, slug=slug)
    rows = selectors.withdrawal_list_for_treasury(user=request.user, fund=fund)
    return render(
        request,
        "funds/fund_withdrawals.html",
        {"fund": fund, "withdrawals": rows, "paid_form": PaidOnForm(initial={"paid_on": timezone.localdate()})},
    )


@login_required
@require_POST
def withdrawal_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("prepare", "approve", "pay", "cancel"):
        raise Http404
    if action == "cancel":
        row = selectors.withdrawal_get_for_member_or_treasury(user=request.user, withdrawal_id=pk)
    else:
        row = selectors.withdrawal_get_for_treasury(user=request.user, withdrawal_id=pk)
    fund = row.membership.fund
    back = (
        reverse("web:fund-statement", args=[fund.slug])
        if row.membership.member_id == request.user.pk and action == "cancel"
        else reverse("web:fund-withdrawals", args=[fund.slug])
    )
    if action == "cancel":
        page = confirmation_page(
            request,
            title=_("Cancel this withdrawal?"),
            question=_("The withdrawal of %(amount)s from %(fund)s will be cancelled.")
            % {"amount": money(row.amount_ore), "fund": fund.name},
            consequence=_("The capital stays in the fund. A new withdrawal starts a new notice period."),
            confirm_label=_("Yes, cancel the withdrawal"),
            cancel_label=_("No, keep the withdrawal"),
            back_url=back,
        )
        if page is not None:
            return page
    if action == "approve" and not step_up_fresh(request):
        return step_up_redirect(request, back)  # money leaves the fund: a fresh second factor
    try:
        if action == "prepare":
            services.capital_withdrawal_prepare(withdrawal=row, by=request.user)
        elif action == "approve":
            services.capital_withdrawal_approve(withdrawal=row, by=request.user)
        elif action == "pay":
            form = PaidOnForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the date the money was paid."))
                return HttpResponseRedirect(back)
            services.capital_withdrawal_mark_paid(withdrawal=row, by=request.user, paid_on=form.cleaned_data["paid_on"])
        else:
            services.capital_withdrawal_cancel(withdrawal=row, by=request.user)
    except FundPermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Done."))
    return HttpResponseRedirect(back)


# ---------------------------------------------------------------- position and exports


def _as_of(request: HttpRequest) -> tuple[AsOfForm, date]:
    form = AsOfForm(request.GET or None)
    if request.GET and form.is_valid() and form.cleaned_data.get("as_of"):
        return form, form.cleaned_data["as_of"]
    return form, timezone.localdate()


@login_required
def fund_position(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    """The fund's position as of a date: organisers and treasurers."""
    fund = selectors.fund_get_for_reports(user=request.user, slug=slug)
    form, as_of = _as_of(request)
    context = _fund_context(request, fund)
    context.update({"form": form, "query": f"?as_of={as_of.isoformat()}"})

    def page(source: ReportSource) -> HttpResponse:
        # Only the figures are read on the replica (when one is configured): who may see the fund, on the primary.
        position = selectors.fund_position(fund=fund, as_of=as_of)
        return render(request, "funds/fund_position.html", {**context, "position": position, "source": source})

    return reporting_response(page)


@login_required
def fund_position_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    fund = selectors.fund_get_for_reports(user=request.user, slug=slug)
    _form, as_of = _as_of(request)
    return reporting_response(lambda source: exports.position_csv(selectors.fund_position(fund=fund, as_of=as_of)))


@login_required
def fund_position_pdf(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    fund = selectors.fund_get_for_reports(user=request.user, slug=slug)
    _form, as_of = _as_of(request)
    return reporting_response(lambda source: exports.position_pdf(selectors.fund_position(fund=fund, as_of=as_of)))
