"""Item 9: with the broker down a pledge is still saved and acknowledged; totals and receipt catch up after."""

from __future__ import annotations

import time

import pytest

from operations.models import OutboxMessage
from pools.models import Pledge, PledgeKind, PoolTotals
from pools.services import pledge_create
from tests.factories import PoolFactory, UserFactory
from tests.integration.conftest import broker_url_in_this_process, celery_env, mail_messages
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_pledge_survives_a_stopped_broker_and_catches_up(tmp_path, redis_server_factory, celery_process_factory):
    redis = redis_server_factory()
    pool = PoolFactory()
    saver = UserFactory()
    redis.stop()  # the broker goes down

    with broker_url_in_this_process(redis.url):
        started = time.monotonic()
        pledge = pledge_create(
            pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=25_000, months=12
        )  # commits; the after-commit send fails and is kept
        elapsed = time.monotonic() - started

    assert Pledge.objects.filter(pk=pledge.pk).exists()
    print(f"pledge with the broker down took {elapsed:.2f}s")
    assert elapsed < 15, "a dead broker must fail fast"
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    assert set(pending.values_list("task_name", flat=True)) == {
        "workers.totals.recompute_pool_totals",
        "workers.receipts.send_pledge_receipt",
    }
    assert all(message.last_error for message in pending)
    assert PoolTotals.objects.get(pool=pool).computed_at is None

    redis.start()  # the broker is back: one worker and one beat (its outbox relay) catch up
    env = celery_env(tmp_path, REDIS_URL=redis.url, OUTBOX_RELAY_INTERVAL="1")
    celery_process_factory("worker", env=env)
    celery_process_factory("beat", env=env)

    def receipts() -> list[dict[str, str]]:
        return [m for m in mail_messages(tmp_path / "mail") if m["to"] == saver.email]

    # The receipt task claims the pledge (receipt_sent_at) before it renders and sends the mail, so
    # wait for the mail itself: polling the claim alone raced the send on a loaded machine.
    wait_until(lambda: receipts(), timeout=60, what="the receipt in this worker's mailbox")
    wait_until(lambda: PoolTotals.objects.get(pool=pool).pledged_ore == 300_000, timeout=60, what="the totals")
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
    assert Pledge.objects.get(pk=pledge.pk).receipt_sent_at is not None
    # The relay keeps running (every second): nothing is sent a second time.
    time.sleep(3)
    assert len(receipts()) == 1
