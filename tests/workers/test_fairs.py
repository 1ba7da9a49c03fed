"""Fair follow-up tasks, called directly."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from invest.fairs.models import FairNotice
from invest.fairs.services import fair_close
from operations.models import JobRun
from tests.invest.fairs.builders import card, live_fair
from workers.fairs import send_fair_notice, sweep_fair_reminders
from workers.schedule import TASK_MODULES, beat_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_send_fair_notice_mails_the_confirm_link_once_even_when_run_twice(organiser):
    fair, (pitch, _b) = live_fair(organiser)
    pledge = card(pitch, email="anna@example.se").pledge
    fair_close(fair=fair, by=organiser)
    notice = FairNotice.objects.get()
    mail.outbox.clear()
    send_fair_notice(notice.pk)
    send_fair_notice(notice.pk)
    assert len(mail.outbox) == 1
    assert f"/pledges/confirm/{pledge.confirmation_token}/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives and "text/html" in mail.outbox[0].alternatives[0][1]


def test_a_failed_send_waits_in_its_delivery_record_and_the_mail_sweep_sends_it(organiser, monkeypatch):
    from django.core import mail

    from operations.mail import mail_deliveries_sweep
    from operations.models import MailDelivery, MailStatus

    fair, (pitch, _b) = live_fair(organiser)
    card(pitch, email="anna@example.se")
    fair_close(fair=fair, by=organiser)
    notice = FairNotice.objects.get()

    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
        send_fair_notice.run(notice.pk)
    notice.refresh_from_db()
    assert notice.sent_at is None
    delivery = MailDelivery.objects.get(key=f"fair_notice:{notice.pk}")
    assert delivery.status == MailStatus.PENDING and "smtp down" in delivery.last_error
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        assert mail_deliveries_sweep()["sent"] == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and [m.to for m in mail.outbox] == [["anna@example.se"]]


def test_the_sweep_task_records_its_run_and_queues_reminders(organiser, settings):
    settings.FAIRS_REMINDER_INTERVAL_DAYS = 3
    fair, (pitch, _b) = live_fair(organiser)
    card(pitch, email="anna@example.se")
    fair_close(fair=fair, by=organiser)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        sweep_fair_reminders()
    assert FairNotice.objects.filter(number=1).count() == 1
    assert JobRun.objects.get(name="fair_reminders_sweep").summary == {"queued": 1}


def test_the_beat_schedule_sweeps_fair_reminders():
    assert "workers.fairs" in TASK_MODULES
    assert beat_schedule()["fair-reminders"]["task"] == "workers.fairs.sweep_fair_reminders"
