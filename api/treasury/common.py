"""Shared by the treasury endpoints: the permission classes and the error responses."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from api.schema import error_responses

ERRORS = error_responses(400, 403, 404, 409)


def _perm(codename: str) -> type[BasePermission]:
    class HasPermission(BasePermission):
        message = _("Only treasurers may do this.")

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(codename))

    HasPermission.__name__ = f"Has_{codename.replace('.', '_')}"
    return HasPermission


CanViewReports = _perm("pools.view_reports")


CanManagePayments = _perm("pools.manage_payments")


CanApprovePayouts = _perm("pools.approve_payouts")
