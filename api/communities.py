"""Communities and their roles: platform staff create and edit communities and give every role; a
community's treasurer edits its contact and colour and gives the organiser, fund manager and project owner
roles (communities.selectors decides who may what). Roles go to an existing account or by a mailed
invitation, accepted here with the link's token; whoever works in several communities chooses one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_with_email
from communities.middleware import WORKING_COMMUNITY_SESSION_KEY
from communities.models import Community, CommunityInvitation, CommunityMembership, MembershipRole
from communities.selectors import (
    STAFF_EDITABLE_FIELDS,
    community_get_managed,
    community_input_normalised,
    community_list_managed,
    invitation_get,
    invitation_list,
    is_platform_staff,
    membership_get,
    membership_list,
    working_community_choices,
)
from communities.services import (
    community_create,
    community_update,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_grant,
    membership_revoke,
)

WRITABLE_FIELDS = [f for f in STAFF_EDITABLE_FIELDS if f != "logo"]  # the logo is uploaded on the page


class CommunitySerializer(serializers.ModelSerializer):
    # An address or empty (no contact given): plain text in the schema, since "" is no e-mail address.
    contact_email = serializers.CharField(read_only=True, help_text="The contact's e-mail address, or empty.")

    class Meta:
        model = Community
        fields = ["id", *STAFF_EDITABLE_FIELDS, "created_at"]
        read_only_fields = fields


class CommunityInputSerializer(serializers.ModelSerializer):
    """A community's fields, checked as the model checks them (organisation number, giro numbers, IBAN,
    BIC, Swish number, colour as #rrggbb). On PATCH only the fields sent are changed."""

    class Meta:
        model = Community
        fields = WRITABLE_FIELDS

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(community_input_normalised(data))


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = CommunityMembership
        fields = ["id", "email", "name", "role", "created_at"]
        read_only_fields = fields


class RoleEmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=MembershipRole.choices)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommunityInvitation
        fields = [
            "id",
            "email",
            "role",
            "status",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "sent_count",
            "last_sent_at",
        ]
        read_only_fields = fields


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The token of the mailed link (/invitations/<token>/).")


class WorkingCommunitySerializer(serializers.Serializer):
    community = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="The community to work in; null: every community one may see."
    )


class WorkingCommunityChoicesSerializer(serializers.Serializer):
    community = serializers.IntegerField(allow_null=True)
    choices = CommunitySerializer(many=True)


REFUSED = {
    401: OpenApiResponse(description="Not logged in"),
    403: OpenApiResponse(description="Not allowed"),
    404: OpenApiResponse(description="Not a community you manage"),
}


class CommunityListView(APIView):
    @extend_schema(summary="The communities you manage", responses={200: CommunitySerializer(many=True), **REFUSED})
    def get(self, request: Request) -> Response:
        return Response(CommunitySerializer(community_list_managed(user=request.user), many=True).data)

    @extend_schema(
        summary="Create a community (platform staff)",
        request=CommunityInputSerializer,
        responses={201: CommunitySerializer, 400: OpenApiResponse(description="Field errors"), **REFUSED},
    )
    def post(self, request: Request) -> Response:
        if not is_platform_staff(request.user):
            raise PermissionDenied("Only platform staff create communities.")
        payload = CommunityInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(payload.validated_data)
        community = community_create(by=request.user, name=data.pop("name"), slug=data.pop("slug"), **data)
        return Response(CommunitySerializer(community).data, status=status.HTTP_201_CREATED)


class CommunityDetailView(APIView):
    @extend_schema(summary="One community you manage", responses={200: CommunitySerializer, **REFUSED})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CommunitySerializer(community_get_managed(user=request.user, community_id=pk)).data)

    @extend_schema(
        summary="Change a community (treasurers: contact and colour only)",
        request=CommunityInputSerializer,
        responses={200: CommunitySerializer, 400: OpenApiResponse(description="Field errors"), **REFUSED},
    )
    def patch(self, request: Request, pk: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        payload = CommunityInputSerializer(instance=community, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        community = community_update(community=community, by=request.user, **payload.validated_data)
        return Response(CommunitySerializer(community).data)


class MembershipListView(APIView):
    @extend_schema(summary="A community's roles", responses={200: MembershipSerializer(many=True), **REFUSED})
    def get(self, request: Request, pk: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        return Response(MembershipSerializer(membership_list(community=community), many=True).data)

    @extend_schema(
        summary="Give an existing account a role in the community",
        request=RoleEmailSerializer,
        responses={201: MembershipSerializer, 400: OpenApiResponse(description="Field errors"), **REFUSED},
    )
    def post(self, request: Request, pk: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        payload = RoleEmailSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        person = user_with_email(email=payload.validated_data["email"].strip().lower())
        if person is None:
            raise ValidationError({"email": ["No account has this address. Send an invitation instead."]})
        membership = membership_grant(
            user=person, community=community, role=payload.validated_data["role"], by=request.user
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailView(APIView):
    @extend_schema(summary="Take a role away", responses={204: None, **REFUSED})
    def delete(self, request: Request, pk: int, membership_id: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        membership = membership_get(community=community, membership_id=membership_id)
        membership_revoke(user=membership.user, community=community, role=membership.role, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(APIView):
    @extend_schema(summary="A community's invitations", responses={200: InvitationSerializer(many=True), **REFUSED})
    def get(self, request: Request, pk: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        return Response(InvitationSerializer(invitation_list(community=community)[:200], many=True).data)

    @extend_schema(
        summary="Invite an address to a role by a mailed link (valid 7 days, single use)",
        request=RoleEmailSerializer,
        responses={
            201: InvitationSerializer,
            400: OpenApiResponse(description="Field errors"),
            409: OpenApiResponse(description="Already a member, or an invitation is pending"),
            **REFUSED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        payload = RoleEmailSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = invitation_create(by=request.user, community=community, **payload.validated_data)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevokeView(APIView):
    @extend_schema(
        summary="Withdraw a pending invitation",
        request=None,
        responses={200: InvitationSerializer, 409: OpenApiResponse(description="Not pending"), **REFUSED},
    )
    def post(self, request: Request, pk: int, invitation_id: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        invitation = invitation_revoke(
            by=request.user, invitation=invitation_get(community=community, invitation_id=invitation_id)
        )
        return Response(InvitationSerializer(invitation).data)


class InvitationResendView(APIView):
    @extend_schema(
        summary="Mail a pending invitation again (same link, valid for another week from now)",
        request=None,
        responses={
            200: InvitationSerializer,
            409: OpenApiResponse(description="Not pending"),
            429: OpenApiResponse(description="Sent again too soon or too often"),
            **REFUSED,
        },
    )
    def post(self, request: Request, pk: int, invitation_id: int) -> Response:
        community = community_get_managed(user=request.user, community_id=pk)
        invitation = invitation_resend(
            by=request.user, invitation=invitation_get(community=community, invitation_id=invitation_id)
        )
        return Response(InvitationSerializer(invitation).data)


class InvitationAcceptView(APIView):
    @extend_schema(
        summary="Accept an invitation with the token of its link (as the invited address; twice is harmless)",
        request=InvitationAcceptSerializer,
        responses={
            200: MembershipSerializer,
            400: OpenApiResponse(description="Unknown, expired, used or withdrawn invitation"),
            **REFUSED,
        },
    )
    def post(self, request: Request) -> Response:
        payload = InvitationAcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = invitation_accept(token=payload.validated_data["token"], user=request.user)
        return Response(MembershipSerializer(membership).data)


class WorkingCommunityView(APIView):
    """The community chosen to work in, kept in the session (session-authenticated clients)."""

    @extend_schema(
        summary="The community you work in, and the choices", responses={200: WorkingCommunityChoicesSerializer}
    )
    def get(self, request: Request) -> Response:
        session = getattr(request, "session", None)
        chosen = session.get(WORKING_COMMUNITY_SESSION_KEY) if session is not None else None
        choices = working_community_choices(user=request.user)
        return Response({"community": chosen, "choices": CommunitySerializer(choices, many=True).data})

    @extend_schema(
        summary="Choose the community to work in",
        request=WorkingCommunitySerializer,
        responses={200: WorkingCommunitySerializer, 400: OpenApiResponse(description="Not one of your communities")},
    )
    def put(self, request: Request) -> Response:
        payload = WorkingCommunitySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        chosen = payload.validated_data["community"]
        if chosen is not None and chosen not in {c.pk for c in working_community_choices(user=request.user)}:
            raise ValidationError({"community": ["You do not work in that community."]})
        if chosen is None:
            request.session.pop(WORKING_COMMUNITY_SESSION_KEY, None)
        else:
            request.session[WORKING_COMMUNITY_SESSION_KEY] = chosen
        return Response({"community": chosen})
