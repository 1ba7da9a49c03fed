"""Item 6: a worker killed (SIGKILL) mid-batch and started again never mails a saver the same reminder twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from operations.models import JobRun
from pools.models import FundingRule, PledgeKind, Reminder, ReminderStatus
from pools.services import pledge_create, pool_close
from tests.factories import PoolFactory, UserFactory
from tests.integration.conftest import celery_env, mail_messages, redis_purge
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SAVERS = 40


def _outcome_reminders_for(count: int) -> list[str]:
    pool = PoolFactory(funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE)
    savers = [UserFactory(language="en" if i % 2 else "sv") for i in range(count)]
    for saver in savers:
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=3)
    pool.closes_on = timezone.localdate() - timedelta(days=1)
    pool.save(update_fields=["closes_on"])
    pool_close(pool_id=pool.pk)
    assert Reminder.objects.filter(status=ReminderStatus.PENDING).count() == count
    return [s.email for s in savers]


def _reminder_mails(folder) -> list[dict[str, str]]:
    """Reminders only: the pledge receipts the worker also sends carry no reminder header."""
    return [m for m in mail_messages(folder) if m["reminder"]]


def test_killed_worker_mid_batch_never_sends_a_reminder_twice(tmp_path, celery_process_factory):
    from config.celery import app

    redis_purge(settings.REDIS_URL)
    emails = _outcome_reminders_for(SAVERS)
    mail_dir = tmp_path / "mail"
    env = celery_env(
        tmp_path,
        EMAIL_BACKEND="tests.integration.mail_backends.SlowFileBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        SLOW_MAIL_SECONDS="0.1",
        REMINDER_BATCH_SIZE="10",
    )
    worker = celery_process_factory("worker", env=env, args=("--concurrency=1",))
    app.send_task("workers.reminders.send_due_reminders")
    wait_until(lambda: len(_reminder_mails(mail_dir)) >= 12, timeout=60, what="a dozen reminders to go out")
    worker.kill()  # SIGKILL in the middle of the second batch

    sent_before_restart = len(_reminder_mails(mail_dir))
    assert 12 <= sent_before_restart < SAVERS, "the kill must land mid-run"
    assert Reminder.objects.filter(status=ReminderStatus.PENDING).exists()

    celery_process_factory("worker", env=env, args=("--concurrency=2",))
    for _ in range(3):  # the sweep again, and duplicates of it running in parallel
        app.send_task("workers.reminders.send_due_reminders")
    # (The killed worker's task stays unacknowledged in Redis until its visibility timeout.)
    wait_until(
        lambda: not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()
        and JobRun.objects.filter(name="send_due_reminders", status="ok").count() >= 3,
        timeout=90,
        what="every pending reminder to be sent",
    )  # fmt: skip

    messages = _reminder_mails(mail_dir)
    per_saver = Counter(m["to"] for m in messages)
    per_reminder = Counter(m["reminder"] for m in messages)
    assert max(per_saver.values()) == 1, per_saver.most_common(3)
    assert max(per_reminder.values()) == 1
    statuses = Counter(Reminder.objects.values_list("status", flat=True))
    # At most one reminder was between its claim and its record when the worker died: it stays
    # 'sending' (later marked failed as 'delivery unknown') and is never sent again.
    assert statuses[ReminderStatus.SENT] + statuses[ReminderStatus.SENDING] == SAVERS
    assert statuses[ReminderStatus.SENDING] <= 1
    assert len(messages) >= SAVERS - 1
    assert set(per_saver) <= set(emails)
    sent_ids = {str(pk) for pk in Reminder.objects.filter(status=ReminderStatus.SENT).values_list("pk", flat=True)}
    assert sent_ids <= set(per_reminder)
