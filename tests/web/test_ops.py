"""/ops/jobs/ and /ops/mail/failed/ (the old /ops/reminders/failed/ redirects): treasurers and organisers only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from operations.jobs import job_run
from pools.models import Reminder, ReminderStatus
from tests.factories import PoolFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def test_treasurer_sees_the_jobs_page(client, treasurer):
    with job_run("close_due_pools") as summary:
        summary["failed"] = [4]
    login_verified(client, treasurer)
    response = client.get("/ops/jobs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "close_due_pools" in html and "ms" in html


def test_organiser_sees_the_jobs_page(client, organiser):
    login_verified(client, organiser)
    assert client.get("/ops/jobs/").status_code == 200


@pytest.mark.parametrize("path", ["/ops/jobs/", "/ops/mail/failed/"])
def test_saver_is_refused(client, saver, path):
    login_verified(client, saver)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/ops/jobs/", "/ops/mail/failed/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_failed_mail_page_lists_a_migrated_failed_reminder_escaped(client, treasurer, saver):
    from operations.models import MailDelivery

    pool = PoolFactory()
    reminder = Reminder.objects.create(
        recipient_key=f"user:{saver.pk}", saver=saver, kind="pool_outcome", subject_type="pool",
        subject_id=pool.pk, pool=pool, period="failed", status=ReminderStatus.FAILED,
        last_error="<script>x</script>", send_after=timezone.now(),
    )  # fmt: skip
    MailDelivery.objects.create(
        key=f"reminder:{reminder.pk}", kind="pool_reminder", args={"reminder_id": reminder.pk}, to=saver.email,
        status="failed", last_error=reminder.last_error, next_attempt_at=timezone.now(), community=pool.community,
    )  # fmt: skip
    login_verified(client, treasurer)
    html = client.get("/ops/mail/failed/").content.decode()
    assert saver.email in html and "&lt;script&gt;" in html and "<script>x" not in html


def test_failed_mail_page_survives_a_hostile_page_number(client, treasurer):
    login_verified(client, treasurer)
    assert client.get("/ops/mail/failed/?page=1e9999").status_code == 404
