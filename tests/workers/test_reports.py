"""The report-file tasks: build_report prepares the requested file and records its run for the community;
the outbox sends it by name to the heavy queue; expire_report_builds runs from beat and removes old files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from config.celery import app
from operations.models import JobRun, OutboxMessage
from treasury.models import ReportBuild, ReportBuildStatus
from treasury.report_builds import REPORT_BUILD_TASK, report_build_request
from treasury.reports import report_params
from workers.reports import build_report, expire_report_builds
from workers.schedule import beat_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _ask(treasurer, **kwargs):
    params = report_params(as_of=timezone.localdate(), date_from=None, date_to=None)
    return report_build_request(by=treasurer, kind="pools", params=params, file_format="csv", language="sv", **kwargs)[
        0
    ]


def test_the_outbox_publishes_the_build_to_the_heavy_queue(treasurer, monkeypatch, django_capture_on_commit_callbacks):
    sent = []

    def capture(name, args=None, **options):
        # The route Celery gives the message when the outbox sends it by name (no queue option passed).
        sent.append((name, args, options, app.amqp.router.route(options, name)["queue"].name))

    monkeypatch.setattr(app, "send_task", capture)
    with django_capture_on_commit_callbacks(execute=True):
        build = _ask(treasurer)
    assert sent == [(REPORT_BUILD_TASK, [build.pk], {}, settings.HEAVY_QUEUE)]
    assert settings.HEAVY_QUEUE == "heavy"
    assert OutboxMessage.objects.get(task_name=REPORT_BUILD_TASK).dispatched_at is not None


def test_build_report_prepares_the_file_and_records_the_run(treasurer):
    build = _ask(treasurer)
    build_report(build.pk)
    done = ReportBuild.objects.get(pk=build.pk)
    assert done.status == ReportBuildStatus.DONE and default_storage.exists(done.stored_file.name)
    run = JobRun.objects.get(name="build_report")
    assert run.community_id == build.community_id and run.summary["status"] == "done"
    build_report(build.pk)  # a second delivery changes nothing
    assert ReportBuild.objects.get(pk=build.pk).finished_at == done.finished_at


def test_build_report_of_a_removed_build_does_nothing(treasurer):
    build_report(999_999)
    assert JobRun.objects.get(name="build_report").status == "ok"


def test_expiry_runs_hourly_from_beat_and_removes_old_files(treasurer):
    entry = beat_schedule()["expire-report-builds"]
    assert entry["task"] == "workers.reports.expire_report_builds"
    assert app.amqp.router.route({}, entry["task"])["queue"].name == settings.HEAVY_QUEUE
    build = _ask(treasurer)
    build_report(build.pk)
    name = ReportBuild.objects.get(pk=build.pk).stored_file.name
    ReportBuild.objects.filter(pk=build.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expire_report_builds()
    assert not ReportBuild.objects.exists() and not default_storage.exists(name)
    assert JobRun.objects.get(name="expire_report_builds").summary == {"removed": 1}
