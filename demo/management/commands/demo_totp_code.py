"""Print the current two-factor code of the demo key (development and demo only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from demo.seeders.api import DEMO_TOTP_KEY_BASE32, DEMO_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the code an authenticator app with the demo key shows now (demo treasurers and organiser)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("Demo only: refused with DJANGO_ENV=production.")
        code = TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX)).token()
        self.stdout.write(f"{code:06d}  (key {DEMO_TOTP_KEY_BASE32}, valid for up to 30 seconds)")
