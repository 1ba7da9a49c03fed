"""Admin for micro-funds: read-only, because every change goes through the services (limits, four eyes, history)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from invest.funds.models import (
    CapitalWithdrawal,
    FundMembership,
    FundReminderSent,
    FundRulesVersion,
    FundTotals,
    Guarantee,
    GuaranteeEvent,
    Loan,
    LoanInstalment,
    LoanRepayment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LoanInstalmentInline(ReadOnlyInline):
    model = LoanInstalment


class LoanRepaymentInline(ReadOnlyInline):
    model = LoanRepayment


class GuaranteeEventInline(ReadOnlyInline):
    model = GuaranteeEvent


@admin.register(FundRulesVersion)
class FundRulesVersionAdmin(ReadOnlyAdmin):
    list_display = ("fund", "version", "changed_by", "changed_at", "note")
    list_filter = ("fund",)


@admin.register(FundMembership)
class FundMembershipAdmin(ReadOnlyAdmin):
    list_display = ("fund", "member", "joined_on")
    list_filter = ("fund",)


@admin.register(CapitalWithdrawal)
class CapitalWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("membership", "amount_ore", "requested_on", "payable_on", "status", "prepared_by", "approved_by")
    list_filter = ("status",)


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("fund", "project", "principal_ore", "term_months", "disbursed_on", "status")
    list_filter = ("fund", "status")
    inlines = [LoanInstalmentInline, LoanRepaymentInline]


@admin.register(Guarantee)
class GuaranteeAdmin(ReadOnlyAdmin):
    list_display = ("fund", "project", "bank", "loan_amount_ore", "coverage_bp", "issued_on", "status")
    list_filter = ("fund", "status")
    inlines = [GuaranteeEventInline]


@admin.register(FundTotals)
class FundTotalsAdmin(ReadOnlyAdmin):
    list_display = ("fund", "as_of", "capital_ore", "available_ore", "computed_at")


@admin.register(FundReminderSent)
class FundReminderSentAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "subject", "period", "sent_at")
    list_filter = ("kind",)
