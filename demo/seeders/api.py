"""Demo two-factor devices: the demo treasurers, organiser and admin share one known TOTP key.

So the demo stays usable: add DEMO_TOTP_KEY_BASE32 to any authenticator app (or run
`manage.py demo_totp_code`) to get the code asked for after logging in. Demo only.
"""

from __future__ import annotations

import random
from base64 import b32decode

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.twofactor import two_factor_required
from pools.models import Pool

DEMO_TOTP_KEY_BASE32 = "LOKALKAPITALDEMOLOKALKAPITALDEMO"  # 20 bytes; public on purpose (demo only)
DEMO_TOTP_KEY_HEX = b32decode(DEMO_TOTP_KEY_BASE32).hex()
DEVICE_NAME = "demo authenticator"


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """Give every demo user who needs two-factor a confirmed device with the demo key (idempotent)."""
    candidates = list(people.values()) + list(User.objects.filter(email="admin@demo.lokalkapital.se"))
    for user in candidates:
        if two_factor_required(user) and not TOTPDevice.objects.filter(user=user, name=DEVICE_NAME).exists():
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=DEMO_TOTP_KEY_HEX, confirmed=True)
