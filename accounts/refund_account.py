"""Fresh credentials for sensitive account changes (the refund account: people/refund_account.py).


A stolen session or API token must not be enough to change what matters: the password, or a
current code from the user's confirmed TOTP device, proves the person is at the keyboard.
"""

from __future__ import annotations

from accounts.models import User


def credentials_fresh(*, user: User, password: str = "", otp_code: str = "") -> bool:
    """True when the password is the user's, or the code matches one of their confirmed TOTP devices."""
    if password and user.check_password(password):
        return True
    if otp_code:
        from django_otp import match_token

        return match_token(user, otp_code.strip()) is not None
    return False
