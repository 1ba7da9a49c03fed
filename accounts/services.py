"""Writes for accounts/: users, roles, preferences."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import EmailTaken
from accounts.models import Language, ReminderKind, ReminderPreference, User
from accounts.roles import ROLE_PERMISSIONS, Role


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions in ROLE_PERMISSIONS."""
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # absent only mid-migration, before the app's tables exist
                perms.append(perm)
        group.permissions.set(perms)


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    language: str = Language.SV,
    roles: tuple[Role, ...] = (Role.SAVER,),
) -> User:
    """Create a user in the given roles. Raises EmailTaken."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise EmailTaken(email)
    user = User.objects.create_user(email, password, full_name=full_name, language=language)
    user_set_roles(user=user, roles=roles)
    return user


def user_set_roles(*, user: User, roles: tuple[Role, ...]) -> None:
    """Put the user in exactly these role groups."""
    groups = [Group.objects.get_or_create(name=str(role))[0] for role in roles]
    user.groups.set(groups)
    if hasattr(user, "_role_names"):
        del user._role_names


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Store the user's preferred language (sv or en)."""
    if language not in Language.values:
        raise ValueError(language)
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user


@transaction.atomic
def reminder_preference_set(*, user: User, kind: str, is_enabled: bool) -> ReminderPreference:
    """Turn one kind of reminder on or off for a user."""
    if kind not in ReminderKind.values:
        raise ValueError(kind)
    pref, _ = ReminderPreference.objects.update_or_create(user=user, kind=kind, defaults={"is_enabled": is_enabled})
    return pref


def password_check(*, password: str, user: User | None = None) -> list[str]:
    """The messages of every AUTH_PASSWORD_VALIDATORS rule the password breaks ([] when it passes).

    Sign-up and password-change forms and serializers call this and show the messages on the
    password field; `user` (unsaved is fine) lets the similarity check compare email and name.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if len(password) > 4096:  # hashing megabytes of input is a cheap denial of service
        return [str(_("The password is too long."))]
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [str(message) for message in exc.messages]
    return []


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin two-factor setup: a new unconfirmed TOTP device (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a device being set up when the code matches; other devices of the user are removed."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    return True
