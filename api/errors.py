"""One exception handler: domain errors become 400/409 with field messages, never a 500.

Requests Django refuses to read (too many fields or files, too large a body) are 400 with a JSON
body too, whether the view reads the body (exception_handler) or something before it (bad_request).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from operations.errors import DomainError
from pools.money import MoneyError
from pools.references import InvalidReference


def _unreadable_request(exc: SuspiciousOperation) -> dict[str, str]:
    if isinstance(exc, RequestDataTooBig):
        return {"detail": _("The request is too large."), "code": "request_too_large"}
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return {"detail": _("The request has too many fields or files."), "code": "too_many_fields"}
    return {"detail": _("Bad request."), "code": "bad_request"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        # Django's limits on form and multipart bodies (DATA_UPLOAD_MAX_*): a bad request, not a crash
        # and not Django's HTML 400 page.
        return Response(_unreadable_request(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError) and exc.status == status.HTTP_403_FORBIDDEN:
        # A permission refusal has the standard 403 body `{detail, code}` (api/schema.py), not field errors.
        exc = PermissionDenied(detail=str(exc.message), code=exc.code)
    elif isinstance(exc, DomainError) and exc.status == status.HTTP_429_TOO_MANY_REQUESTS:
        # Too soon or too often: the standard one-message body of a 429, as a throttled request gets.
        return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status)
    elif isinstance(exc, DomainError):
        field = exc.field or "non_field_errors"
        return Response({field: [str(exc.message)], "code": exc.code}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        body: dict[str, Any] = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({**body, "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (MoneyError, InvalidReference)):
        return Response({"non_field_errors": [str(exc)], "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # get_object_or_404's message names the model ("No Pool matches the given query."): never shown.
        exc = NotFound(_("Not found."), code="not_found")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # `raise ValidationError("...")` gives a bare list; every error body is an object (api/schema.py).
        response.data = {"non_field_errors": response.data}
    if response is not None and isinstance(exc, DRFValidationError) and isinstance(response.data, dict):
        # Field errors carry a machine-readable reason too: the first field error's code, else "invalid".
        response.data.setdefault("code", _first_code(exc.detail))
    elif response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        # A machine-readable reason next to the message: not_authenticated, two_factor_required, throttled...
        code = getattr(response.data["detail"], "code", None)
        if code:
            response.data["code"] = code
    return response


def _first_code(detail: Any) -> str:
    """The code of the first error detail in a nested dict/list of them ("invalid" when none is found)."""
    stack = [detail]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            code = getattr(item, "code", None)
            if isinstance(code, str) and code:
                return code
    return "invalid"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for URLs no route matches: JSON under /api/ (clients parse it), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for requests Django refuses (SuspiciousOperation): JSON under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        body = _unreadable_request(exception) if isinstance(exception, SuspiciousOperation) else None
        return JsonResponse(body or {"detail": str(_("Bad request.")), "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/, the HTML page elsewhere (the error itself is logged by Django)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Server error.")), "code": "server_error"}, status=500)
    return defaults.server_error(request)
