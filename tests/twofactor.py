"""Log a test client in as a user; treasurers and organisers also pass two-factor (their pages and
session API calls are refused until the session is OTP-verified)."""

from __future__ import annotations

import time
from typing import Any


def login_verified(client: Any, user: Any, *, step_up: bool = True) -> Any:
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.sessions import STEP_UP_KEY
    from accounts.twofactor import two_factor_required
    from tests.factories import totp_device_for

    client.force_login(user)
    if two_factor_required(user):
        device = user.totpdevice_set.filter(confirmed=True).first() or totp_device_for(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        if step_up:
            # A code was just entered: the step-up acts (approve, payment file, fund rules) are open.
            session[STEP_UP_KEY] = time.time()
        session.save()
    return client
