"""A file mail backend that takes its time, so a test can kill a worker in the middle of a batch."""

from __future__ import annotations

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "0.1")) * len(email_messages))
        return super().send_messages(email_messages)
