"""Tokens for scripts: POST email and password, get a token.

Failed attempts count towards the django-axes lockout (authenticate() gets the request),
and the endpoint is throttled (scope "login"). Treasurers and organisers get no token:
their powers need a two-factor verified browser session (api/authentication.py).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import api_token_issue
from accounts.twofactor import two_factor_required
from api.schema import error_responses


class TokenCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class TokenCreateView(APIView):
    """Exchange email and password for an API token (savers and project owners)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "login"

    @extend_schema(
        request=TokenCreateSerializer,
        responses={
            200: TokenSerializer,
            **error_responses(400, 415),
            403: OpenApiResponse(
                response=error_responses(403)[403].response,
                description="Treasurers and organisers cannot get tokens (two-factor verified session only).",
            ),
            429: OpenApiResponse(
                response=error_responses(429)[429].response,
                description="Throttled, or locked out after repeated failed logins (see Retry-After).",
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        payload = TokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(
            request._request,  # the Django request: django-axes counts the failure against it
            username=payload.validated_data["email"],
            password=payload.validated_data["password"],
        )
        if user is None:
            raise ValidationError({"non_field_errors": [_("Wrong email or password.")]}, code="invalid_login")
        if two_factor_required(user):
            raise PermissionDenied(
                _("Treasurers and organisers cannot use API tokens: use the two-factor verified website."),
                code="token_not_allowed_for_role",
            )
        # A token handed out is a login: last_login is stored and axes clears the failure count.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": api_token_issue(user=user)})
