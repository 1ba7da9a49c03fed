"""Reads for accounts/."""

from __future__ import annotations

from accounts.models import ReminderKind, ReminderPreference, User


def user_with_email(*, email: str) -> User | None:
    """The account that uses this email address, or None (compared as given: callers lower-case it)."""
    return User.objects.filter(email=email).first()


def reminder_is_wanted(*, user: User, kind: str) -> bool:
    """True unless the user opted out of this kind; newsletters need an explicit opt-in."""
    if user.is_erased or not user.is_active:
        return False
    if kind == ReminderKind.NEWSLETTER:
        return user.newsletter_opt_in_at is not None
    pref = ReminderPreference.objects.filter(user=user, kind=kind).first()
    return pref.is_enabled if pref is not None else True


def reminder_preferences_get(*, user: User) -> dict[str, bool]:
    """Every reminder kind with the user's current choice."""
    stored = dict(ReminderPreference.objects.filter(user=user).values_list("kind", "is_enabled"))
    return {kind: stored.get(kind, kind != ReminderKind.NEWSLETTER) for kind in ReminderKind.values}
