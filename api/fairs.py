"""Fairs: planning, programme, pitches, pledge cards (idempotent), the live board, follow-up and report.

Why one module of about 600 lines: it is the whole HTTP surface of one sub-domain (a fair's plan, programme,
cards, live board and report), serializers next to the views that use them; each view is a few lines that call
invest.fairs services or selectors, and the serializers are declarations.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import KronorField, LocalTimeField, OreAsKronorField
from api.schema import ValidationErrorSerializer
from api.throttling import SafeScopedRateThrottle
from invest.fairs.models import CardChannel, Fair, FairCard, Pitch, PledgeFollowUp
from invest.fairs.selectors import (
    BoardPitch,
    FairReport,
    fair_board,
    fair_get_managed,
    fair_get_reported,
    fair_get_visible,
    fair_list_visible,
    fair_report,
    pitch_get_at_fair,
    pitch_get_by_code,
    pitch_get_for_owner,
    pitch_get_managed,
    pitch_list_visible,
    pitch_pledge_get_for_owner,
    pitch_pledges_for_owner,
)
from invest.fairs.services import (
    CARD_KINDS,
    MAX_HOURS,
    CardInput,
    Slot,
    fair_card_submit,
    fair_close,
    fair_create,
    fair_finish,
    fair_programme_set,
    fair_start,
    pitch_apply,
    pitch_choose,
    pitch_confirm,
    pitch_decline,
    pitch_page_update,
    pitch_withdraw,
    pledge_follow_up_record,
    user_may_manage_fairs,
)
from invest.selectors import project_list_for_owner
from pools.models import Pledge

ERROR = ValidationErrorSerializer
ERRORS = {
    400: OpenApiResponse(ERROR, description="Bad input: field messages"),
    404: OpenApiResponse(description="Not found, or not yours to see"),
    409: OpenApiResponse(ERROR, description="Refused in the fair's current stage"),
}


# ---------------------------------------------------------------- serializers


class PitchSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    pool_id = serializers.IntegerField(read_only=True, allow_null=True)
    short_link = serializers.SerializerMethodField()

    class Meta:
        model = Pitch
        fields = [
            "id",
            "fair_id",
            "project_id",
            "project_name",
            "status",
            "title",
            "summary",
            "ask",
            "position",
            "starts_at",
            "minutes",
            "pool_id",
            "short_link",
            "confirmed_at",
        ]
        read_only_fields = fields

    def get_short_link(self, pitch: Pitch) -> str | None:
        request = self.context.get("request")
        if pitch.pool_id is None or request is None:
            return None
        return request.build_absolute_uri(f"/f/{pitch.code}/")


class FairSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fair
        fields = [
            "id",
            "title",
            "held_on",
            "starts_at",
            "place",
            "capacity",
            "pitch_slots",
            "description",
            "status",
            "is_open_for_applications",
            "live_at",
            "follow_up_at",
            "closed_at",
        ]
        read_only_fields = fields


class FairDetailSerializer(FairSerializer):
    pitches = serializers.SerializerMethodField()

    class Meta(FairSerializer.Meta):
        fields = [*FairSerializer.Meta.fields, "pitches"]
        read_only_fields = fields

    @extend_schema_field(PitchSerializer(many=True))
    def get_pitches(self, fair: Fair) -> list[dict]:
        request = self.context["request"]
        rows = pitch_list_visible(user=request.user, fair=fair)
        return PitchSerializer(rows, many=True, context=self.context).data  # type: ignore[return-value]


class FairCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    starts_at = LocalTimeField()
    place = serializers.CharField(max_length=200)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)
    pitch_slots = serializers.IntegerField(min_value=1, max_value=30, default=5)
    description = serializers.CharField(max_length=2000, allow_blank=True, default="")


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["start", "close", "finish"])
    early_reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Starting before the fair's date: why (required then; recorded with who started it).",
    )


class ApplySerializer(serializers.Serializer):
    project = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200, allow_blank=True, default="")
    summary = serializers.CharField(max_length=2000, allow_blank=True, default="")
    ask = serializers.CharField(max_length=500, allow_blank=True, default="")


class ChooseSerializer(serializers.Serializer):
    target = KronorField(required=False)


class SlotSerializer(serializers.Serializer):
    pitch = serializers.IntegerField(min_value=1)
    position = serializers.IntegerField(min_value=1, max_value=30)
    starts_at = LocalTimeField()
    minutes = serializers.IntegerField(min_value=1, max_value=60)


class ProgrammeSerializer(serializers.Serializer):
    slots = SlotSerializer(many=True, allow_empty=False, max_length=30)


class PitchPageSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=2000, allow_blank=True, default="")
    ask = serializers.CharField(max_length=500, allow_blank=True, default="")


class CardSerializer(serializers.Serializer):
    """A pledge card. `card_id` is a UUID the client makes once per card: a retry with the same
    card_id and body returns the first card (200); the same card_id with another body is refused (409)."""

    card_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=[str(k) for k in CARD_KINDS])
    amount = KronorField(required=False, help_text="Kronor; for support_saving the amount per month.")
    months = serializers.IntegerField(
        min_value=1, max_value=600, required=False, help_text="Saving months, or a loan's term."
    )
    hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_HOURS, required=False
    )
    description = serializers.CharField(max_length=2000, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, allow_blank=True, default="")
    is_name_public = serializers.BooleanField(default=False)
    may_contact = serializers.BooleanField(default=False)

    def card(self) -> CardInput:
        data = self.validated_data
        return CardInput(
            kind=data["kind"],
            amount_ore=data.get("amount"),
            months=data.get("months"),
            hours=data.get("hours"),
            description=data["description"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            is_name_public=data["is_name_public"],
            may_contact=data["may_contact"],
        )


class VolunteerCardSerializer(CardSerializer):
    pitch = serializers.IntegerField(min_value=1)


class CardPledgeSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")
    monthly_amount = OreAsKronorField(source="monthly_ore")

    class Meta:
        model = Pledge
        fields = ["id", "kind", "status", "amount", "monthly_amount", "months", "term_months", "quantity", "unit"]
        read_only_fields = fields


class CardOutSerializer(serializers.ModelSerializer):
    pitch = serializers.IntegerField(source="pitch_id", read_only=True)
    pledge = CardPledgeSerializer(read_only=True)

    class Meta:
        model = FairCard
        fields = ["card_id", "pitch", "channel", "created_at", "pledge"]
        read_only_fields = fields


class BoardPitchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pitch_id")
    position = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    project = serializers.CharField()
    pledged = OreAsKronorField(source="pledged_ore")
    pledgers = serializers.IntegerField()
    pledge_count = serializers.IntegerField()
    money_count = serializers.IntegerField()
    non_money_count = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    non_money = serializers.DictField(child=serializers.IntegerField())
    names = serializers.ListField(child=serializers.CharField())
    interest_count = serializers.IntegerField(help_text="Cards to a regulated offer not yet confirmed online")
    interest = OreAsKronorField(source="interest_ore", help_text="Their amount: outside `pledged`")


class BoardSerializer(serializers.Serializer):
    fair = serializers.IntegerField()
    status = serializers.CharField()
    total_pledged = serializers.CharField()
    pitches = BoardPitchSerializer(many=True)


def _board_body(fair: Fair, rows: list[BoardPitch]) -> dict[str, object]:
    from pools.money import ore_to_string

    return {
        "fair": fair.pk,
        "status": fair.status,
        "total_pledged": ore_to_string(sum(r.pledged_ore for r in rows)),
        "pitches": BoardPitchSerializer(rows, many=True).data,
    }


class FollowUpSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = PledgeFollowUp
        fields = ["id", "outcome", "note", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"note": {"max_length": 2000, "allow_blank": True, "required": False}}


class PledgerSerializer(serializers.Serializer):
    pledge = serializers.IntegerField(source="pledge.pk")
    kind = serializers.CharField(source="pledge.kind")
    status = serializers.CharField(source="pledge.status")
    amount = OreAsKronorField(source="pledge.amount_ore", allow_null=True)  # None for time, skills, items
    description = serializers.CharField(source="pledge.description")
    ocr_reference = serializers.CharField(source="pledge.ocr_reference", allow_null=True)
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    latest = FollowUpSerializer(allow_null=True)


class ReportRowSerializer(serializers.Serializer):
    pitch_id = serializers.IntegerField()
    pitch = serializers.CharField()
    kind = serializers.CharField()
    pledged_count = serializers.IntegerField()
    pledged = OreAsKronorField(source="pledged_ore")
    confirmed_count = serializers.IntegerField()
    confirmed = OreAsKronorField(source="confirmed_ore")
    fulfilled_count = serializers.IntegerField()
    fulfilled = OreAsKronorField(source="fulfilled_ore")
    received = OreAsKronorField(source="received_ore")
    withdrawn_count = serializers.IntegerField()
    interest_count = serializers.IntegerField(help_text="Expressions of interest not confirmed online by then")
    interest = OreAsKronorField(source="interest_ore", help_text="Their amount: outside the other columns")


class ReportQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="Figures as they stood at the end of this day.")


def _report_body(report: FairReport) -> dict[str, object]:
    from pools.money import ore_to_string

    totals = report.totals
    return {
        "fair": report.fair.pk,
        "as_of": report.as_of.isoformat(),
        "rows": ReportRowSerializer(report.rows, many=True).data,
        "totals": {
            key: (ore_to_string(value) if key.endswith("_ore") else (None if value is None else str(value)))
            if not key.endswith("_count")
            else value
            for key, value in totals.items()
        },
    }


# ---------------------------------------------------------------- views


class FairListView(generics.ListCreateAPIView):
    """Fairs (public); organisers create them."""

    serializer_class = FairSerializer
    permission_classes = [AllowAny]
    filterset_fields = ["status"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return fair_list_visible(user=self.request.user).order_by("-held_on", "-pk")

    @extend_schema(request=FairCreateSerializer, responses={201: FairSerializer, **ERRORS})
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        if not user_may_manage_fairs(request.user):
            raise PermissionDenied()
        payload = FairCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fair = fair_create(organiser=request.user, **payload.validated_data)
        return Response(FairSerializer(fair).data, status=status.HTTP_201_CREATED)


class FairDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: FairDetailSerializer, 404: ERRORS[404]})
    def get(self, request: Request, fair_id: int) -> Response:
        fair = fair_get_visible(user=request.user, fair_id=fair_id)
        return Response(FairDetailSerializer(fair, context={"request": request}).data)


class FairTransitionView(APIView):
    """Move the fair on: start (live), close (follow-up; queues the confirmation links), finish (closed)."""

    actions = {"start": fair_start, "close": fair_close, "finish": fair_finish}

    @extend_schema(request=TransitionSerializer, responses={200: FairSerializer, **ERRORS})
    def post(self, request: Request, fair_id: int) -> Response:
        fair = fair_get_managed(user=request.user, fair_id=fair_id)
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        action = payload.validated_data["action"]
        if action == "start":
            fair = fair_start(fair=fair, by=request.user, early_reason=payload.validated_data["early_reason"])
        else:
            fair = self.actions[action](fair=fair, by=request.user)
        return Response(FairSerializer(fair).data)


class FairApplyView(APIView):
    """A project owner applies for a slot with one of their projects."""

    @extend_schema(request=ApplySerializer, responses={201: PitchSerializer, **ERRORS})
    def post(self, request: Request, fair_id: int) -> Response:
        fair = fair_get_visible(user=request.user, fair_id=fair_id)
        payload = ApplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        project = get_object_or_404(project_list_for_owner(owner=request.user), pk=data["project"])
        pitch = pitch_apply(
            fair=fair, project=project, by=request.user, **{k: data[k] for k in ("title", "summary", "ask")}
        )
        return Response(PitchSerializer(pitch, context={"request": request}).data, status=status.HTTP_201_CREATED)


class FairProgrammeView(APIView):
    """Set order, start time and length of every chosen pitch (organisers)."""

    @extend_schema(request=ProgrammeSerializer, responses={200: FairDetailSerializer, **ERRORS})
    def put(self, request: Request, fair_id: int) -> Response:
        fair = fair_get_managed(user=request.user, fair_id=fair_id)
        payload = ProgrammeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        slots = [
            Slot(pitch_id=s["pitch"], position=s["position"], starts_at=s["starts_at"], minutes=s["minutes"])
            for s in payload.validated_data["slots"]
        ]
        fair = fair_programme_set(fair=fair, by=request.user, slots=slots)
        return Response(FairDetailSerializer(fair, context={"request": request}).data)


class PitchChooseView(APIView):
    @extend_schema(request=ChooseSerializer, responses={200: PitchSerializer, **ERRORS})
    def post(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_get_managed(user=request.user, pitch_id=pitch_id)
        payload = ChooseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pitch = pitch_choose(pitch=pitch, by=request.user, target_ore=payload.validated_data.get("target"))
        return Response(PitchSerializer(pitch, context={"request": request}).data)


class PitchDeclineView(APIView):
    @extend_schema(request=None, responses={200: PitchSerializer, **ERRORS})
    def post(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_decline(pitch=pitch_get_managed(user=request.user, pitch_id=pitch_id), by=request.user)
        return Response(PitchSerializer(pitch, context={"request": request}).data)


class PitchConfirmView(APIView):
    """The project owner confirms their slot."""

    @extend_schema(request=None, responses={200: PitchSerializer, **ERRORS})
    def post(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_confirm(pitch=pitch_get_for_owner(user=request.user, pitch_id=pitch_id), by=request.user)
        return Response(PitchSerializer(pitch, context={"request": request}).data)


class PitchWithdrawView(APIView):
    """The project owner withdraws their application or slot before the evening."""

    @extend_schema(request=None, responses={200: PitchSerializer, **ERRORS})
    def post(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_withdraw(pitch=pitch_get_for_owner(user=request.user, pitch_id=pitch_id), by=request.user)
        return Response(PitchSerializer(pitch, context={"request": request}).data)


class PitchDetailView(APIView):
    """The owner's pitch; PATCH prepares its page (title, summary, ask)."""

    @extend_schema(responses={200: PitchSerializer, 404: ERRORS[404]})
    def get(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
        return Response(PitchSerializer(pitch, context={"request": request}).data)

    @extend_schema(request=PitchPageSerializer, responses={200: PitchSerializer, **ERRORS})
    def patch(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
        # Partial: the serializer checks the body's shape (a JSON number or list is a 400, not a crash)
        # and only the fields given; the others keep their current text.
        payload = PitchPageSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        values = {"title": pitch.title, "summary": pitch.summary, "ask": pitch.ask, **payload.validated_data}
        pitch = pitch_page_update(pitch=pitch, by=request.user, **values)
        return Response(PitchSerializer(pitch, context={"request": request}).data)


def _card_response(row: FairCard, created: bool) -> Response:
    return Response(CardOutSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PhoneCardView(APIView):
    """A pledge card from the audience, by the pitch's short code; no login needed while the fair is live."""

    permission_classes = [AllowAny]
    # Per client address; generous, since a whole hall may share the venue's one address.
    throttle_classes = [SafeScopedRateThrottle]
    throttle_scope = "fair_cards"

    @extend_schema(
        request=CardSerializer,
        responses={
            201: CardOutSerializer,
            200: CardOutSerializer,
            **ERRORS,
            429: OpenApiResponse(description="Slow down"),
        },
    )
    def post(self, request: Request, code: str) -> Response:
        pitch = pitch_get_by_code(code=code)
        payload = CardSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row, created = fair_card_submit(
            pitch=pitch,
            card_id=payload.validated_data["card_id"],
            card=payload.card(),
            channel=CardChannel.API,
            saver=request.user if request.user.is_authenticated else None,
            language=translation.get_language() or "sv",
        )
        return _card_response(row, created)


class VolunteerCardView(APIView):
    """A paper card typed in by an organiser (live or during follow-up)."""

    @extend_schema(
        request=VolunteerCardSerializer, responses={201: CardOutSerializer, 200: CardOutSerializer, **ERRORS}
    )
    def post(self, request: Request, fair_id: int) -> Response:
        fair = fair_get_managed(user=request.user, fair_id=fair_id)
        payload = VolunteerCardSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pitch = pitch_get_at_fair(fair=fair, pitch_id=payload.validated_data["pitch"])
        row, created = fair_card_submit(
            pitch=pitch,
            card_id=payload.validated_data["card_id"],
            card=payload.card(),
            channel=CardChannel.PAPER,
            entered_by=request.user,
        )
        return _card_response(row, created)


class FairBoardView(APIView):
    """The live board's figures per pitch (organisers)."""

    @extend_schema(responses={200: BoardSerializer, 404: ERRORS[404]})
    def get(self, request: Request, fair_id: int) -> Response:
        fair = fair_get_managed(user=request.user, fair_id=fair_id)
        return Response(_board_body(fair, fair_board(fair=fair)), headers={"Cache-Control": "no-store"})


class PitchBoardView(APIView):
    """The presenter's own pitch, live (another owner: 404)."""

    @extend_schema(responses={200: BoardSerializer, 404: ERRORS[404]})
    def get(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
        return Response(_board_body(pitch.fair, fair_board(fair=pitch.fair, pitch=pitch)))


class PitchPledgersView(APIView):
    """The pitch's pledgers for follow-up: names and contacts only where the pledger allowed it."""

    @extend_schema(responses={200: PledgerSerializer(many=True), 404: ERRORS[404]})
    def get(self, request: Request, pitch_id: int) -> Response:
        pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
        return Response(PledgerSerializer(pitch_pledges_for_owner(pitch=pitch), many=True).data)


class PledgeFollowUpView(APIView):
    """Record how following up one pledge went."""

    @extend_schema(request=FollowUpSerializer, responses={201: FollowUpSerializer, **ERRORS})
    def post(self, request: Request, pitch_id: int, pledge_id: int) -> Response:
        pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
        pledge = pitch_pledge_get_for_owner(pitch=pitch, pledge_id=pledge_id)
        payload = FollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = pledge_follow_up_record(
            pledge=pledge,
            by=request.user,
            outcome=payload.validated_data["outcome"],
            note=payload.validated_data.get("note", ""),
        )
        return Response(FollowUpSerializer(row).data, status=status.HTTP_201_CREATED)


class FairReportView(APIView):
    """Pledges per pitch and kind, conversion and money received (organisers and treasurers)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={
            400: ERRORS[400],
            200: inline_serializer(
                "FairReport",
                {
                    "fair": serializers.IntegerField(),
                    "as_of": serializers.DateField(),
                    "rows": ReportRowSerializer(many=True),
                    "totals": serializers.DictField(),
                },
            ),
            404: ERRORS[404],
        },
    )
    def get(self, request: Request, fair_id: int) -> Response:
        try:
            fair = fair_get_reported(user=request.user, fair_id=fair_id)
        except Http404 as exc:
            raise NotFound() from exc  # the documented body: a code and a translated detail
        params = ReportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(_report_body(fair_report(fair=fair, as_of=params.validated_data.get("as_of"))))
