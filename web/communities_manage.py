"""Managing communities: platform staff create and edit communities and give roles; a community's own
treasurer edits its contact, logo and colour and gives the organiser, fund manager and project owner roles.
Roles are given directly (to an existing account) or by a mailed invitation link (web:invitation), and
whoever works in several communities chooses one in the header (web:community-choose)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.errors import EmailTaken
from accounts.models import Language
from accounts.selectors import user_with_email
from accounts.services import password_check
from communities.errors import CommunityError, InvitationInvalid
from communities.middleware import WORKING_COMMUNITY_SESSION_KEY
from communities.models import Community, MembershipRole
from communities.selectors import (
    STAFF_EDITABLE_FIELDS,
    community_editable_fields,
    community_get_managed,
    community_input_normalised,
    community_list_managed,
    invitation_find,
    invitation_get,
    invitation_list,
    is_platform_staff,
    membership_get,
    membership_list,
    membership_roles_grantable,
    working_community_choices,
)
from communities.services import (
    community_create,
    community_update,
    invitation_accept,
    invitation_accept_new_account,
    invitation_check,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_grant,
    membership_revoke,
)
from web.http import AuthenticatedHttpRequest


class CommunityForm(forms.ModelForm):
    """Every field of a community; the view keeps only those the person may change."""

    class Meta:
        model = Community
        fields = list(STAFF_EDITABLE_FIELDS)
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, data: Any = None, *args: Any, editable: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(community_input_normalised(data) if data is not None else None, *args, **kwargs)
        for name in list(self.fields):
            if name not in editable:
                del self.fields[name]


def _role_choices(roles: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in MembershipRole.choices if value in roles]


class RoleEmailForm(forms.Form):
    email = forms.EmailField(label=_lazy("Email"), max_length=254)
    role = forms.ChoiceField(label=_lazy("Role"))

    def __init__(self, *args: Any, roles: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)  # type: ignore[attr-defined]


class NewAccountForm(forms.Form):
    full_name = forms.CharField(label=_lazy("Name"), max_length=200)
    password1 = forms.CharField(
        label=_lazy("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_lazy("Password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_lazy("Language"), choices=Language.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            for problem in password_check(password=first):
                self.add_error("password1", problem)
        return data


def _form_errors_to_fields(form: forms.BaseForm, exc: ValidationError | CommunityError) -> None:
    if isinstance(exc, CommunityError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _mark_invalid(form: forms.BaseForm) -> None:
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["aria-invalid"] = "true"


@login_required
def community_manage_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The communities the person manages: every one for platform staff, their own for treasurers."""
    communities = community_list_managed(user=request.user)
    staff = is_platform_staff(request.user)
    if not staff and not communities.exists():
        raise PermissionDenied
    return render(request, "communities/manage/list.html", {"communities": communities, "is_staff": staff})


@login_required
def community_manage_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Platform staff create a community."""
    if not is_platform_staff(request.user):
        raise PermissionDenied
    form = CommunityForm(request.POST or None, request.FILES or None, editable=tuple(CommunityForm.Meta.fields))
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("name", "slug") and v is not None}
        try:
            community = community_create(
                by=request.user, name=form.cleaned_data["name"], slug=form.cleaned_data["slug"], **fields
            )
        except (ValidationError, CommunityError) as exc:
            _form_errors_to_fields(form, exc)
        else:
            messages.success(request, _("The community %(name)s was created.") % {"name": community.name})
            return redirect("web:community-manage-members", community_id=community.pk)
    _mark_invalid(form)
    return render(request, "communities/manage/form.html", {"form": form, "community": None})


@login_required
def community_manage_edit(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    """Edit a community: every field for platform staff; contact, logo and colour for its treasurers."""
    community = community_get_managed(user=request.user, community_id=community_id)
    editable = community_editable_fields(user=request.user, community=community)
    form = CommunityForm(request.POST or None, request.FILES or None, instance=community, editable=editable)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in editable}
        if "logo" in fields and fields["logo"] is None:
            fields.pop("logo")
        if fields.get("logo") is False:  # "clear" ticked
            fields["logo"] = ""
        try:
            community = community_update(community=community, by=request.user, **fields)
        except (ValidationError, CommunityError) as exc:
            _form_errors_to_fields(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("web:community-manage-edit", community_id=community.pk)
    _mark_invalid(form)
    return render(
        request,
        "communities/manage/form.html",
        {"form": form, "community": community, "all_fields": len(editable) > 5},
    )


def _members_page(
    request: AuthenticatedHttpRequest,
    community: Community,
    grant_form: RoleEmailForm | None = None,
    invite_form: RoleEmailForm | None = None,
    status: int = 200,
) -> HttpResponse:
    roles = membership_roles_grantable(user=request.user, community=community)
    grant_form = grant_form or RoleEmailForm(roles=roles, prefix="grant")
    invite_form = invite_form or RoleEmailForm(roles=roles, prefix="invite")
    _mark_invalid(grant_form)
    _mark_invalid(invite_form)
    return render(
        request,
        "communities/manage/members.html",
        {
            "community": community,
            "memberships": membership_list(community=community),
            "invitations": invitation_list(community=community)[:50],
            "roles": roles,
            "grant_form": grant_form,
            "invite_form": invite_form,
            "may_edit": bool(community_editable_fields(user=request.user, community=community)),
        },
        status=status,
    )


@login_required
def community_manage_members(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    """A community's memberships and invitations, with forms to give a role and to invite."""
    community = community_get_managed(user=request.user, community_id=community_id)
    return _members_page(request, community)


@login_required
@require_POST
def community_member_grant(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    """Give an existing account a role in the community."""
    community = community_get_managed(user=request.user, community_id=community_id)
    roles = membership_roles_grantable(user=request.user, community=community)
    form = RoleEmailForm(request.POST, roles=roles, prefix="grant")
    if form.is_valid():
        person = user_with_email(email=form.cleaned_data["email"].strip().lower())
        if person is None:
            form.add_error("email", _("No account has this address. Send an invitation instead."))
        else:
            try:
                membership_grant(user=person, community=community, role=form.cleaned_data["role"], by=request.user)
            except CommunityError as exc:
                _form_errors_to_fields(form, exc)
            else:
                messages.success(request, _("%(email)s now holds the role.") % {"email": person.email})
                return redirect("web:community-manage-members", community_id=community.pk)
    return _members_page(request, community, grant_form=form, status=400)


@login_required
@require_POST
def community_member_revoke(request: AuthenticatedHttpRequest, community_id: int, membership_id: int) -> HttpResponse:
    """Take a role in the community away."""
    community = community_get_managed(user=request.user, community_id=community_id)
    membership = membership_get(community=community, membership_id=membership_id)
    try:
        membership_revoke(user=membership.user, community=community, role=membership.role, by=request.user)
    except CommunityError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The role was taken away."))
    return redirect("web:community-manage-members", community_id=community.pk)


@login_required
@require_POST
def community_invitation_create(request: AuthenticatedHttpRequest, community_id: int) -> HttpResponse:
    """Invite an address to a role in the community by a mailed link."""
    community = community_get_managed(user=request.user, community_id=community_id)
    roles = membership_roles_grantable(user=request.user, community=community)
    form = RoleEmailForm(request.POST, roles=roles, prefix="invite")
    if form.is_valid():
        try:
            invitation = invitation_create(
                by=request.user, community=community, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except (ValidationError, CommunityError) as exc:
            _form_errors_to_fields(form, exc)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("web:community-manage-members", community_id=community.pk)
    return _members_page(request, community, invite_form=form, status=400)


@login_required
@require_POST
def community_invitation_revoke(
    request: AuthenticatedHttpRequest, community_id: int, invitation_id: int
) -> HttpResponse:
    """Withdraw a pending invitation."""
    community = community_get_managed(user=request.user, community_id=community_id)
    invitation = invitation_get(community=community, invitation_id=invitation_id)
    try:
        invitation_revoke(by=request.user, invitation=invitation)
    except CommunityError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The invitation was withdrawn."))
    return redirect("web:community-manage-members", community_id=community.pk)


@login_required
@require_POST
def community_invitation_resend(
    request: AuthenticatedHttpRequest, community_id: int, invitation_id: int
) -> HttpResponse:
    """Mail a pending invitation again (same link, valid for another week)."""
    community = community_get_managed(user=request.user, community_id=community_id)
    invitation = invitation_get(community=community, invitation_id=invitation_id)
    try:
        invitation = invitation_resend(by=request.user, invitation=invitation)
    except CommunityError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The invitation was sent again to %(email)s. Its link is valid until %(day)s.")
            % {"email": invitation.email, "day": date_format(timezone.localtime(invitation.expires_at), "Y-m-d H:i")},
        )
    return redirect("web:community-manage-members", community_id=community.pk)


def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: log in (or create the invited address's account) and accept. A link that opens
    nothing (unknown, expired, used, withdrawn) gets a page that says which, never an error."""
    invitation = invitation_find(token=token)
    user = request.user
    try:
        invitation = invitation_check(invitation, user=user if user.is_authenticated else None)
    except InvitationInvalid as exc:
        return render(request, "communities/manage/invitation_invalid.html", {"reason": exc.message}, status=410)
    context: dict[str, Any] = {"invitation": invitation, "token": token}
    if user.is_authenticated:
        wrong_account = (user.email or "").lower() != invitation.email.lower()
        if request.method == "POST" and not wrong_account:
            try:
                membership = invitation_accept(token=token, user=user)
            except InvitationInvalid as exc:
                return render(
                    request, "communities/manage/invitation_invalid.html", {"reason": exc.message}, status=410
                )
            except CommunityError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(
                    request,
                    _("You are now %(role)s in %(community)s.")
                    % {"role": membership.get_role_display(), "community": membership.community.name},
                )
                return redirect("web:community-manage-after-accept")
        context["wrong_account"] = wrong_account
        return render(request, "communities/manage/invitation.html", context)
    has_account = user_with_email(email=invitation.email) is not None
    language = getattr(request, "LANGUAGE_CODE", "") or invitation.community.default_language
    form = NewAccountForm(request.POST or None, initial={"language": language})
    if request.method == "POST" and not has_account and form.is_valid():
        try:
            new_user, _membership = invitation_accept_new_account(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                language=form.cleaned_data["language"],
            )
        except InvitationInvalid as exc:
            return render(request, "communities/manage/invitation_invalid.html", {"reason": exc.message}, status=410)
        except EmailTaken:
            has_account = True
        else:
            login(request, new_user, backend="accounts.backends.EmailBackend")
            messages.success(request, _("Your account was created and the role is yours."))
            return redirect("web:community-manage-after-accept")
    _mark_invalid(form)
    context.update(
        {"form": form, "has_account": has_account, "login_url": reverse("web:login") + "?next=" + request.path}
    )
    return render(request, "communities/manage/invitation.html", context, status=400 if form.errors else 200)


@login_required
def community_after_accept(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where an accepted invitation lands: the person's first page for their new role (two-factor set-up
    comes first for a treasurer, organiser or fund manager: accounts.middleware.TwoFactorMiddleware)."""
    user = request.user
    if user.has_perm("pools.view_reports"):
        return redirect("web:treasury:dashboard")
    if getattr(user, "is_organiser", False):
        return redirect("web:fair-list")
    if getattr(user, "is_project_owner", False):
        return redirect("web:my-projects")
    return redirect("web:home")


@login_required
@require_POST
def community_choose(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose the community to work in (kept in the session); empty: every community one may see."""
    raw = request.POST.get("community", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("web:home")
    if raw == "":
        request.session.pop(WORKING_COMMUNITY_SESSION_KEY, None)
        return HttpResponseRedirect(back)
    choices = {c.pk: c for c in working_community_choices(user=request.user)}
    chosen = choices.get(int(raw)) if raw.isdigit() else None
    if chosen is None:
        messages.error(request, _("You do not work in that community."))
        return HttpResponseRedirect(back)
    request.session[WORKING_COMMUNITY_SESSION_KEY] = chosen.pk
    messages.success(request, _("You now work in %(name)s.") % {"name": chosen.name})
    return HttpResponseRedirect(back)
