"""Micro-funds: rules, membership and statements, withdrawals, loans, repayments, guarantees, position.

Amounts are decimal strings in kronor ("1234.50"); percentages are decimal strings ("25.00").
Who may do what is decided in invest.funds (services refuse with 403/409, selectors answer 404).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import KronorField, OreAsKronorField
from invest.funds import selectors, services
from invest.funds.models import (
    CapitalWithdrawal,
    FundRulesVersion,
    Guarantee,
    GuaranteeEvent,
    Loan,
    LoanRepayment,
)
from invest.models import MicroFund
from pools.models import Pool, PoolKind
from pools.money import ore_to_string

PERCENT_TEXT = re.compile(r"^\d{1,4}(\.\d{1,2})?$")
ERROR = OpenApiResponse(description="Refused: `{field: [message], code}`")
ERRORS = {400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d{1,4}(\.\d{1,2})?$", "example": "25.00"})
class PercentField(serializers.Field):
    """Reads "25" or "25.50" (percent, at most two decimals) into basis points; writes them back as "25.50"."""

    default_error_messages = {
        "invalid": _("Give a percentage with at most two decimals, like 25.50."),
        "range": _("Give a percentage from %(low)s to %(high)s."),
    }

    def __init__(self, *, low: Decimal = Decimal(0), high: Decimal = Decimal(100), **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid")
        text = (repr(data) if isinstance(data, float) else str(data)).strip().replace(",", ".")
        # Plain digits only: no exponents, NaN or infinities reach Decimal arithmetic.
        if not PERCENT_TEXT.match(text):
            self.fail("invalid")
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.fail("invalid")
        if not self.low <= value <= self.high:
            self.fail("range", low=self.low, high=self.high)
        return int(value * 100)

    def to_representation(self, value: int) -> str:
        return f"{Decimal(value) / 100:.2f}"


def bp(value: int | None) -> str | None:
    return None if value is None else f"{Decimal(value) / 100:.2f}"


# ---------------------------------------------------------------- funds and rules


class RulesSerializer(serializers.ModelSerializer):
    required_share = OreAsKronorField(source="required_share_ore")
    max_per_project = OreAsKronorField(source="max_per_project_ore")
    max_per_project_percent = serializers.SerializerMethodField()
    max_exposure_percent = serializers.SerializerMethodField()
    guarantee_max_coverage_percent = serializers.SerializerMethodField()
    guarantee_fee_percent = serializers.SerializerMethodField()
    changed_by = serializers.CharField(source="changed_by.display_name", read_only=True)

    class Meta:
        model = FundRulesVersion
        fields = [
            "version",
            "required_share",
            "max_instalments",
            "instalment_interval_months",
            "voluntary_shares_allowed",
            "withdrawal_notice_days",
            "max_per_project",
            "max_per_project_percent",
            "max_exposure_percent",
            "guarantee_max_coverage_percent",
            "guarantee_fee_percent",
            "changed_by",
            "changed_at",
            "note",
        ]
        read_only_fields = fields

    def get_max_per_project_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.max_per_project_bp)

    def get_max_exposure_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.max_exposure_bp)

    def get_guarantee_max_coverage_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.guarantee_max_coverage_bp)

    def get_guarantee_fee_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.guarantee_fee_bp)


class RulesVersionSerializer(RulesSerializer):
    before = serializers.JSONField(read_only=True)

    class Meta(RulesSerializer.Meta):
        fields = [*RulesSerializer.Meta.fields, "before"]
        read_only_fields = fields


class RulesInputSerializer(serializers.Serializer):
    required_share = KronorField(required=False)
    max_instalments = serializers.IntegerField(required=False, min_value=1, max_value=60)
    instalment_interval_months = serializers.IntegerField(required=False, min_value=1, max_value=12)
    voluntary_shares_allowed = serializers.BooleanField(required=False)
    withdrawal_notice_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)
    max_per_project = KronorField(required=False)
    max_per_project_percent = PercentField(required=False, low=Decimal("0.01"))
    max_exposure_percent = PercentField(required=False, low=Decimal("0.01"), high=Decimal(1000))
    guarantee_max_coverage_percent = PercentField(required=False, low=Decimal("0.01"))
    guarantee_fee_percent = PercentField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    NAMES = {
        "required_share": "required_share_ore",
        "max_per_project": "max_per_project_ore",
        "max_per_project_percent": "max_per_project_bp",
        "max_exposure_percent": "max_exposure_bp",
        "guarantee_max_coverage_percent": "guarantee_max_coverage_bp",
        "guarantee_fee_percent": "guarantee_fee_bp",
    }

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        note = data.pop("note", "")
        return {"note": note, **{self.NAMES.get(k, k): v for k, v in data.items()}}


class FundSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()
    share_offers = serializers.SerializerMethodField()

    class Meta:
        model = MicroFund
        fields = ["id", "slug", "name", "description", "bankgiro", "rules", "share_offers"]
        read_only_fields = fields

    @extend_schema_field(RulesSerializer(allow_null=True))
    def get_rules(self, fund: MicroFund) -> dict | None:
        if hasattr(fund, "rules_newest_first"):  # prefetched by fund_list_for_listing
            rules = fund.rules_newest_first[0] if fund.rules_newest_first else None
        else:
            rules = selectors.fund_rules_current(fund=fund)
        return RulesSerializer(rules).data if rules else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_share_offers(self, fund: MicroFund) -> list[dict]:
        return [
            {
                "id": p.pk,
                "title": p.title,
                "share_price": ore_to_string(p.share_price_ore or 0),
                "closes_on": p.closes_on,
            }
            for p in (
                fund.open_share_offers
                if hasattr(fund, "open_share_offers")  # prefetched by fund_list_for_listing
                else selectors.fund_share_pools(fund=fund)
            )
        ]


class FundListView(APIView):
    """Every fund with its rules in force and open share offers."""

    @extend_schema(responses={200: FundSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(FundSerializer(selectors.fund_list_for_listing(), many=True).data)


class FundDetailView(APIView):
    @extend_schema(responses={200: FundSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(FundSerializer(selectors.fund_get(fund_id=pk)).data)


class FundRulesView(APIView):
    """GET: every rules version (organisers and treasurers). POST: a new version (organisers)."""

    @extend_schema(responses={200: RulesVersionSerializer(many=True), 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get_for_reports(user=request.user, fund_id=pk)
        return Response(RulesVersionSerializer(selectors.fund_rules_versions(fund=fund), many=True).data)

    @extend_schema(request=RulesInputSerializer, responses={201: RulesVersionSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        step_up_require(request)  # a fresh second factor (accounts/sessions.py)
        fund = selectors.fund_get(fund_id=pk)
        payload = RulesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.fund_rules_set(fund=fund, by=request.user, **payload.to_service())
        return Response(RulesVersionSerializer(version).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- position


class LoanLineSerializer(serializers.Serializer):
    loan_id = serializers.IntegerField(source="loan.pk")
    written_off = serializers.BooleanField()
    loss = OreAsKronorField(source="loss_ore")
    project = serializers.CharField(source="loan.project.name")
    principal = OreAsKronorField(source="principal_ore")
    repaid_principal = OreAsKronorField(source="repaid_principal_ore")
    interest_received = OreAsKronorField(source="interest_received_ore")
    outstanding = OreAsKronorField(source="outstanding_ore")
    due = OreAsKronorField(source="due_ore")
    overdue = OreAsKronorField(source="overdue_ore")
    overdue_since = serializers.DateField(allow_null=True)  # None while nothing is overdue


class GuaranteeLineSerializer(serializers.Serializer):
    guarantee_id = serializers.IntegerField(source="guarantee.pk")
    project = serializers.CharField(source="guarantee.project.name")
    bank = serializers.CharField(source="guarantee.bank")
    status = serializers.CharField()
    bank_balance = OreAsKronorField(source="bank_balance_ore")
    exposure = OreAsKronorField(source="exposure_ore")
    loss = OreAsKronorField(source="loss_ore")
    yearly_fee = OreAsKronorField(source="yearly_fee_ore")


class PositionSerializer(serializers.Serializer):
    fund_id = serializers.IntegerField(source="fund.pk")
    as_of = serializers.DateField()
    known_at = serializers.DateTimeField()
    capital_paid_in = OreAsKronorField(source="capital_paid_in_ore")
    withdrawn = OreAsKronorField(source="withdrawn_ore")
    capital = OreAsKronorField(source="capital_ore")
    outstanding_loans = OreAsKronorField(source="outstanding_loans_ore")
    guarantee_exposure = OreAsKronorField(source="guarantee_exposure_ore")
    repaid_principal = OreAsKronorField(source="repaid_principal_ore")
    interest_received = OreAsKronorField(source="interest_received_ore")
    repayments_due = OreAsKronorField(source="repayments_due_ore")
    repayments_overdue = OreAsKronorField(source="repayments_overdue_ore")
    losses = OreAsKronorField(source="losses_ore")
    available = OreAsKronorField(source="available_ore")
    member_count = serializers.IntegerField()
    voting_member_count = serializers.IntegerField()
    loans = LoanLineSerializer(many=True)
    guarantees = GuaranteeLineSerializer(many=True)


class PositionQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    known_at = serializers.DateTimeField(required=False)


class FundPositionView(APIView):
    """The fund's position as of a date (default today); organisers and treasurers only.
    An event counts when its date is on or before `as_of` and it was recorded by the end of that day
    (or by `known_at` when given), so a past date's figures never change."""

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", str, description="YYYY-MM-DD"),
            OpenApiParameter("known_at", str, description="ISO 8601 date-time: count what was recorded by then"),
        ],
        responses={200: PositionSerializer, 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get_for_reports(user=request.user, fund_id=pk)
        query = PositionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        position = selectors.fund_position(fund=fund, as_of=as_of, known_at=query.validated_data.get("known_at"))
        return Response(PositionSerializer(position).data)


# ---------------------------------------------------------------- members


class JoinSerializer(serializers.Serializer):
    pool = serializers.PrimaryKeyRelatedField(queryset=Pool.objects.filter(kind=PoolKind.SHARE_OFFER))
    instalments = serializers.IntegerField(min_value=1, max_value=60, default=1)
    voluntary_share_count = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)


class SharesSerializer(serializers.Serializer):
    pool = serializers.PrimaryKeyRelatedField(queryset=Pool.objects.filter(kind=PoolKind.SHARE_OFFER))
    share_count = serializers.IntegerField(min_value=1, max_value=1_000_000)


class InstalmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    amount = OreAsKronorField(source="amount_ore")
    paid = OreAsKronorField(source="paid_ore")
    state = serializers.CharField()


class ShareLineSerializer(serializers.Serializer):
    pledge_id = serializers.IntegerField(source="share.pledge_id")
    is_required = serializers.BooleanField(source="share.is_required")
    share_count = serializers.IntegerField()
    amount = OreAsKronorField(source="amount_ore")
    paid = OreAsKronorField(source="paid_ore")
    ocr_reference = serializers.CharField()
    instalments = serializers.SerializerMethodField()

    @extend_schema_field(InstalmentSerializer(many=True))
    def get_instalments(self, line: Any) -> list[dict]:
        return InstalmentSerializer(line.instalments, many=True).data


class WithdrawalSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    amount = OreAsKronorField(source="amount_ore")
    member = serializers.CharField(source="membership.member.display_name", read_only=True)
    prepared_by = serializers.CharField(
        source="prepared_by.display_name", read_only=True, allow_null=True, default=None
    )
    approved_by = serializers.CharField(
        source="approved_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = CapitalWithdrawal
        fields = [
            "id",
            "member",
            "amount",
            "requested_on",
            "payable_on",
            "status",
            "prepared_by",
            "approved_by",
            "paid_on",
        ]
        read_only_fields = fields


class BackedSerializer(serializers.Serializer):
    project = serializers.CharField(source="project.name")
    kind = serializers.CharField()
    amount = OreAsKronorField(source="amount_ore")


class StatementSerializer(serializers.Serializer):
    fund_id = serializers.IntegerField(source="membership.fund_id")
    joined_on = serializers.DateField(source="membership.joined_on")
    as_of = serializers.DateField()
    has_vote = serializers.BooleanField()
    paid_in = OreAsKronorField(source="paid_in_ore")
    withdrawn = OreAsKronorField(source="withdrawn_ore")
    capital = OreAsKronorField(source="capital_ore")
    pending_withdrawals = OreAsKronorField(source="pending_withdrawals_ore")
    shares = ShareLineSerializer(many=True)
    withdrawals = WithdrawalSerializer(many=True)
    capital_at_work = BackedSerializer(source="backed_projects", many=True)


class FundJoinView(APIView):
    """Join the fund: pledge the required share (in up to the rules' instalments) and any voluntary shares."""

    @extend_schema(request=JoinSerializer, responses={201: StatementSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = JoinSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.fund_member_join(fund=fund, user=request.user, **payload.validated_data)
        statement = selectors.member_statement(fund=fund, user=request.user)
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class FundSharesView(APIView):
    """A member subscribes voluntary shares."""

    @extend_schema(request=SharesSerializer, responses={201: StatementSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = SharesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.fund_share_subscribe(fund=fund, user=request.user, **payload.validated_data)
        statement = selectors.member_statement(fund=fund, user=request.user)
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class FundStatementView(APIView):
    """The member's own statement: shares, instalments paid and due, vote, and the capital at work. 404 otherwise."""

    @extend_schema(responses={200: StatementSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        return Response(StatementSerializer(selectors.member_statement(fund=fund, user=request.user)).data)


class WithdrawalRequestSerializer(serializers.Serializer):
    amount = KronorField()


class FundWithdrawalsView(APIView):
    """GET: the fund's withdrawals (treasurers). POST: a member asks to withdraw capital."""

    @extend_schema(responses={200: WithdrawalSerializer(many=True), 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        rows = selectors.withdrawal_list_for_treasury(user=request.user, fund=fund)
        return Response(WithdrawalSerializer(rows, many=True).data)

    @extend_schema(request=WithdrawalRequestSerializer, responses={201: WithdrawalSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = WithdrawalRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = services.capital_withdrawal_request(
            fund=fund, user=request.user, amount_ore=payload.validated_data["amount"]
        )
        return Response(WithdrawalSerializer(row).data, status=status.HTTP_201_CREATED)


class WithdrawalActionSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False)


class WithdrawalActionView(APIView):
    """prepare / approve (a second treasurer) / pay (on or after the notice date) / cancel a withdrawal."""

    ACTIONS = ("prepare", "approve", "pay", "cancel")

    @extend_schema(
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTIONS)],
        request=WithdrawalActionSerializer,
        responses={200: WithdrawalSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        if action == "cancel":
            withdrawal = _withdrawal_for_cancel(request, pk)
        else:
            withdrawal = selectors.withdrawal_get_for_treasury(user=request.user, withdrawal_id=pk)
        payload = WithdrawalActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if action == "prepare":
            row = services.capital_withdrawal_prepare(withdrawal=withdrawal, by=request.user)
        elif action == "approve":
            row = services.capital_withdrawal_approve(withdrawal=withdrawal, by=request.user)
        elif action == "pay":
            if "paid_on" not in payload.validated_data:
                raise serializers.ValidationError({"paid_on": [_("This field is required.")]})
            row = services.capital_withdrawal_mark_paid(
                withdrawal=withdrawal, by=request.user, paid_on=payload.validated_data["paid_on"]
            )
        else:
            row = services.capital_withdrawal_cancel(withdrawal=withdrawal, by=request.user)
        return Response(WithdrawalSerializer(row).data)


def _withdrawal_for_cancel(request: Request, pk: int) -> CapitalWithdrawal:
    """The member's own withdrawal, or any for a treasurer; 404 otherwise."""
    row = CapitalWithdrawal.objects.select_related("membership").filter(pk=pk).first()
    if row is None or not (
        row.membership.member_id == request.user.pk or selectors.user_approves_payouts(request.user)
    ):
        raise Http404
    return row


# ---------------------------------------------------------------- loans


class ScheduleRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    principal = OreAsKronorField(source="principal_ore")
    interest = OreAsKronorField(source="interest_ore")
    amount = OreAsKronorField(source="amount_ore")
    paid = OreAsKronorField(source="paid_ore")
    state = serializers.CharField()


class RepaymentSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")
    principal = OreAsKronorField(source="principal_ore")
    interest = OreAsKronorField(source="interest_ore")

    class Meta:
        model = LoanRepayment
        fields = ["id", "amount", "principal", "interest", "paid_on", "reference", "recorded_at"]
        read_only_fields = fields


class LoanSerializer(serializers.ModelSerializer):
    method = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    fund = serializers.CharField(source="fund.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    principal = OreAsKronorField(source="principal_ore")
    interest_percent = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = [
            "id",
            "fund_id",
            "fund",
            "project_id",
            "project_name",
            "principal",
            "term_months",
            "interest_percent",
            "method",
            "disbursed_on",
            "first_due_on",
            "status",
            "figures",
        ]
        read_only_fields = fields

    def get_interest_percent(self, loan: Loan) -> str | None:
        return bp(loan.interest_bp)

    @extend_schema_field(serializers.DictField())
    def get_figures(self, loan: Loan) -> dict:
        line = selectors.loan_line(
            loan, as_of=timezone.localdate(), cutoff=selectors.recorded_cutoff(timezone.localdate())
        )
        return {
            "outstanding": ore_to_string(line.outstanding_ore),
            "repaid_principal": ore_to_string(line.repaid_principal_ore),
            "interest_received": ore_to_string(line.interest_received_ore),
            "due": ore_to_string(line.due_ore),
            "overdue": ore_to_string(line.overdue_ore),
            "overdue_since": line.overdue_since,
            "written_off": line.loss_ore > 0 or line.written_off,
            "loss": ore_to_string(line.loss_ore),
            "schedule": ScheduleRowSerializer(line.instalments, many=True).data,
        }


class LoanDetailSerializer(LoanSerializer):
    repayments = RepaymentSerializer(many=True, read_only=True)

    class Meta(LoanSerializer.Meta):
        fields = [*LoanSerializer.Meta.fields, "repayments"]
        read_only_fields = fields


class LoanCreateSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=selectors.project_list_for_engagements())
    principal = KronorField()
    term_months = serializers.IntegerField(min_value=1, max_value=360)
    interest_percent = PercentField(required=False, default=0, high=Decimal(50))
    disbursed_on = serializers.DateField()
    first_due_on = serializers.DateField(required=False)


class FundLoansView(APIView):
    """An organiser lends to a project; refused with the reason when a limit would break."""

    @extend_schema(request=LoanCreateSerializer, responses={201: LoanDetailSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = LoanCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        loan = services.loan_create(
            fund=fund,
            by=request.user,
            project=data["project"],
            principal_ore=data["principal"],
            term_months=data["term_months"],
            interest_bp=data["interest_percent"],
            disbursed_on=data["disbursed_on"],
            first_due_on=data.get("first_due_on"),
        )
        return Response(LoanDetailSerializer(loan).data, status=status.HTTP_201_CREATED)


class LoanListView(APIView):
    """Loans the user may see: all for organisers and treasurers, their own projects' for owners."""

    @extend_schema(responses={200: LoanSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = selectors.loan_list_visible(user=request.user).prefetch_related("instalments", "repayments")
        return Response(LoanSerializer(rows, many=True).data)


class LoanDetailView(APIView):
    @extend_schema(responses={200: LoanDetailSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(LoanDetailSerializer(selectors.loan_get_visible(user=request.user, loan_id=pk)).data)


class RepaymentCreateSerializer(serializers.Serializer):
    amount = KronorField()
    paid_on = serializers.DateField()
    reference = serializers.CharField(required=False, allow_blank=True, max_length=140)


class LoanRepaymentsView(APIView):
    """A treasurer records a repayment; the same reference twice records it once."""

    @extend_schema(request=RepaymentCreateSerializer, responses={201: RepaymentSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        loan = selectors.loan_get_visible(user=request.user, loan_id=pk)
        payload = RepaymentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        row = services.loan_repayment_record(
            loan=loan,
            by=request.user,
            amount_ore=data["amount"],
            paid_on=data["paid_on"],
            reference=data.get("reference"),
        )
        return Response(RepaymentSerializer(row).data, status=status.HTTP_201_CREATED)


class WriteOffSerializer(serializers.Serializer):
    written_off_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class LoanWriteOffView(APIView):
    """An organiser writes off what is left of a loan; the outstanding principal becomes a loss."""

    @extend_schema(request=WriteOffSerializer, responses={200: LoanDetailSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        loan = selectors.loan_get_visible(user=request.user, loan_id=pk)
        payload = WriteOffSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.loan_write_off(loan=loan, by=request.user, **payload.validated_data)
        return Response(LoanDetailSerializer(selectors.loan_get_visible(user=request.user, loan_id=pk)).data)


# ---------------------------------------------------------------- guarantees


class GuaranteeEventSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    balance = OreAsKronorField(source="balance_ore")
    loss = OreAsKronorField(source="loss_ore")

    class Meta:
        model = GuaranteeEvent
        fields = ["id", "kind", "effective_on", "balance", "loss", "note", "recorded_at"]
        read_only_fields = fields


class GuaranteeSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    fund = serializers.CharField(source="fund.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    loan_amount = OreAsKronorField(source="loan_amount_ore")
    coverage_percent = serializers.SerializerMethodField()
    fee_percent = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()
    events = GuaranteeEventSerializer(many=True, read_only=True)

    class Meta:
        model = Guarantee
        fields = [
            "id",
            "fund_id",
            "fund",
            "project_id",
            "project_name",
            "bank",
            "loan_amount",
            "coverage_percent",
            "fee_percent",
            "term_months",
            "issued_on",
            "status",
            "figures",
            "events",
        ]
        read_only_fields = fields

    def get_coverage_percent(self, g: Guarantee) -> str | None:
        return bp(g.coverage_bp)

    def get_fee_percent(self, g: Guarantee) -> str | None:
        return bp(g.fee_bp)

    @extend_schema_field(serializers.DictField())
    def get_figures(self, g: Guarantee) -> dict:
        today = timezone.localdate()
        line = selectors.guarantee_line(g, as_of=today, cutoff=selectors.recorded_cutoff(today))
        if line is None:
            return {}
        return {
            "bank_balance": ore_to_string(line.bank_balance_ore),
            "exposure": ore_to_string(line.exposure_ore),
            "loss": ore_to_string(line.loss_ore),
            "yearly_fee": ore_to_string(line.yearly_fee_ore),
        }


class GuaranteeCreateSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=selectors.project_list_for_engagements())
    bank = serializers.CharField(max_length=120)
    loan_amount = KronorField()
    coverage_percent = PercentField(low=Decimal("0.01"))
    fee_percent = PercentField(required=False)
    term_months = serializers.IntegerField(min_value=1, max_value=360)
    issued_on = serializers.DateField()


class FundGuaranteesView(APIView):
    """An organiser guarantees part of a project's bank loan; refused with the reason when a limit would break."""

    @extend_schema(request=GuaranteeCreateSerializer, responses={201: GuaranteeSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = GuaranteeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        row = services.guarantee_create(
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
        return Response(GuaranteeSerializer(row).data, status=status.HTTP_201_CREATED)


class GuaranteeListView(APIView):
    @extend_schema(responses={200: GuaranteeSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = selectors.guarantee_list_visible(user=request.user).prefetch_related("events")
        return Response(GuaranteeSerializer(rows, many=True).data)


class GuaranteeDetailView(APIView):
    @extend_schema(responses={200: GuaranteeSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(GuaranteeSerializer(selectors.guarantee_get_visible(user=request.user, guarantee_id=pk)).data)


class GuaranteeEventInputSerializer(serializers.Serializer):
    effective_on = serializers.DateField()
    balance = KronorField(required=False, allow_zero=True)
    loss = KronorField(required=False, allow_zero=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class GuaranteeActionView(APIView):
    """balance (the bank loan's new balance) / release / call (with the loss)."""

    ACTIONS = ("balance", "release", "call")

    @extend_schema(
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTIONS)],
        request=GuaranteeEventInputSerializer,
        responses={201: GuaranteeEventSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        guarantee = selectors.guarantee_get_visible(user=request.user, guarantee_id=pk)
        payload = GuaranteeEventInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        note = data.get("note", "")
        if action == "balance":
            if "balance" not in data:
                raise serializers.ValidationError({"balance": [_("This field is required.")]})
            event = services.guarantee_balance_report(
                guarantee=guarantee, by=request.user, balance_ore=data["balance"], effective_on=data["effective_on"]
            )
        elif action == "release":
            event = services.guarantee_release(
                guarantee=guarantee, by=request.user, effective_on=data["effective_on"], note=note
            )
        else:
            if "loss" not in data:
                raise serializers.ValidationError({"loss": [_("This field is required.")]})
            event = services.guarantee_call(
                guarantee=guarantee,
                by=request.user,
                effective_on=data["effective_on"],
                loss_ore=data["loss"],
                note=note,
            )
        return Response(GuaranteeEventSerializer(event).data, status=status.HTTP_201_CREATED)
