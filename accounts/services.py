"""Writes for accounts/: users, roles, preferences."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import (
    AlreadyErased,
    EmailTaken,
    EmailUnchanged,
    PasswordWrong,
    ReauthenticationRequired,
    RefundAccountInvalid,
)
from accounts.identity import normalize_swedish_iban
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
def user_set_refund_iban(*, user: User, iban: str) -> User:
    """Store the account money is paid back to (a Swedish IBAN, kept compact); "" removes it.
    Raises RefundAccountInvalid (nothing written). Lines already in a refund list keep their account."""
    from django.core.exceptions import ValidationError

    if not isinstance(iban, str):
        raise RefundAccountInvalid(field="refund_iban")
    try:
        value = normalize_swedish_iban(iban)
    except ValidationError as exc:
        raise RefundAccountInvalid(exc.messages[0], field="refund_iban") from exc
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_erased:
        raise AlreadyErased(user.pk)
    if locked.refund_iban != value:
        User.objects.filter(pk=user.pk).update(refund_iban=value)
    user.refund_iban = value
    return user


@transaction.atomic
def reminder_preference_set(*, user: User, kind: str, is_enabled: bool) -> ReminderPreference:
    """Turn one kind of reminder on or off for a user."""
    if kind not in ReminderKind.values:
        raise ValueError(kind)
    pref, _ = ReminderPreference.objects.update_or_create(user=user, kind=kind, defaults={"is_enabled": is_enabled})
    return pref


EMAIL_CONFIRM_SALT = "accounts.email-confirm"
EMAIL_CONFIRM_MAX_AGE = 7 * 24 * 3600
EMAIL_CHANGE_SALT = "accounts.email-change"


@transaction.atomic
def user_profile_update(*, user: User, full_name: str, language: str) -> User:
    """Store the user's name and preferred language. Raises AlreadyErased."""
    if language not in Language.values:
        raise ValueError(language)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_erased:
        raise AlreadyErased(user.pk)
    full_name = full_name.strip()[:200]
    User.objects.filter(pk=user.pk).update(full_name=full_name, language=language)
    user.full_name, user.language = full_name, language
    return user


def user_email_change_request(*, user: User, new_email: str, password: str) -> User:
    """Ask to move the account to a new address: checks the password, keeps the address as pending,
    mails a confirmation link to it and a notice to the current address. Nothing else changes until the
    link is followed (people/email.py). Raises ReauthenticationRequired, EmailUnchanged, AlreadyErased.
    Whether the new address has an account is not told here (it would reveal who has one); confirming
    to a taken address fails instead."""
    from accounts.mail import account_mail_queue
    from accounts.refund_account import credentials_fresh

    if not credentials_fresh(user=user, password=password):
        raise ReauthenticationRequired(field="password")
    new_email = new_email.strip().lower()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_erased:
            raise AlreadyErased(user.pk)
        if new_email == locked.email:
            raise EmailUnchanged(field="email")
        User.objects.filter(pk=user.pk).update(pending_email=new_email)
        user.pending_email = new_email
        account_mail_queue(kind="email_change_confirm", user=user)
        account_mail_queue(kind="email_change_requested", user=user)
    return user


def email_change_token(*, user: User) -> str:
    """A signed, expiring token that moves this user to their pending address (and to no other)."""
    return signing.dumps({"u": user.pk, "e": user.pending_email}, salt=EMAIL_CHANGE_SALT, compress=True)


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Set a new password after checking the current one and the password rules.
    Raises PasswordWrong; django's ValidationError with the rules' messages."""
    from django.contrib.auth.password_validation import validate_password

    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(old_password):
        raise PasswordWrong(field="old_password")
    validate_password(new_password, locked)
    locked.set_password(new_password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    return user


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """The person's API token key, created on first use (one token per person; erasure deletes it)."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return token.key


def email_confirmation_token(*, user: User) -> str:
    """A signed, expiring token that confirms this user's current email address."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_CONFIRM_SALT, compress=True)


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


@transaction.atomic
def totp_verify(*, user: User, code: str) -> TOTPDevice | None:
    """The user's confirmed device that accepts this code, or None. Locks the devices while checking,
    so one code can't be used twice by parallel requests (django-otp's for_verify needs a transaction)."""
    from django_otp import devices_for_user

    for device in devices_for_user(user, confirmed=True, for_verify=True):
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return device
    return None
