"""Fair pages: planning, the phone card, the volunteers' card entry, the live board, follow-up and report."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invest.fairs.models import CardChannel, Fair, FairStatus, Pitch, PitchStatus
from invest.fairs.selectors import (
    BoardPitch,
    fair_board,
    fair_card_count,
    fair_get_managed,
    fair_get_reported,
    fair_get_visible,
    fair_list_visible,
    fair_report,
    pitch_get_by_code,
    pitch_get_for_owner,
    pitch_get_managed,
    pitch_list_visible,
    pitch_pledge_get_for_owner,
    pitch_pledges_for_owner,
    pitch_programme,
    project_list_for_application,
)
from invest.fairs.services import (
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
from operations.csv_files import csv_lines, csv_response, kronor_cell, text_cell
from operations.errors import DomainError
from operations.pdf import html_to_pdf
from pools.models import PledgeKind
from pools.money import format_sek, ore_to_string
from pools.paycodes import qr_png, qr_svg, receiver_swish_number, swish_number_display
from web.confirm import confirmation_page
from web.fairs.forms import (
    KIND_CHOICES,
    ApplyForm,
    CardForm,
    ChooseForm,
    FairForm,
    FollowUpForm,
    PitchPageForm,
    ProgrammeForm,
    ReportDateForm,
    VolunteerCardForm,
)
from web.http import AuthenticatedHttpRequest

SESSION_PITCH = "fairs_volunteer_pitch"


def _refuse(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error.message))


def _form_error(form: BaseForm, error: DomainError) -> None:
    """Put a service's refusal on the form field it names (or the form as a whole)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


# ---------------------------------------------------------------- planning


def fair_list(request: HttpRequest) -> HttpResponse:
    """Upcoming and past fairs."""
    today = timezone.localdate()
    fairs = fair_list_visible(user=request.user)
    return render(
        request,
        "fairs/fair_list.html",
        {
            "upcoming": fairs.filter(held_on__gte=today).order_by("held_on", "pk"),
            "past": fairs.filter(held_on__lt=today).order_by("-held_on", "-pk")[:50],
            "may_manage": user_may_manage_fairs(request.user),
        },
    )


@login_required
def fair_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not user_may_manage_fairs(request.user):
        raise Http404
    form = FairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fair = fair_create(organiser=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("web:fair-detail", fair_id=fair.pk)
    return render(request, "fairs/fair_form.html", {"form": form})


def fair_detail(request: HttpRequest, fair_id: int) -> HttpResponse:
    """The programme for everyone; the organiser's panel; an owner's application and slot."""
    fair = fair_get_visible(user=request.user, fair_id=fair_id)
    may_manage = user_may_manage_fairs(request.user)
    pitches = list(pitch_list_visible(user=request.user, fair=fair))
    chosen = [p for p in pitches if p.status == PitchStatus.CHOSEN]
    own = [p for p in pitches if request.user.is_authenticated and p.project.owner_id == request.user.pk]
    apply_form = None
    if request.user.is_authenticated and fair.status == FairStatus.PLANNED and fair.is_open_for_applications:
        projects = project_list_for_application(user=request.user, fair=fair)
        if projects.exists():
            apply_form = ApplyForm(projects=projects)
    context = {
        "fair": fair,
        "programme": chosen,
        "applications": [p for p in pitches if p.status != PitchStatus.CHOSEN] if may_manage else [],
        "own": own,
        "may_manage": may_manage,
        "apply_form": apply_form,
        "programme_form": ProgrammeForm(pitches=chosen) if may_manage and chosen else None,
        "choose_form": ChooseForm(),
        "site_url": request.build_absolute_uri("/").rstrip("/"),
        "fair_is_early": timezone.localdate() < fair.held_on,
    }
    return render(request, "fairs/fair_detail.html", context)


@login_required
@require_POST
def fair_apply(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    fair = fair_get_visible(user=request.user, fair_id=fair_id)
    form = ApplyForm(request.POST, projects=project_list_for_application(user=request.user, fair=fair))
    if form.is_valid():
        try:
            pitch_apply(
                fair=fair,
                project=form.cleaned_data["project"],
                by=request.user,
                title=form.cleaned_data["title"],
                ask=form.cleaned_data["ask"],
            )
            messages.success(request, _("Your application is in. The organiser chooses the pitches."))
        except DomainError as error:
            _refuse(request, error)
    else:
        messages.error(request, _("Choose one of your projects."))
    return redirect("web:fair-detail", fair_id=fair.pk)


@login_required
@require_POST
def pitch_choose_view(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    pitch = pitch_get_managed(user=request.user, pitch_id=pitch_id)
    form = ChooseForm(request.POST)
    if form.is_valid():
        try:
            pitch_choose(pitch=pitch, by=request.user, target_ore=form.cleaned_data["target"])
        except DomainError as error:
            _refuse(request, error)
        else:
            messages.success(request, _("%(title)s is chosen for the fair.") % {"title": pitch.title})
    else:
        messages.error(request, _("Give the target as an amount in kronor."))
    return redirect("web:fair-detail", fair_id=pitch.fair_id)


@login_required
@require_POST
def pitch_decline_view(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    pitch = pitch_get_managed(user=request.user, pitch_id=pitch_id)
    page = confirmation_page(
        request,
        title=_("Decline this pitch?"),
        question=_("%(title)s will not present at the fair.") % {"title": pitch.title},
        consequence=_("The project owner sees that the pitch was declined."),
        confirm_label=_("Yes, decline the pitch"),
        cancel_label=_("No, keep the pitch"),
        back_url=reverse("web:fair-detail", args=[pitch.fair_id]),
    )
    if page is not None:
        return page
    try:
        pitch_decline(pitch=pitch, by=request.user)
    except DomainError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("%(title)s is declined.") % {"title": pitch.title})
    return redirect("web:fair-detail", fair_id=pitch.fair_id)


@login_required
@require_http_methods(["GET", "POST"])
def fair_programme(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    """POST sets the programme; GET (a reload or a shared link) leads to the fair page, where the form is."""
    fair = fair_get_managed(user=request.user, fair_id=fair_id)
    if request.method == "GET":
        return redirect("web:fair-detail", fair_id=fair.pk)
    chosen = list(pitch_programme(fair=fair))
    form = ProgrammeForm(request.POST, pitches=chosen)
    if form.is_valid():
        data = form.cleaned_data
        slots = [
            Slot(
                pitch_id=p.pk,
                position=data[f"position_{p.pk}"],
                starts_at=data[f"starts_at_{p.pk}"],
                minutes=data[f"minutes_{p.pk}"],
            )
            for p in chosen
        ]
        try:
            fair_programme_set(fair=fair, by=request.user, slots=slots)
            messages.success(request, _("The programme is set."))
        except DomainError as error:
            _refuse(request, error)
    else:
        messages.error(request, _("Check the programme: every pitch needs an order, a start time and a length."))
    return redirect("web:fair-detail", fair_id=fair.pk)


STATUS_ACTIONS: dict[str, Callable[..., object]] = {"start": fair_start, "close": fair_close, "finish": fair_finish}
STATUS_QUESTIONS = {
    "close": (
        gettext_lazy("Close the fair and send the confirmation links?"),
        gettext_lazy("%(title)s stops taking pledge cards now."),
        gettext_lazy("Every pledger with an email address gets a link to confirm their pledge. This cannot be undone."),
        gettext_lazy("Yes, close the fair and send the links"),
    ),
    "finish": (
        gettext_lazy("End the follow-up?"),
        gettext_lazy("%(title)s is closed for good."),
        gettext_lazy("Pledgers can no longer confirm their fair pledges. This cannot be undone."),
        gettext_lazy("Yes, end the follow-up"),
    ),
}

STATUS_DONE = {
    "start": gettext_lazy("The doors are open: the fair is live and pledge cards are taken."),
    "close": gettext_lazy("The fair is closed. Each pledger gets a link to confirm their pledge."),
    "finish": gettext_lazy("The follow-up is ended and the fair is closed."),
}


@login_required
@require_POST
def fair_status(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    """Move the fair on: start (live), close (follow-up, sends the links), finish (closed)."""
    fair = fair_get_managed(user=request.user, fair_id=fair_id)
    name = request.POST.get("action", "")
    action = STATUS_ACTIONS.get(name)
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        # Closing mails every pledger and finishing ends the follow-up: neither can be taken back, so ask first.
        question = STATUS_QUESTIONS.get(name)
        if question is not None:
            page = confirmation_page(
                request,
                title=str(question[0]),
                question=str(question[1]) % {"title": fair.title},
                consequence=str(question[2]),
                confirm_label=str(question[3]),
                cancel_label=_("No, go back"),
                back_url=reverse("web:fair-detail", args=[fair.pk]),
            )
            if page is not None:
                return page
        try:
            if name == "start":
                fair_start(fair=fair, by=request.user, early_reason=request.POST.get("early_reason", "")[:1000])
            else:
                action(fair=fair, by=request.user)
        except DomainError as error:
            _refuse(request, error)
        else:
            messages.success(request, str(STATUS_DONE[request.POST["action"]]))
    return redirect("web:fair-detail", fair_id=fair.pk)


@login_required
@require_POST
def pitch_confirm_view(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
    try:
        pitch_confirm(pitch=pitch, by=request.user)
        messages.success(request, _("Your slot is confirmed."))
    except DomainError as error:
        _refuse(request, error)
    return redirect("web:fair-detail", fair_id=pitch.fair_id)


@login_required
@require_POST
def pitch_withdraw_view(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
    page = confirmation_page(
        request,
        title=_("Withdraw your pitch?"),
        question=_("%(title)s will no longer present at the fair.") % {"title": pitch.title},
        consequence=_("The organiser sees that you withdrew. To present again you ask for a new slot."),
        confirm_label=_("Yes, withdraw my pitch"),
        cancel_label=_("No, keep my pitch"),
        back_url=reverse("web:fair-detail", args=[pitch.fair_id]),
    )
    if page is not None:
        return page
    try:
        pitch_withdraw(pitch=pitch, by=request.user)
        messages.success(request, _("Your pitch is withdrawn."))
    except DomainError as error:
        _refuse(request, error)
    return redirect("web:fair-detail", fair_id=pitch.fair_id)


@login_required
def pitch_edit(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    """The owner prepares the pitch page the audience sees on their phones."""
    pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
    initial = {"title": pitch.title, "summary": pitch.summary, "ask": pitch.ask}
    form = PitchPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pitch_page_update(pitch=pitch, by=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The pitch page is saved."))
            return redirect("web:fair-detail", fair_id=pitch.fair_id)
    return render(request, "fairs/pitch_form.html", {"form": form, "pitch": pitch})


# ---------------------------------------------------------------- cards


def card_phone(request: HttpRequest, code: str) -> HttpResponse:
    """The pitch page and its pledge card, for the audience's phones (no login needed)."""
    pitch = pitch_get_by_code(code=code)
    form = CardForm(request.POST or None)
    if request.method == "POST" and pitch.fair.takes_phone_cards and form.is_valid():
        try:
            row, _created = fair_card_submit(
                pitch=pitch,
                card_id=form.cleaned_data["card_id"],
                card=form.card(),
                channel=CardChannel.PHONE,
                saver=request.user if request.user.is_authenticated else None,
                language=translation.get_language() or "sv",
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("web:fair-card-thanks", code=pitch.code, card_id=row.card_id)
    return render(request, "fairs/card_phone.html", {"pitch": pitch, "form": form, "kinds": _kind_groups()})


def card_thanks(request: HttpRequest, code: str, card_id: str) -> HttpResponse:
    pitch = pitch_get_by_code(code=code)
    return render(request, "fairs/card_thanks.html", {"pitch": pitch})


@require_GET
def pitch_qr(request: HttpRequest, code: str) -> HttpResponse:
    """The pitch's short link as a QR code (SVG)."""
    pitch = pitch_get_by_code(code=code)
    url = request.build_absolute_uri(reverse("web:fair-card", kwargs={"code": pitch.code}))
    # A standalone SVG document (with its namespace), so browsers load it in an <img>.
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
def card_volunteer(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    """Paper cards typed in fast: keyboard only, Enter submits, the pitch stays selected."""
    fair = fair_get_managed(user=request.user, fair_id=fair_id)
    pitches = list(pitch_programme(fair=fair))
    remembered = request.session.get(SESSION_PITCH, {}).get(str(fair.pk))
    if request.method == "POST":
        form = VolunteerCardForm(request.POST, pitches=pitches)
        if form.is_valid():
            pitch = next(p for p in pitches if p.pk == form.cleaned_data["pitch"])
            try:
                row, created = fair_card_submit(
                    pitch=pitch,
                    card_id=form.cleaned_data["card_id"],
                    card=form.card(),
                    channel=CardChannel.PAPER,
                    entered_by=request.user,
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                request.session[SESSION_PITCH] = {str(fair.pk): pitch.pk}
                pledge = row.pledge
                what = format_sek(pledge.amount_ore, translation.get_language() or "sv") if pledge.is_money else ""
                messages.success(
                    request,
                    (_("Card saved: %(what)s %(kind)s to %(pitch)s.") if created else _("Already saved: %(pitch)s."))
                    % {"what": what, "kind": pledge.get_kind_display().lower(), "pitch": pitch.title},
                )
                return HttpResponseRedirect(reverse("web:fair-cards", kwargs={"fair_id": fair.pk}))
    else:
        form = VolunteerCardForm(pitches=pitches, initial={"pitch": remembered})
    count = fair_card_count(fair=fair)
    return render(request, "fairs/card_volunteer.html", {"fair": fair, "form": form, "count": count})


def _kind_groups() -> dict[str, list[str]]:
    return {
        "money": [PledgeKind.GIFT, PledgeKind.LOAN, PledgeKind.PRE_PURCHASE, PledgeKind.SUPPORT_SAVING],
        "other": [PledgeKind.TIME, PledgeKind.SKILL, PledgeKind.ITEM, PledgeKind.CONTACT],
    }


# ---------------------------------------------------------------- scanning at the fair


@dataclass(frozen=True)
class PitchScan:
    """What the board and the printed card offer to scan for one pitch.

    At a fair people pledge first: a pledge's OCR reference exists only once its card is sent, so a code
    on the wall cannot carry one. The code is therefore the pitch's phone pledge card (``/f/<code>/``);
    the receiver's Swish number and bankgiro are shown as text, for those who ask where the money goes.
    A Swish code without a reference would bring in payments nobody can match, so none is drawn here:
    the reference and the Swish code come with the pledge (receipt, confirmation and reminders)."""

    card_url: str
    card_url_text: str  # the same link without its scheme, short enough to type
    qr: SafeString  # the link as an inline SVG QR code
    swish_number: str  # grouped for reading ("123 456 78 90"), "" when the receiver has none
    bankgiro: str


def pitch_scan(request: HttpRequest, pitch: Pitch) -> PitchScan:
    """The scan block of one pitch (its project and pool selected with it)."""
    url = request.build_absolute_uri(reverse("web:fair-card", kwargs={"code": pitch.code}))
    swish = receiver_swish_number(
        project_swish=pitch.project.swish_number, community_swish=pitch.project.community.swish_number
    )
    return PitchScan(
        card_url=url,
        card_url_text=url.split("://", 1)[-1],
        # The link around the code carries its name; the drawing itself is hidden from screen readers.
        qr=mark_safe(qr_svg(url).replace('role="img"', 'aria-hidden="true" focusable="false"', 1)),  # noqa: S308 - segno's own SVG of our own URL
        swish_number=swish_number_display(swish) if swish else "",
        # The pool's own bankgiro, else its community's (the pool is of its project's community).
        bankgiro=(pitch.pool.bankgiro or pitch.project.community.bankgiro) if pitch.pool_id and pitch.pool else "",
    )


def _pitch_now(fair: Fair, pitches: list[Pitch]) -> int | None:
    """The pitch on stage now (its slot covers the present time on the fair's date), if any."""
    if fair.status != FairStatus.LIVE:
        return None
    now = timezone.localtime()
    if now.date() != fair.held_on:
        return None
    for pitch in pitches:
        if pitch.starts_at is None:
            continue
        starts = timezone.make_aware(datetime.combine(fair.held_on, pitch.starts_at))
        if starts <= now < starts + timedelta(minutes=pitch.minutes):
            return pitch.pk
    return None


def _board_context(request: HttpRequest, fair: Fair, pitches: list[Pitch], body: dict[str, object]) -> None:
    """Add each pitch's scan block (HTML only: the JSON the board polls stays figures)."""
    scans = {p.pk: pitch_scan(request, p) for p in pitches}
    now = _pitch_now(fair, pitches)
    for row in body["pitches"]:  # type: ignore[attr-defined]
        row["scan"] = scans.get(row["id"])
        row["is_now"] = row["id"] == now


@login_required
@require_GET
def pledge_cards_pdf(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    """Printable pledge cards, one A5 page per pitch, each with the QR code to its phone card."""
    fair = fair_get_managed(user=request.user, fair_id=fair_id)
    pitches = list(pitch_programme(fair=fair))
    cards = []
    for pitch in pitches:
        scan = pitch_scan(request, pitch)
        png = base64.b64encode(qr_png(scan.card_url, scale=8)).decode("ascii")
        cards.append({"pitch": pitch, "scan": scan, "qr_data": f"data:image/png;base64,{png}"})
    html = render_to_string(
        "fairs/pledge_cards_pdf.html", {"fair": fair, "cards": cards, "kinds": KIND_CHOICES}, request=request
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fair-{fair.pk}-pledge-cards.pdf"'
    return response


# ---------------------------------------------------------------- the live board


def _interest_text(row: BoardPitch, language: str) -> str:
    """Cards to a regulated offer, shown apart: they count only once confirmed online."""
    if not row.interest_count:
        return ""
    return _("%(count)s expressions of interest, %(amount)s, to confirm online (not counted)") % {
        "count": row.interest_count,
        "amount": format_sek(row.interest_ore, language),
    }


def board_json_body(fair: Fair, rows: list[BoardPitch]) -> dict[str, object]:
    """The board's figures as JSON: amounts as decimal strings and as display text."""
    language = translation.get_language() or "sv"
    labels = {k.value: str(k.label) for k in PledgeKind}
    total = sum(r.pledged_ore for r in rows)
    return {
        "fair": {"id": fair.pk, "title": fair.title, "status": fair.status},
        "total_pledged": ore_to_string(total),
        "total_display": format_sek(total, language),
        "generated_at": timezone.now().isoformat(),
        "pitches": [
            {
                "id": r.pitch_id,
                "position": r.position,
                "title": r.title,
                "project": r.project,
                "pledged": ore_to_string(r.pledged_ore),
                "pledged_display": format_sek(r.pledged_ore, language),
                "pledgers": r.pledgers,
                "pledge_count": r.pledge_count,
                "money_count": r.money_count,
                "non_money_count": r.non_money_count,
                "hours": str(r.hours),
                "hours_display": _hours_text(r.hours, language),
                "non_money": {labels[k]: n for k, n in r.non_money.items() if n},
                "non_money_text": " · ".join(f"{labels[k]} {n}" for k, n in r.non_money.items() if n),
                "names": r.names,
                "interest_count": r.interest_count,
                "interest": ore_to_string(r.interest_ore),
                "interest_text": _interest_text(r, language),
                "target": ore_to_string(r.target_ore) if r.target_ore else None,
                "percent_of_target": r.percent_of_target,
                "progress_text": _progress_text(r, language),
            }
            for r in rows
        ],
    }


def _progress_text(row: BoardPitch, language: str) -> str:
    """ "42 % of 100 000,00 kr" under the bar; empty without a target."""
    if row.percent_of_target is None:
        return ""
    with translation.override(language):
        return _("%(percent)s %% of the target %(target)s") % {
            "percent": row.percent_of_target,
            "target": format_sek(row.target_ore, language),
        }


def _hours_text(hours: Decimal, language: str) -> str:
    """6.50 -> "6,5" (sv) / "6.5" (en); whole hours without decimals."""
    text = f"{hours:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "sv" else text


@login_required
def board(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    """The projector page: big figures per pitch, refreshed every second."""
    fair = fair_get_managed(user=request.user, fair_id=fair_id)
    data_url = reverse("web:fair-board-json", kwargs={"fair_id": fair.pk})
    body = board_json_body(fair, fair_board(fair=fair))
    _board_context(request, fair, list(pitch_programme(fair=fair)), body)
    return render(request, "fairs/board.html", {"fair": fair, "data_url": data_url, "board": body})


@login_required
@require_GET
def board_json(request: AuthenticatedHttpRequest, fair_id: int) -> JsonResponse:
    fair = fair_get_managed(user=request.user, fair_id=fair_id)
    response = JsonResponse(board_json_body(fair, fair_board(fair=fair)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def presenter(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    """The project owner's own pitch, live (another owner: 404)."""
    pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
    data_url = reverse("web:pitch-board-json", kwargs={"pitch_id": pitch.pk})
    body = board_json_body(pitch.fair, fair_board(fair=pitch.fair, pitch=pitch))
    _board_context(request, pitch.fair, [pitch], body)
    return render(
        request, "fairs/board.html", {"fair": pitch.fair, "data_url": data_url, "board": body, "presenter": pitch}
    )


@login_required
@require_GET
def presenter_json(request: AuthenticatedHttpRequest, pitch_id: int) -> JsonResponse:
    pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
    response = JsonResponse(board_json_body(pitch.fair, fair_board(fair=pitch.fair, pitch=pitch)))
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- follow-up


@login_required
def follow_up(request: AuthenticatedHttpRequest, pitch_id: int) -> HttpResponse:
    """The owner's pledgers (names and contacts only where allowed) and their follow-up outcomes."""
    pitch = pitch_get_for_owner(user=request.user, pitch_id=pitch_id)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        pledge_id = request.POST.get("pledge", "")
        pledge = pitch_pledge_get_for_owner(pitch=pitch, pledge_id=int(pledge_id) if pledge_id.isdigit() else 0)
        if form.is_valid():
            try:
                pledge_follow_up_record(pledge=pledge, by=request.user, **form.cleaned_data)
                messages.success(request, _("Noted."))
                return redirect("web:pitch-follow-up", pitch_id=pitch.pk)
            except DomainError as error:
                _form_error(form, error)
        messages.error(request, _("Choose an outcome; keep the note short."))
    rows = pitch_pledges_for_owner(pitch=pitch)
    return render(request, "fairs/follow_up.html", {"pitch": pitch, "rows": rows, "form": FollowUpForm()})


# ---------------------------------------------------------------- report


def _report_fair(request: AuthenticatedHttpRequest, fair_id: int) -> Fair:
    return fair_get_reported(user=request.user, fair_id=fair_id)


def _report_as_of(request: HttpRequest) -> tuple[ReportDateForm, date | None]:
    form = ReportDateForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["as_of"]
    return form, None


@login_required
def report(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    """Conversion per pitch and kind, as of today or a past date (?as_of=YYYY-MM-DD)."""
    fair = _report_fair(request, fair_id)
    form, as_of = _report_as_of(request)
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    return render(
        request, "fairs/report.html", {"report": fair_report(fair=fair, as_of=as_of), "form": form, "query": query}
    )


@login_required
def report_csv(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse | StreamingHttpResponse:
    """The conversion report in the site's CSV convention (operations/csv_files.py)."""
    fair = _report_fair(request, fair_id)
    form, as_of = _report_as_of(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_("Give the date as YYYY-MM-DD."))
    data = fair_report(fair=fair, as_of=as_of)
    header = [
        _("Pitch"),
        _("Kind"),
        _("Pledges"),
        _("Pledged (kr)"),
        _("Confirmed"),
        _("Confirmed (kr)"),
        _("Fulfilled"),
        _("Fulfilled (kr)"),
        _("Received (kr)"),
        _("Withdrawn"),
        _("Interest to confirm"),
        _("Interest to confirm (kr)"),
    ]
    rows = [
        [
            text_cell(r.pitch),
            text_cell(PledgeKind(r.kind).label),
            str(r.pledged_count),
            kronor_cell(r.pledged_ore) if r.is_money else "",
            str(r.confirmed_count),
            kronor_cell(r.confirmed_ore) if r.is_money else "",
            str(r.fulfilled_count),
            kronor_cell(r.fulfilled_ore) if r.is_money else "",
            kronor_cell(r.received_ore) if r.is_money else "",
            str(r.withdrawn_count),
            str(r.interest_count),
            kronor_cell(r.interest_ore) if r.is_money else "",
        ]
        for r in data.rows
    ]
    return csv_response(csv_lines(header, rows), filename=f"fair-{fair.pk}-report.csv")


@login_required
def report_pdf(request: AuthenticatedHttpRequest, fair_id: int) -> HttpResponse:
    fair = _report_fair(request, fair_id)
    form, as_of = _report_as_of(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_("Give the date as YYYY-MM-DD."))
    report_data = fair_report(fair=fair, as_of=as_of)
    html = render_to_string("fairs/report_pdf.html", {"report": report_data}, request=request)
    pdf = html_to_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fair-{fair.pk}-report.pdf"'
    return response
