"""The outbox: work queued in a transaction is sent after commit, and survives a dead broker."""

from unittest import mock

import pytest
from django.db import transaction

from operations.models import OutboxMessage
from operations.outbox import dispatch, enqueue, pending_ids
from workers.outbox import relay_outbox

pytestmark = pytest.mark.django_db


def test_enqueue_sends_after_commit_only(django_capture_on_commit_callbacks):
    with mock.patch("config.celery.app.send_task") as send:
        with django_capture_on_commit_callbacks(execute=True):
            enqueue("workers.totals.recompute_pool_totals", 7)
            assert not send.called  # nothing leaves before commit
        send.assert_called_once_with("workers.totals.recompute_pool_totals", args=[7])
    assert OutboxMessage.objects.get().dispatched_at is not None


def test_rolled_back_work_is_never_sent():
    with mock.patch("config.celery.app.send_task") as send, pytest.raises(RuntimeError), transaction.atomic():
        enqueue("workers.totals.recompute_pool_totals", 7)
        raise RuntimeError("rollback")
    assert not send.called
    assert not OutboxMessage.objects.exists()


def test_dedupe_key_keeps_one_pending_message():
    with mock.patch("config.celery.app.send_task", side_effect=ConnectionError("down")):
        for _ in range(5):
            enqueue("workers.totals.recompute_pool_totals", 3, dedupe_key="totals:3")
    assert OutboxMessage.objects.count() == 1


def test_broker_down_keeps_the_message_and_the_relay_sends_it_later(django_capture_on_commit_callbacks):
    with mock.patch("config.celery.app.send_task", side_effect=OSError("connection refused")):
        with django_capture_on_commit_callbacks(execute=True):
            enqueue("workers.receipts.send_pledge_receipt", 42)
    message = OutboxMessage.objects.get()
    assert message.dispatched_at is None and "connection refused" in message.last_error
    assert pending_ids() == [message.pk]
    with mock.patch("config.celery.app.send_task") as send:
        relay_outbox()
        relay_outbox()  # a duplicate tick sends nothing more
    send.assert_called_once_with("workers.receipts.send_pledge_receipt", args=[42])
    assert pending_ids() == []


def test_dispatch_skips_messages_already_sent():
    with mock.patch("config.celery.app.send_task") as send:
        message = OutboxMessage.objects.create(task_name="x.y", args=[1])
        assert dispatch([message.pk]) == 1
        assert dispatch([message.pk]) == 0
    assert send.call_count == 1
