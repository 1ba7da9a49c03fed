"""Reminders: planned once per key on Swedish banking days, sent once, opt-outs honoured at sending."""

from __future__ import annotations

import smtplib
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from accounts.models import ReminderKind
from accounts.services import reminder_preference_set
from pools import reminders as reminders_module
from pools.models import Pledge, PledgeKind, PledgeSource, Reminder, ReminderStatus
from pools.reminders import (
    payment_missing_step,
    reminders_fail_interrupted,
    reminders_plan,
    reminders_send_due,
)
from pools.selectors import reminder_list_failed
from pools.services import pledge_create
from tests.factories import PoolFactory, ShareOfferPoolFactory

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


def _share_pledge(saver, *, due_on: date) -> Pledge:
    pool = ShareOfferPoolFactory(closes_on=date(2026, 12, 31))
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
    Pledge.objects.filter(pk=pledge.pk).update(due_on=due_on)
    return pledge


def test_payment_missing_schedule_is_bounded_and_on_banking_days(settings):
    settings.REMINDER_PAYMENT_MISSING_AFTER_DAYS = 3
    settings.REMINDER_PAYMENT_MISSING_EVERY_DAYS = 7
    settings.REMINDER_PAYMENT_MISSING_MAX = 3
    due = date(2026, 6, 16)  # 3 days later is Midsummer Eve (19th), a bank holiday
    assert payment_missing_step(due_on=due, today=date(2026, 6, 18)) is None
    assert payment_missing_step(due_on=due, today=date(2026, 6, 19)) is None
    assert payment_missing_step(due_on=due, today=date(2026, 6, 22)) == (1, date(2026, 6, 22))
    assert payment_missing_step(due_on=due, today=date(2026, 6, 26)) == (2, date(2026, 6, 26))
    assert payment_missing_step(due_on=due, today=date(2026, 9, 1)) == (3, date(2026, 7, 3))


def test_payment_missing_reminders_repeat_then_stop(saver):
    with at(date(2026, 3, 2)):
        pledge = _share_pledge(saver, due_on=date(2026, 3, 2))
    for day in (
        date(2026, 3, 4),
        date(2026, 3, 5),
        date(2026, 3, 5),
        date(2026, 3, 12),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ):
        with at(day):
            reminders_plan()
            reminders_send_due()
    periods = sorted(Reminder.objects.filter(pledge=pledge).values_list("period", flat=True))
    assert periods == ["2026-03-02#1", "2026-03-02#2", "2026-03-02#3"]
    assert len(mail.outbox) == 3
    assert all(m.to == [saver.email] for m in mail.outbox)


def test_paid_pledge_gets_no_payment_missing_reminder(saver):
    with at(date(2026, 3, 2)):
        pledge = _share_pledge(saver, due_on=date(2026, 3, 2))
    Pledge.objects.filter(pk=pledge.pk).update(status="fulfilled")
    with at(date(2026, 3, 10)):
        assert reminders_plan()["payment_missing"] == 0


def test_monthly_saving_due_a_few_banking_days_before(saver):
    with at(date(2026, 3, 2)):
        pool = PoolFactory(closes_on=date(2026, 12, 31))
        pledge = pledge_create(
            pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=20_000, months=3,
            starts_on=date(2026, 4, 1),
        )  # fmt: skip
    with at(date(2026, 3, 26)):
        assert reminders_plan()["monthly_saving_due"] == 0
    with at(date(2026, 3, 27)):  # Friday: three banking days before Wednesday 1 April
        assert reminders_plan()["monthly_saving_due"] == 1
        assert reminders_plan()["monthly_saving_due"] == 0
    reminder = Reminder.objects.get(pledge=pledge)
    assert reminder.period == "2026-04"
    assert reminder.send_after == datetime(2026, 3, 27, 9, tzinfo=STOCKHOLM)


def test_fair_card_unconfirmed_reminds_the_card_email_once(saver):
    with at(date(2026, 3, 2)):
        pool = PoolFactory(closes_on=date(2026, 12, 31))
        pledge_create(
            pool=pool, saver=None, source=PledgeSource.FAIR_CARD, kind=PledgeKind.SUPPORT_SAVING,
            amount_ore=100_000, term_months=12, contact_name="Kort", contact_email="Kort@Example.se",
        )  # fmt: skip
    with at(date(2026, 3, 3)):
        assert reminders_plan()["fair_pledge_unconfirmed"] == 0
    with at(date(2026, 3, 4)):
        assert reminders_plan()["fair_pledge_unconfirmed"] == 1
        reminders_send_due()
    with at(date(2026, 3, 9)):
        assert reminders_plan()["fair_pledge_unconfirmed"] == 0
    reminder = Reminder.objects.get()
    assert reminder.recipient_key == "email:kort@example.se"
    assert mail.outbox[0].to == ["kort@example.se"]
    assert "/confirm/" in mail.outbox[0].body


def test_pool_closing_soon_once_per_saver(saver, other_saver):
    with at(date(2026, 3, 2)):
        pool = PoolFactory(closes_on=date(2026, 3, 10))
        for who in (saver, saver, other_saver):
            pledge_create(pool=pool, saver=who, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=1)
    with at(date(2026, 3, 4)):
        assert reminders_plan()["pool_closing_soon"] == 0
    with at(date(2026, 3, 5)):
        assert reminders_plan()["pool_closing_soon"] == 2
        assert reminders_plan()["pool_closing_soon"] == 0


def test_support_saving_term_ending(saver):
    with at(date(2026, 1, 15)):
        pool = PoolFactory(closes_on=date(2026, 12, 31))
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=3)
    with at(date(2026, 3, 31)):
        assert reminders_plan()["support_saving_term_ending"] == 0
    with at(date(2026, 4, 1)):
        assert reminders_plan()["support_saving_term_ending"] == 1
    assert Reminder.objects.get().period == "2026-04-15"


def _one_due_reminder(saver) -> Reminder:
    with at(date(2026, 3, 2)):
        _share_pledge(saver, due_on=date(2026, 3, 2))
    with at(date(2026, 3, 5)):
        reminders_plan()
    return Reminder.objects.get()


def test_sending_twice_mails_once(saver):
    reminder = _one_due_reminder(saver)
    with at(date(2026, 3, 5)):
        assert reminders_send_due()["sent"] == 1
        assert reminders_send_due()["sent"] == 0
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT and reminder.sent_at is not None
    assert len(mail.outbox) == 1


def test_reminder_waits_for_its_send_time(saver):
    _one_due_reminder(saver)
    with at(date(2026, 3, 5), hour=8):
        assert reminders_send_due()["sent"] == 0
    assert mail.outbox == []


def test_opt_out_is_honoured_at_sending(saver):
    reminder = _one_due_reminder(saver)
    reminder_preference_set(user=saver, kind=ReminderKind.PAYMENT_MISSING, is_enabled=False)
    with at(date(2026, 3, 5)):
        counts = reminders_send_due()
    assert counts["skipped_opted_out"] == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SKIPPED_OPTED_OUT
    assert mail.outbox == []


def test_email_is_in_the_savers_language_with_html_and_links(saver):
    saver.language = "en"
    saver.save()
    reminder = _one_due_reminder(saver)
    with at(date(2026, 3, 5)):
        reminders_send_due()
    message = mail.outbox[0]
    assert message.subject.startswith("We have not seen your payment to")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f"/my/pledges/{reminder.pledge_id}/" in message.body and f"/my/pledges/{reminder.pledge_id}/" in html
    assert "/my/preferences/" in message.body and "/my/preferences/" in html
    assert reminder.pledge.ocr_reference in message.body
    assert message.extra_headers["X-Lokalkapital-Reminder"] == str(reminder.pk)


def test_html_escapes_hostile_pool_title(saver):
    reminder = _one_due_reminder(saver)
    reminder.pool.title = "<script>alert(1)</script>"
    reminder.pool.save()
    with at(date(2026, 3, 5)):
        reminders_send_due()
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_batch_uses_one_connection(saver, other_saver, settings):
    settings.REMINDER_BATCH_SIZE = 10
    _one_due_reminder(saver)
    with at(date(2026, 3, 2)):
        _share_pledge(other_saver, due_on=date(2026, 3, 2))
    with at(date(2026, 3, 5)):
        reminders_plan()
        with mock.patch.object(reminders_module, "get_connection", wraps=reminders_module.get_connection) as spy:
            assert reminders_send_due()["sent"] == 2
    assert spy.call_count == 1


def test_transient_mail_error_retries_with_backoff_then_gives_up(saver, settings):
    settings.MAIL_MAX_ATTEMPTS = 3
    settings.MAIL_RETRY_BACKOFF_SECONDS = 60
    reminder = _one_due_reminder(saver)
    down = mock.patch.object(LocmemBackend, "send_messages", side_effect=smtplib.SMTPServerDisconnected("gone"))
    with at(date(2026, 3, 5)), down:
        assert reminders_send_due()["retry"] == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.PENDING and reminder.attempts == 1
    first_retry = reminder.send_after
    assert first_retry == datetime(2026, 3, 5, 10, 1, tzinfo=STOCKHOLM)
    with time_machine.travel(first_retry, tick=False), down:
        reminders_send_due()
    reminder.refresh_from_db()
    assert reminder.send_after - first_retry == timedelta(seconds=120)  # doubled
    with time_machine.travel(reminder.send_after, tick=False), down:
        assert reminders_send_due()["failed"] == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED and reminder.attempts == 3
    assert "gave up" in reminder.last_error
    assert list(reminder_list_failed()) == [reminder]


def test_permanent_mail_error_is_recorded_for_treasurers(saver):
    reminder = _one_due_reminder(saver)
    refused = smtplib.SMTPRecipientsRefused({saver.email: (550, b"no such user")})
    with at(date(2026, 3, 5)), mock.patch.object(LocmemBackend, "send_messages", side_effect=refused):
        assert reminders_send_due()["failed"] == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED and "SMTPRecipientsRefused" in reminder.last_error


def test_a_reminder_claimed_by_a_dead_worker_is_failed_never_resent(saver, settings):
    settings.REMINDER_SENDING_STALE_SECONDS = 600
    reminder = _one_due_reminder(saver)
    with at(date(2026, 3, 5)):
        Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SENDING, claimed_at=reminder.send_after)
        assert reminders_fail_interrupted() == 1
        assert reminders_send_due()["sent"] == 0
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED and "interrupted" in reminder.last_error
    assert mail.outbox == []
