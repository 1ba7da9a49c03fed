"""GET /api/jobs/ and the deprecated /api/reminders/failed/: treasurers and organisers only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from operations.jobs import job_run
from pools.models import Reminder, ReminderStatus
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def test_treasurer_sees_latest_run_of_each_job(api_client, treasurer):
    with job_run("reconcile_pool_totals") as summary:
        summary["corrected"] = 0
    with job_run("reconcile_pool_totals") as summary:
        summary["corrected"] = 3
    with job_run("plan_reminders") as summary:
        summary["planned"] = {}
    api_client.force_authenticate(treasurer)
    response = api_client.get("/api/jobs/")
    assert response.status_code == 200
    by_name = {row["name"]: row for row in response.json()}
    assert set(by_name) == {"reconcile_pool_totals", "plan_reminders"}
    assert by_name["reconcile_pool_totals"]["summary"] == {"corrected": 3}
    assert by_name["reconcile_pool_totals"]["status"] == "ok"
    assert by_name["reconcile_pool_totals"]["duration_ms"] is not None


def test_organiser_sees_jobs(api_client, organiser):
    api_client.force_authenticate(organiser)
    assert api_client.get("/api/jobs/").status_code == 200


@pytest.mark.parametrize("path", ["/api/jobs/", "/api/reminders/failed/"])
def test_saver_is_refused(api_client, saver, path):
    api_client.force_authenticate(saver)
    assert api_client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/api/jobs/", "/api/reminders/failed/"])
def test_anonymous_is_refused(api_client, path):
    assert api_client.get(path).status_code == 401


def test_jobs_is_read_only(api_client, treasurer):
    api_client.force_authenticate(treasurer)
    assert api_client.post("/api/jobs/", {"name": "x"}, format="json").status_code == 405


def test_treasurer_sees_failed_reminders_only(api_client, treasurer, saver):
    pool = PoolFactory()
    common = dict(saver=saver, kind="pool_closing_soon", subject_type="pool", subject_id=pool.pk, pool=pool)
    Reminder.objects.create(
        recipient_key="user:1", period="a", status=ReminderStatus.FAILED, last_error="550 no such user",
        send_after=timezone.now(), **common,
    )  # fmt: skip
    Reminder.objects.create(
        recipient_key="user:1", period="b", status=ReminderStatus.SENT, sent_at=timezone.now(),
        send_after=timezone.now(), **common,
    )  # fmt: skip
    api_client.force_authenticate(treasurer)
    response = api_client.get("/api/reminders/failed/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["period"], r["recipient"], r["last_error"]) for r in rows] == [("a", saver.email, "550 no such user")]


def test_failed_reminders_is_deprecated_in_favour_of_the_failed_mail_list(api_client, treasurer):
    from drf_spectacular.generators import SchemaGenerator

    api_client.force_authenticate(treasurer)
    response = api_client.get("/api/reminders/failed/")
    assert response.status_code == 200
    assert response["Link"] == '</api/mail/failed/>; rel="successor-version"'
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/reminders/failed/"]["get"]
    assert operation["deprecated"] is True
    assert "/api/mail/failed/" in operation["description"]
