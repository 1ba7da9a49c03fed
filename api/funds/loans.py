"""Loans: creating one, listing them, repayments and write-offs."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import KronorField, OreAsKronorField
from api.funds.common import ERROR, ERRORS, PercentField, bp
from invest.funds import selectors, services
from invest.funds.models import (
    Loan,
    LoanRepayment,
)
from pools.money import ore_to_string


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
    # The project's key: the view reads it among the projects the fund may back (its own community's).
    project = serializers.IntegerField()
    principal = KronorField()
    term_months = serializers.IntegerField(min_value=1, max_value=360)
    interest_percent = PercentField(required=False, default=0, high=Decimal(50))
    disbursed_on = serializers.DateField()
    first_due_on = serializers.DateField(required=False)


class FundLoansView(APIView):
    """An organiser lends to a project; refused with the reason when a limit would break."""

    @extend_schema(request=LoanCreateSerializer, responses={201: LoanDetailSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        payload = LoanCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        fund = selectors.fund_get_managed(user=request.user, fund_id=pk)  # 403 unless its organiser
        step_up_require(request)  # money moves: a fresh second factor (accounts/sessions.py)
        loan = services.loan_create(
            fund=fund,
            by=request.user,
            project=selectors.project_get_for_engagement(fund=fund, project_id=data["project"]),
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
        return Response(LoanSerializer(selectors.loan_list_visible(user=request.user), many=True).data)


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
        step_up_require(request)  # money moves: a fresh second factor (accounts/sessions.py)
        services.loan_write_off(loan=loan, by=request.user, **payload.validated_data)
        return Response(LoanDetailSerializer(selectors.loan_get_visible(user=request.user, loan_id=pk)).data)
