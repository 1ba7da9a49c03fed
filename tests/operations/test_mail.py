"""One delivery record for every mail: claimed under a unique key, sent, retried with backoff, failed visibly."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from importlib import import_module
from unittest import mock

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from operations.mail import mail_deliver, mail_deliveries_fail_interrupted, mail_deliveries_sweep
from operations.models import MailDelivery, MailKind, MailStatus
from pools.models import Pledge, PledgeKind, Reminder, ReminderStatus
from pools.receipts import pledge_receipt_send
from tests.factories import PoolFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def _pledge(saver) -> Pledge:
    from pools.services import pledge_create

    return pledge_create(pool=PoolFactory(), saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=20_000, months=3)


def _failed(kind: str, key: str, **fields) -> MailDelivery:
    """A failed delivery, about the first community unless `community_id` says otherwise."""
    from communities.selectors import default_community_id

    fields.setdefault("community_id", default_community_id())
    return MailDelivery.objects.create(
        key=key, kind=kind, status=MailStatus.FAILED, next_attempt_at=timezone.now(), **fields
    )


def test_receipt_goes_through_one_delivery_record_and_is_sent_once(saver):
    pledge = _pledge(saver)
    assert pledge_receipt_send(pledge_id=pledge.pk) is True
    assert pledge_receipt_send(pledge_id=pledge.pk) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [saver.email]
    delivery = MailDelivery.objects.get(key=f"receipt:{pledge.pk}")
    assert (delivery.kind, delivery.status, delivery.attempts, delivery.to) == ("receipt", "sent", 1, saver.email)
    pledge.refresh_from_db()
    assert pledge.receipt_sent_at is not None


def test_transient_error_backs_off_exponentially_and_the_sweep_sends_it_later(saver, settings):
    settings.MAIL_RETRY_BACKOFF_SECONDS = 60
    pledge = _pledge(saver)
    down = mock.patch.object(LocmemBackend, "send_messages", side_effect=smtplib.SMTPServerDisconnected("gone"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with down:
            assert pledge_receipt_send(pledge_id=pledge.pk) is False
        delivery = MailDelivery.objects.get()
        assert delivery.status == MailStatus.PENDING and delivery.next_attempt_at == start + timedelta(seconds=60)
        assert mail_deliveries_sweep()["sent"] == 0  # not due yet
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        with down:
            assert mail_deliveries_sweep()["retry"] == 1
        delivery.refresh_from_db()
        assert delivery.next_attempt_at - timezone.now() == timedelta(seconds=120)  # doubled
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert mail_deliveries_sweep()["sent"] == 1
    delivery.refresh_from_db()
    assert delivery.status == MailStatus.SENT and delivery.attempts == 3
    assert len(mail.outbox) == 1
    assert Pledge.objects.get(pk=pledge.pk).receipt_sent_at is not None


def test_transient_errors_give_up_after_the_attempts_and_show_as_failed(saver, settings):
    settings.MAIL_MAX_ATTEMPTS = 2
    settings.MAIL_RETRY_BACKOFF_SECONDS = 1
    pledge = _pledge(saver)
    with mock.patch.object(LocmemBackend, "send_messages", side_effect=TimeoutError("slow")):
        pledge_receipt_send(pledge_id=pledge.pk)
        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            assert mail_deliveries_sweep()["failed"] == 1
    delivery = MailDelivery.objects.get()
    assert delivery.status == MailStatus.FAILED and "gave up after 2 attempts" in delivery.last_error


def test_permanent_error_fails_at_once(saver):
    pledge = _pledge(saver)
    refused = smtplib.SMTPRecipientsRefused({saver.email: (550, b"no such user")})
    with mock.patch.object(LocmemBackend, "send_messages", side_effect=refused):
        assert pledge_receipt_send(pledge_id=pledge.pk) is False
    delivery = MailDelivery.objects.get()
    assert delivery.status == MailStatus.FAILED and delivery.attempts == 1
    assert "SMTPRecipientsRefused" in delivery.last_error
    assert Pledge.objects.get(pk=pledge.pk).receipt_sent_at is None


def test_a_builder_with_nothing_to_send_records_a_skip(saver):
    pledge = _pledge(saver)
    saver.erased_at = timezone.now()
    saver.save(update_fields=["erased_at"])
    assert pledge_receipt_send(pledge_id=pledge.pk) is False
    delivery = MailDelivery.objects.get()
    assert delivery.status == MailStatus.SKIPPED and mail.outbox == []


def test_a_delivery_left_sending_by_a_dead_worker_is_failed_not_resent(saver, settings):
    settings.MAIL_SENDING_STALE_SECONDS = 60
    pledge = _pledge(saver)
    MailDelivery.objects.create(
        key=f"receipt:{pledge.pk}", kind=MailKind.RECEIPT, args={"pledge_id": pledge.pk},
        status=MailStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=120), next_attempt_at=timezone.now(),
    )  # fmt: skip
    assert mail_deliveries_fail_interrupted() == 1
    assert mail_deliver(key=f"receipt:{pledge.pk}", kind=MailKind.RECEIPT, args={"pledge_id": pledge.pk}) == "taken"
    assert MailDelivery.objects.get().status == MailStatus.FAILED and mail.outbox == []


def test_the_failed_mail_page_shows_each_role_its_kinds(client, treasurer, organiser):
    _failed(MailKind.RECEIPT, "receipt:1", to="a@example.se", last_error="<b>550</b>")
    _failed(MailKind.FAIR_NOTICE, "fair_notice:1", to="f@example.se")
    login_verified(client, treasurer)
    html = client.get("/ops/mail/failed/").content.decode()
    assert "a@example.se" in html and "f@example.se" not in html and "&lt;b&gt;550" in html
    client.logout()
    login_verified(client, organiser)
    html = client.get("/ops/mail/failed/").content.decode()
    assert "f@example.se" in html and "a@example.se" not in html


def test_a_saver_is_refused_the_failed_mail_page_and_its_retry(client, saver):
    delivery = _failed(MailKind.RECEIPT, "receipt:1")
    login_verified(client, saver)
    assert client.get("/ops/mail/failed/").status_code == 403
    assert client.post(f"/ops/mail/failed/{delivery.pk}/retry/").status_code == 403
    assert MailDelivery.objects.get().status == MailStatus.FAILED


def test_retry_from_the_page_sends_the_mail_again(client, treasurer, saver, django_capture_on_commit_callbacks):
    pledge = _pledge(saver)
    delivery = _failed(MailKind.RECEIPT, f"receipt:{pledge.pk}", args={"pledge_id": pledge.pk}, attempts=5)
    login_verified(client, treasurer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/ops/mail/failed/{delivery.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == "/ops/mail/failed/"
    delivery.refresh_from_db()
    assert delivery.status == MailStatus.PENDING and delivery.attempts == 0
    assert mail_deliveries_sweep()["sent"] == 1
    assert [m.to for m in mail.outbox] == [[saver.email]]


def test_treasurer_cannot_retry_a_fair_mail(client, treasurer):
    delivery = _failed(MailKind.FAIR_NOTICE, "fair_notice:1")
    login_verified(client, treasurer)
    assert client.post(f"/ops/mail/failed/{delivery.pk}/retry/").status_code == 404
    assert MailDelivery.objects.get().status == MailStatus.FAILED


def test_the_old_failed_reminders_page_redirects(client, treasurer):
    login_verified(client, treasurer)
    response = client.get("/ops/reminders/failed/")
    assert response.status_code == 301 and response["Location"] == "/ops/mail/failed/"


def test_api_lists_and_retries_failed_mails(api_client, treasurer, organiser, saver):
    money = _failed(MailKind.RECEIPT, "receipt:1", to="s@example.se")
    fair = _failed(MailKind.FAIR_NOTICE, "fair_notice:1")
    api_client.force_authenticate(treasurer)
    response = api_client.get("/api/mail/failed/")
    assert response.status_code == 200
    assert [(r["id"], r["kind"], r["to"]) for r in response.json()["results"]] == [
        (money.pk, "receipt", "s@example.se")
    ]
    assert api_client.post(f"/api/mail/failed/{fair.pk}/retry/").status_code == 404
    assert api_client.post(f"/api/mail/failed/{money.pk}/retry/").status_code == 200
    assert api_client.post(f"/api/mail/failed/{money.pk}/retry/").status_code == 404  # no longer failed
    api_client.force_authenticate(saver)
    assert api_client.get("/api/mail/failed/").status_code == 403
    assert api_client.post(f"/api/mail/failed/{fair.pk}/retry/").status_code == 403


def test_retry_of_a_mail_no_longer_failed_is_refused_with_409(treasurer):
    from operations.errors import DomainError
    from operations.mail import mail_delivery_retry

    delivery = _failed(MailKind.RECEIPT, "receipt:1")
    MailDelivery.objects.filter(pk=delivery.pk).update(status=MailStatus.SENT)
    with pytest.raises(DomainError) as refused:
        mail_delivery_retry(delivery=delivery, by=treasurer, community_ids=None)
    assert refused.value.status == 409


def test_the_service_rechecks_who_retries(organiser):
    from operations.mail import MailNotYours, mail_delivery_retry

    delivery = _failed(MailKind.RECEIPT, "receipt:1")
    with pytest.raises(MailNotYours):
        mail_delivery_retry(delivery=delivery, by=organiser, community_ids=None)


def test_data_migration_moves_failed_pool_reminders_into_deliveries(saver):
    pool = PoolFactory()
    common = dict(saver=saver, kind="pool_closing_soon", subject_type="pool", subject_id=pool.pk, pool=pool)
    failed = Reminder.objects.create(
        recipient_key="user:1", period="a", status=ReminderStatus.FAILED, last_error="550 no such user",
        attempts=3, send_after=timezone.now(), **common,
    )  # fmt: skip
    Reminder.objects.create(
        recipient_key="user:1", period="b", status=ReminderStatus.SENT, sent_at=timezone.now(),
        send_after=timezone.now(), **common,
    )  # fmt: skip
    migration = import_module("operations.migrations.0003_structure_failed_reminders_to_mail")
    migration.forwards(django_apps, None)
    migration.forwards(django_apps, None)  # a second run adds nothing
    delivery = MailDelivery.objects.get()
    assert (delivery.key, delivery.kind, delivery.status, delivery.to, delivery.attempts, delivery.last_error) == (
        f"reminder:{failed.pk}",
        "pool_reminder",
        "failed",
        saver.email,
        3,
        "550 no such user",
    )
    assert delivery.args == {"reminder_id": failed.pk}
