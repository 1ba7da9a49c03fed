"""OpenAPI: standard error bodies, and an AutoSchema that documents them on every endpoint.

Every operation gets the error responses it can really give, worked out from the view
(body -> 400/409/415, authentication -> 401/403, path or pagination -> 404, throttling ->
429), so endpoints added later are documented without extra code. To state them by hand:

    @extend_schema(responses={201: PledgeSerializer, **error_responses(400, 404, 409, 429)})

The shapes match api/errors.py: field errors `{"field": ["message"], "code": "..."}`,
everything else `{"detail": "message", "code": "..."}`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme, TokenScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle

from api.fields import LOCAL_TIME_SCHEMA


@extend_schema_serializer(component_name="ValidationError")
class ValidationErrorSerializer(serializers.Serializer):
    """400/409: messages per field name (any input field), plus non_field_errors and a code."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    code = serializers.CharField(required=False, help_text="Machine-readable reason, e.g. pool_closed.")


@extend_schema_serializer(component_name="ErrorDetail")
class ErrorDetailSerializer(serializers.Serializer):
    """401/403/404/405/415/429: one message."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


ERROR_DESCRIPTIONS = {
    400: ("Invalid input: messages per field; nothing was written.", ValidationErrorSerializer),
    401: ("Not logged in, or the token is wrong or not allowed for this user's role.", ErrorDetailSerializer),
    403: (
        "Not allowed: wrong role, CSRF token missing (session), or two-factor verification needed.",
        ErrorDetailSerializer,
    ),
    404: ("Not found, or not visible to this user (or a page or cursor that does not exist).", ErrorDetailSerializer),
    409: ("Conflicts with the current state (e.g. pool closed, idempotency key reused).", ValidationErrorSerializer),
    415: ("Unsupported media type: send JSON.", ErrorDetailSerializer),
    429: ("Too many requests or failed logins: wait (see Retry-After) and try again.", ErrorDetailSerializer),
}

READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 415, 429)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given error status codes, for `extend_schema(responses={...})`."""
    return {
        code: OpenApiResponse(response=ERROR_DESCRIPTIONS[code][1], description=ERROR_DESCRIPTIONS[code][0])
        for code in codes
    }


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the error responses each operation can give."""

    def error_codes(self) -> set[int]:
        """The error statuses this operation can answer with, from how its view is built."""
        view = self.view
        codes: set[int] = set()
        has_body = self.method in {"POST", "PUT", "PATCH"}
        if has_body:
            codes |= {400, 415}
        if self.method in WRITE_METHODS:
            codes.add(409)
        if self.method == "GET" and (
            getattr(view, "filterset_class", None)
            or getattr(view, "filterset_fields", None)
            or getattr(view, "ordering_fields", None)
        ):
            codes.add(400)
        if view.get_authenticators():
            codes |= {401, 403}  # a bad token answers 401 even on public endpoints; CSRF and 2FA 403
        if any(not isinstance(p, AllowAny) for p in view.get_permissions()):
            codes |= {401, 403}
        if "{" in self.path or self._is_list_view() and getattr(view, "pagination_class", None):
            codes.add(404)
        throttles = view.get_throttles()
        if any(not isinstance(t, ScopedRateThrottle) for t in throttles) or (
            throttles and getattr(view, "throttle_scope", None)
        ):
            codes.add(429)
        return codes

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        """Times of day are local wall-clock times ("18:30:00"), documented by their shape: the
        `time` format drf-spectacular would give means RFC 3339 full-time, which needs an offset.
        Lists document that they may not be empty, and their longest length."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            schema.pop("format")
            schema = {**LOCAL_TIME_SCHEMA, **schema}
        if isinstance(field, (serializers.ListSerializer, serializers.ListField)) and schema.get("type") == "array":
            # Lists that refuse to be empty or too long say so (drf-spectacular leaves this out).
            if not field.allow_empty:
                schema["minItems"] = max(schema.get("minItems", 0), 1)
            if getattr(field, "max_length", None) is not None:
                schema.setdefault("maxItems", field.max_length)
        return schema

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:  # type: ignore[override]
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        for code, body in list(responses.items()):
            # A view's own error entry keeps its description but gets the standard body: every
            # error goes through api/errors.py, so it has the standard shape.
            if code.startswith("4") and int(code) in ERROR_DESCRIPTIONS:
                description, serializer = ERROR_DESCRIPTIONS[int(code)]
                standard = self._get_response_for_code(serializer, code, direction=direction)
                standard["description"] = body.get("description") or description
                responses[code] = standard
        for code in sorted(self.error_codes()):
            if str(code) not in responses:
                description, serializer = ERROR_DESCRIPTIONS[code]
                body = self._get_response_for_code(serializer, str(code), direction=direction)
                body["description"] = description
                responses[str(code)] = body
        return dict(sorted(responses.items()))


class TwoFactorSessionScheme(SessionScheme):
    """Documents api.authentication's session class as the cookie scheme it is."""

    target_class = "api.authentication.TwoFactorSessionAuthentication"


class TwoFactorTokenScheme(TokenScheme):
    """Documents api.authentication's token class as `Authorization: Token <key>`."""

    target_class = "api.authentication.TwoFactorTokenAuthentication"


def drop_database_ranges(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: integer bounds taken from the database backend (PositiveIntegerField is
    64-bit on SQLite, 32-bit on PostgreSQL) are left out, so the committed schema is the same
    whichever database generated it. Bounds a serializer sets itself are kept."""
    backend_bounds = {2**31 - 1, 2**63 - 1, -(2**31), -(2**63)}
    for component in result.get("components", {}).get("schemas", {}).values():
        for spec in (component.get("properties") or {}).values():
            if spec.get("type") != "integer":
                continue
            if spec.get("maximum") in backend_bounds:
                spec.pop("maximum")
                if spec.get("format") == "int64":
                    spec.pop("format")
            if spec.get("minimum") in backend_bounds:
                spec.pop("minimum")
    return result
